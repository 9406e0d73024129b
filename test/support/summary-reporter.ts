/**
 * Ends the run with the failures, one line each, then one plain line,
 * `Tests: N passed, N failed, N skipped`, that any log reader can parse without knowing
 * vitest's decorated output. CI logs are often kept only by their tail: the failures are
 * repeated here, next to the count, so the tail alone says what broke.
 */
import type { Reporter, TestModule } from 'vitest/node';

function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]!.slice(0, 300);
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let skipped = 0;
    const failures: string[] = [];
    for (const error of unhandledErrors) {
      failures.push(`unhandled error: ${firstLine(error instanceof Error ? error.message : String(error))}`);
    }
    const slowest: Array<[number, string]> = [];
    for (const module of testModules) {
      const file = module.relativeModuleId;
      slowest.push([module.diagnostic().duration, file]);
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') passed++;
        else if (result.state === 'failed') {
          failures.push(`${file} > ${test.fullName}: ${firstLine(result.errors?.[0]?.message)}`);
        } else skipped++;
      }
      // A describe whose hooks failed has no failed test (its tests are skipped), nor does a
      // file that failed to load or whose own hooks failed: each still counts as a failure.
      for (const suite of module.children.allSuites()) {
        const suiteErrors = suite.errors();
        if (suiteErrors.length > 0) failures.push(`${file} > ${suite.fullName}: ${firstLine(suiteErrors[0]?.message)}`);
      }
      const fileErrors = module.errors();
      if (module.state() === 'failed' && (fileErrors.length > 0 || [...module.children.allTests()].length === 0)) {
        failures.push(`${file}: ${firstLine(fileErrors[0]?.message)}`);
      }
    }
    const lines: string[] = [];
    slowest.sort((a, b) => b[0] - a[0]);
    lines.push('Slowest files: ' + slowest.slice(0, 8).map(([ms, f]) => `${f} ${(ms / 1000).toFixed(0)} s`).join(', '));
    for (const failure of failures) lines.push(`FAILED ${failure}`);
    lines.push(`Tests: ${passed} passed, ${failures.length} failed, ${skipped} skipped`);
    process.stdout.write('\n' + lines.join('\n') + '\n');
  }
}
