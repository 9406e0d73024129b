/**
 * The test builds' cache (test/support/cached-build.ts): reused by hash, older builds removed
 * once they are an hour old (never one a process of the same run may still run), and a building
 * directory a killed run left behind removed by the next build, while one a live run is still
 * writing stays.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedBuild } from './support/cached-build.js';

const cache = await mkdtemp(join(tmpdir(), 'qp-build-cache-'));
afterAll(() => rm(cache, { recursive: true, force: true }));

/** A process id that no process has now: a child's, after it exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('cachedBuild', () => {
  it('builds once per hash; a newer build keeps a recent older one and removes an hour-old one', async () => {
    const dir = join(cache, 'ages');
    let builds = 0;
    const make = async (out: string) => {
      builds++;
      await writeFile(join(out, 'main.js'), '');
    };
    const first = await cachedBuild(dir, 'aaa', 'main.js', make);
    expect(await cachedBuild(dir, 'aaa', 'main.js', make)).toBe(first);
    expect(builds).toBe(1);
    // A source changed during a run: another worker's process may still run the first build.
    const second = await cachedBuild(dir, 'bbb', 'main.js', make);
    expect(builds).toBe(2);
    expect(existsSync(first)).toBe(true);
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(first, twoHoursAgo, twoHoursAgo);
    await cachedBuild(dir, 'ccc', 'main.js', make);
    expect([existsSync(first), existsSync(second)]).toEqual([false, true]);
  });

  it("removes a killed run's building directory and leaves a live run's", async () => {
    const dir = join(cache, 'killed');
    const abandoned = join(dir, `building-${deadPid()}-x1`);
    const live = join(dir, `building-${process.ppid}-x2`);
    await mkdir(abandoned, { recursive: true });
    await mkdir(live);
    await cachedBuild(dir, 'ccc', 'main.js', (dir) => writeFile(join(dir, 'main.js'), ''));
    expect((await readdir(dir)).sort()).toEqual([`building-${process.ppid}-x2`, 'ccc']);
    await rm(live, { recursive: true });
  });
});
