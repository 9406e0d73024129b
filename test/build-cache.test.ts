/**
 * The test builds' cache (test/support/cached-build.ts): reused by hash, only the latest kept,
 * and a building directory a killed run left behind removed by the next build, while one a live
 * run is still writing stays.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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
  it('builds once per hash and keeps only the latest', async () => {
    let builds = 0;
    const make = async (dir: string) => {
      builds++;
      await writeFile(join(dir, 'main.js'), '');
    };
    const first = await cachedBuild(cache, 'aaa', 'main.js', make);
    expect(await cachedBuild(cache, 'aaa', 'main.js', make)).toBe(first);
    expect(builds).toBe(1);
    await cachedBuild(cache, 'bbb', 'main.js', make);
    expect(builds).toBe(2);
    expect(existsSync(first)).toBe(false);
  });

  it("removes a killed run's building directory and leaves a live run's", async () => {
    const abandoned = join(cache, `building-${deadPid()}-x1`);
    const live = join(cache, `building-${process.ppid}-x2`);
    await mkdir(abandoned);
    await mkdir(live);
    await cachedBuild(cache, 'ccc', 'main.js', (dir) => writeFile(join(dir, 'main.js'), ''));
    expect((await readdir(cache)).sort()).toEqual([`building-${process.ppid}-x2`, 'ccc']);
    await rm(live, { recursive: true });
  });
});
