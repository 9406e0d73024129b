/**
 * With TEST_CPU_LOG=<file> (vitest.config.ts adds this set-up only then), each test file appends
 * one line to <file>: the CPU seconds its vitest worker spent on it, then those of the worker's
 * own engine and browser while it ran (each worker has one of each: engine.global.ts, and the
 * Chromium its first browser file launched, test/web/support.ts), then its path, its worker,
 * when it started and ended, and the CPU of the processes it started (children of the worker
 * that exited: CLIs, services, image processes). It finds the files whose work is heaviest,
 * which a whole run's wall times on shared cores do not. Engine and browser CPU are whole
 * process trees, children that already exited included.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { CHROMIUM } from './chromium.js';
import { childrenOf, statFields } from './sockets.js';
import { ofThisWorker, WORKER_NUMBER } from './workers.js';

const log = process.env.TEST_CPU_LOG;
const TICKS_PER_SECOND = 100;
let start: { own: NodeJS.CpuUsage; children: number; engine: number; browser: number; browserPid: number; at: number } | undefined;

/** CPU ticks of this worker's children that have exited and been reaped (the processes a file spawned). */
function reapedChildrenTicks(): number {
  const fields = statFields('/proc/self/stat');
  return Number(fields[13]) + Number(fields[14]);
}

/** CPU ticks of `pid` and its descendants, with the children they reaped (0 when it is gone). */
function treeTicks(pid: number): number {
  try {
    const fields = statFields(`/proc/${pid}/stat`);
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) + childrenOf(pid).reduce((sum, child) => sum + treeTicks(child), 0);
  } catch {
    return 0;
  }
}

const enginePid = (): number => ofThisWorker(inject('enginePids') ?? []) ?? 0;

/** The worker's Chromium: the child of this process that runs it (0 before the first browser file). */
function browserPid(): number {
  for (const child of childrenOf('self')) {
    try {
      if (readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(CHROMIUM)) return child;
    } catch {
      // Gone between the listing and the read.
    }
  }
  return 0;
}

const seconds = (ticks: number) => (ticks / TICKS_PER_SECOND).toFixed(1);

beforeAll(() => {
  const browser = browserPid();
  start = { own: process.cpuUsage(), children: reapedChildrenTicks(), engine: treeTicks(enginePid()), browser: treeTicks(browser), browserPid: browser, at: Date.now() };
});

afterAll(() => {
  if (!log || !start) return;
  const used = process.cpuUsage(start.own);
  const engine = treeTicks(enginePid()) - start.engine;
  // A browser the file itself launched first counts from zero.
  const browser = start.browserPid === 0 ? treeTicks(browserPid()) : treeTicks(start.browserPid) - start.browser;
  const children = reapedChildrenTicks() - start.children;
  const file = relative(process.cwd(), expect.getState().testPath ?? 'unknown');
  // Then the worker and the file's start and end (epoch ms): how the files were spread over the workers.
  appendFileSync(log, `${((used.user + used.system) / 1e6).toFixed(1)} ${seconds(engine)} ${seconds(browser)} ${file} ${WORKER_NUMBER} ${start.at} ${Date.now()} ${seconds(children)}\n`);
});
