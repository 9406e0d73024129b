/** The Dockerfile's structure, checked statically (no docker here): multi-stage, compiled, no dev dependencies, non-root. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const text = readFileSync(new URL('Dockerfile', root), 'utf8');
const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const stages: { name: string; lines: string[] }[] = [];
for (const line of lines) {
  const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
  if (from) stages.push({ name: from[1] ?? String(stages.length), lines: [] });
  else stages.at(-1)?.lines.push(line);
}
const run = stages.at(-1)!;

describe('Dockerfile', () => {
  it('builds in one stage and runs from another', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages.some((s) => s.lines.some((l) => /^RUN npm run build\b/.test(l)))).toBe(true);
    expect(run.lines.some((l) => /npm run build|npm ci(?!.*--omit=dev)/.test(l))).toBe(false);
  });

  it('ships production dependencies only: node_modules comes from an --omit=dev install', () => {
    const copies = run.lines.filter((l) => /node_modules/.test(l));
    expect(copies).toHaveLength(1);
    const source = /--from=(\S+)/.exec(copies[0]!)?.[1];
    const deps = stages.find((s) => s.name === source)!;
    expect(deps.lines.some((l) => /npm ci .*--omit=dev/.test(l))).toBe(true);
    // Never the source, never tsx at run time: compiled JavaScript.
    expect(run.lines.some((l) => /COPY .*\bsrc\b/.test(l))).toBe(false);
    expect(run.lines.find((l) => l.startsWith('CMD'))).toBe('CMD ["node", "dist/main.js"]');
  });

  it('runs as a non-root user, listening on every interface in production, without the worker by default', () => {
    const user = run.lines.filter((l) => l.startsWith('USER')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/\b(root|0)\b/);
    const env = run.lines.filter((l) => l.startsWith('ENV')).join(' ');
    expect(env).toMatch(/NODE_ENV=production/);
    expect(env).toMatch(/HOST=0\.0\.0\.0/);
    expect(env).toMatch(/WORKER=0/);
  });

  it('keeps local state out of the build context', () => {
    const ignored = readFileSync(new URL('.dockerignore', root), 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', 'data', '.git']) expect(ignored).toContain(entry);
    // The entry points it runs are what the build compiles.
    for (const entry of ['src/main.ts', 'src/cli/main.ts']) expect(existsSync(new URL(entry, root))).toBe(true);
  });
});
