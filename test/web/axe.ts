/**
 * axe-core over the open page, as people meet it: serious and critical violations of WCAG 2.1 A
 * and AA, each with where it is. The theme is CSS only (a prefers-color-scheme query), so a
 * screen checked in full in one theme needs only the rules that read colours in the other.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/** The WCAG A/AA rules whose outcome depends on colours, and so on the theme. */
export const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

export async function violations(page: Page, rules: 'all' | 'colour' = 'all'): Promise<string[]> {
  // axe.run in the page itself: the default (runPartial, then finishRun in a new blank page with
  // axe injected a second time) is for pages with cross-origin frames; these have none, and it
  // cost a page and an injection per check.
  const axe = new AxeBuilder({ page }).setLegacyMode().withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  const result = await (rules === 'colour' ? axe.withRules(COLOUR_RULES) : axe).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
