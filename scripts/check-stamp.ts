/**
 * Whether `npm run check` has anything to do. A clean check records a fingerprint of what the type
 * check and the lint read; the next check with the same fingerprint has nothing new to find, and
 * skips building the programs (on a warm checkout that alone was 13-17 CPU s: parsing and
 * binding ~2,700 files for a checker that then checked nothing). The fingerprint is the content
 * of every file git sees (tracked, and untracked unless ignored: a new file changes it too), of
 * the files outside that listing the last clean check read (generated sources, for one), and the
 * installed packages' lock (npm rewrites it on every install, so the declaration files the
 * programs read from node_modules are covered by it).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';

export interface Stamp {
  fingerprint: string;
  /** Files the clean check read that git does not list, relative to the root. */
  extra: string[];
}

/** Every file git sees, relative to the root; undefined outside a git checkout (nothing is skipped then). */
function gitFiles(root: string): string[] | undefined {
  try {
    const listing = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
    return listing.split('\0').filter((file) => file.length > 0);
  } catch {
    return undefined;
  }
}

function contentHash(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    // A tracked file deleted in the work tree, or one that is gone since the last check.
    return 'missing';
  }
}

/** The fingerprint of git's listing and the extra files, with the installed packages' lock. */
function fingerprint(root: string, listed: readonly string[], extra: readonly string[]): string {
  const all = [...new Set([...listed, ...extra, 'node_modules/.package-lock.json'])].sort();
  const hash = createHash('sha256').update(`${process.version}\n`);
  for (const file of all) hash.update(`${file}\0${contentHash(join(root, file))}\n`);
  return hash.digest('hex');
}

function readStamp(path: string): Stamp | undefined {
  try {
    const stamp = JSON.parse(readFileSync(path, 'utf8')) as Partial<Stamp>;
    return typeof stamp.fingerprint === 'string' && Array.isArray(stamp.extra) && stamp.extra.every((f) => typeof f === 'string') ? { fingerprint: stamp.fingerprint, extra: stamp.extra } : undefined;
  } catch {
    return undefined;
  }
}

/** The checkout before a check: its fingerprint, the extra files it covers, and git's listing it was taken on. */
export interface Before extends Stamp {
  listed: readonly string[];
}

/**
 * The checkout's fingerprint now, with the extra files of the stamp at `path`, and whether that
 * stamp recorded the same: a clean check of exactly what the checkout holds. Outside a git
 * checkout there is nothing to compare (`now` undefined).
 */
export function current(root: string, path: string): { now: Before | undefined; upToDate: boolean } {
  const listed = gitFiles(root);
  if (listed === undefined) return { now: undefined, upToDate: false };
  const stamp = readStamp(path);
  const extra = (stamp?.extra ?? []).slice().sort();
  const value = fingerprint(root, listed, extra);
  return { now: { fingerprint: value, extra, listed }, upToDate: stamp?.fingerprint === value };
}

/**
 * Records a clean check. `before` is what `current` found before it started, so that a file
 * edited while it ran makes the next check run again; `read` is every file it read. Only when
 * the files outside git's listing are not the ones the last stamp named is the fingerprint taken
 * again (on the same listing), after the check.
 */
export function writeStamp(root: string, path: string, before: Before | undefined, read: Iterable<string>): void {
  if (before === undefined) return;
  const listed = new Set(before.listed);
  const extra = new Set<string>();
  for (const file of read) {
    const rel = isAbsolute(file) ? relative(root, file) : file;
    if (rel.startsWith('..') || rel.startsWith('node_modules/') || listed.has(rel)) continue;
    extra.add(rel);
  }
  const sorted = [...extra].sort();
  const same = sorted.length === before.extra.length && sorted.every((file, i) => file === before.extra[i]);
  const stamp: Stamp = { fingerprint: same ? before.fingerprint : fingerprint(root, before.listed, sorted), extra: sorted };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(stamp)}\n`);
}

export function clearStamp(path: string): void {
  rmSync(path, { force: true });
}
