/**
 * The run's last line (test/support/summary-reporter.ts) counts as failed what vitest reports
 * as failed without a failed test: a describe whose beforeAll threw (its tests are skipped),
 * and a file that did not load. Fed the shapes vitest hands a reporter.
 */
import type { TestModule } from 'vitest/node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SummaryReporter from './support/summary-reporter.js';

interface Shape {
  state: string;
  tests: { fullName: string; state: string; message?: string }[];
  suites: { fullName: string; errors: string[] }[];
  errors: string[];
}

function moduleOf(file: string, shape: Shape): TestModule {
  const errors = (messages: string[]) => messages.map((message) => ({ message }));
  const tests = shape.tests.map((test) => ({ fullName: test.fullName, result: () => ({ state: test.state, errors: test.message ? errors([test.message]) : [] }) }));
  const suites = shape.suites.map((suite) => ({ fullName: suite.fullName, errors: () => errors(suite.errors) }));
  const module = {
    relativeModuleId: file,
    diagnostic: () => ({ duration: 1_000 }),
    state: () => shape.state,
    errors: () => errors(shape.errors),
    children: { allTests: () => tests.values(), allSuites: () => suites.values() },
  };
  return module as unknown as TestModule;
}

function lastLines(modules: TestModule[]): string[] {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  new SummaryReporter().onTestRunEnd(modules, []);
  const text = String(write.mock.calls.map((call) => String(call[0])).join(''));
  write.mockRestore();
  return text.trim().split('\n').slice(1);
}

afterEach(() => vi.restoreAllMocks());

describe('the summary line', () => {
  it('counts a describe whose hook failed, and names it', () => {
    const module = moduleOf('test/a.test.ts', {
      state: 'failed',
      tests: [
        { fullName: 'ok', state: 'passed' },
        { fullName: 'inner > a', state: 'skipped' },
      ],
      suites: [{ fullName: 'inner', errors: ['hook broke'] }],
      errors: [],
    });
    expect(lastLines([module])).toEqual(['FAILED test/a.test.ts > inner: hook broke', 'Tests: 1 passed, 1 failed, 1 skipped']);
  });

  it('counts a failed test once, and a file that did not load', () => {
    const failing = moduleOf('test/b.test.ts', { state: 'failed', tests: [{ fullName: 'b', state: 'failed', message: 'expected 1 to be 2\nmore' }], suites: [], errors: [] });
    const broken = moduleOf('test/c.test.ts', { state: 'failed', tests: [], suites: [], errors: ['Cannot find module'] });
    expect(lastLines([failing, broken])).toEqual(['FAILED test/b.test.ts > b: expected 1 to be 2', 'FAILED test/c.test.ts: Cannot find module', 'Tests: 0 passed, 2 failed, 0 skipped']);
  });
});
