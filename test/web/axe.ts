/**
 * axe-core over the open page, as people meet it: serious and critical violations of WCAG 2.1 A
 * and AA, each with where it is. The theme is CSS only (a prefers-color-scheme query), so a
 * screen checked in full in one theme needs only the rules that read colours in the other.
 *
 * axe.run in the page itself, as @axe-core/playwright's legacy mode runs it (its default,
 * runPartial then finishRun in a new blank page, is for pages with cross-origin frames; these
 * have none), but axe is injected once per document: that builder injected its ~0.6 MB source
 * twice on every check, and a screen is checked twice (two themes), often over one document
 * (screens visited in the app, not loaded cold). With none of the builder left in use, the
 * tests take axe-core itself (the builder also wants Node 22.12, where these machines run 20).
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** axe-core's source, for the page (its `source` export: the bundle that defines `window.axe`). */
const AXE_SOURCE = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/** The WCAG A/AA rules whose outcome depends on colours, and so on the theme. */
export const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

interface Violation {
  id: string;
  impact?: string | null;
  nodes: { target: unknown[] }[];
}

export async function violations(page: Page, rules: 'all' | 'colour' = 'all'): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.evaluate(`${AXE_SOURCE}\n;axe.configure({ allowedOrigins: ['<same_origin>'], branding: { application: 'playwright' } });`);
  }
  const runOnly = rules === 'colour' ? { type: 'rule', values: COLOUR_RULES } : { type: 'tag', values: TAGS };
  const found = await page.evaluate(async (options) => {
    const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<{ violations: Violation[] }> } }).axe;
    return (await axe.run(document, options)).violations;
  }, { runOnly });
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
