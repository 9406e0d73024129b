// Which CLI entry the bin runs: the compiled dist/cli/main.js when it is present and not older
// than the sources (an installed package ships no src/, so there it always is), otherwise the
// TypeScript through tsx. A stale build is never run.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** @param {string} root the package root @returns {{ kind: 'compiled' | 'tsx', path: string }} */
export function cliEntry(root) {
  const compiled = join(root, 'dist', 'cli', 'main.js');
  const source = join(root, 'src', 'cli', 'main.ts');
  let built;
  try {
    built = statSync(compiled).mtimeMs;
  } catch {
    return { kind: 'tsx', path: source };
  }
  let sources;
  try {
    sources = newestUnder(join(root, 'src'));
  } catch {
    return { kind: 'compiled', path: compiled };
  }
  return built >= sources ? { kind: 'compiled', path: compiled } : { kind: 'tsx', path: source };
}
