/**
 * `npm run check` skips only what it has already checked: the stamp of a clean check holds while
 * nothing it read changed, and any edit, new file or install makes the next check run, in a
 * real git checkout of its own.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { current, writeStamp } from '../scripts/check-stamp.js';

let root: string;
let stamp: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'ignore' });

/** A clean check that read `read` (absolute paths), recorded as check.ts records it. */
function cleanCheck(read: string[] = []): void {
  writeStamp(root, stamp, current(root, stamp).now, read);
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'qp-check-stamp-'));
  stamp = join(root, 'node_modules/.cache/check/stamp.json');
  mkdirSync(join(root, 'src'));
  mkdirSync(join(root, 'node_modules'));
  writeFileSync(join(root, '.gitignore'), 'node_modules/\ngenerated/\n');
  writeFileSync(join(root, 'src/a.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'node_modules/.package-lock.json'), '{"lockfileVersion":3}\n');
  git('init', '-q');
  git('add', '.');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the check stamp', () => {
  it('is up to date after a clean check of the same files, and not before one', () => {
    expect(current(root, stamp).upToDate).toBe(false);
    cleanCheck();
    expect(current(root, stamp).upToDate).toBe(true);
  });

  it('is stale after an edit, a new file (tracked or not), a deletion or an install', () => {
    const changes: Array<[string, () => void]> = [
      ['an edit', () => writeFileSync(join(root, 'src/a.ts'), 'export const a = 2;\n')],
      ['a new untracked file', () => writeFileSync(join(root, 'src/b.ts'), 'export const b: number = "b";\n')],
      ['a deleted file', () => rmSync(join(root, 'src/a.ts'))],
      ['an install', () => writeFileSync(join(root, 'node_modules/.package-lock.json'), '{"lockfileVersion":3,"packages":{}}\n')],
    ];
    for (const [what, change] of changes) {
      cleanCheck();
      expect(current(root, stamp).upToDate, `before ${what}`).toBe(true);
      change();
      expect(current(root, stamp).upToDate, `after ${what}`).toBe(false);
    }
  });

  it('follows the files the check read that git ignores, and no other ignored file', () => {
    mkdirSync(join(root, 'generated'));
    writeFileSync(join(root, 'generated/client.ts'), 'export {};\n');
    cleanCheck([join(root, 'generated/client.ts'), join(root, 'src/a.ts')]);
    expect(current(root, stamp).upToDate).toBe(true);
    writeFileSync(join(root, 'generated/unread.ts'), 'export {};\n');
    expect(current(root, stamp).upToDate).toBe(true);
    writeFileSync(join(root, 'generated/client.ts'), 'export const changed = true;\n');
    expect(current(root, stamp).upToDate).toBe(false);
  });

  it('is never up to date outside a git checkout', () => {
    rmSync(join(root, '.git'), { recursive: true });
    cleanCheck();
    expect(current(root, stamp)).toEqual({ now: undefined, upToDate: false });
  });
});
