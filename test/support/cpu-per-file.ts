/**
 * With TEST_CPU_LOG=<file> (vitest.config.ts adds this set-up only then), each test file appends
 * one line to <file>: the CPU seconds its vitest worker spent on it, then its path. The JVMs and
 * Chromium are not in it (sample them from /proc); it finds the files whose own work is heaviest,
 * which a whole run's wall times on shared cores do not.
 */
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';

const log = process.env.TEST_CPU_LOG;
let start: NodeJS.CpuUsage | undefined;

beforeAll(() => {
  start = process.cpuUsage();
});

afterAll(() => {
  if (!log || !start) return;
  const used = process.cpuUsage(start);
  const file = relative(process.cwd(), expect.getState().testPath ?? 'unknown');
  appendFileSync(log, `${((used.user + used.system) / 1e6).toFixed(1)} ${file}\n`);
});
