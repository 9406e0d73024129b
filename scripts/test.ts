/**
 * `npm test`: the type check and the lint run beside the test files instead of before them.
 * They are one core's work for under a minute, and the test files mostly wait on the engines,
 * so side by side the whole costs little more than the tests alone. Arguments go to vitest
 * (`npm test -- test/lab.test.ts`); the exit code is non-zero when any of the three fails.
 */
import { spawn } from 'node:child_process';

interface Outcome {
  name: string;
  code: number;
  output: string;
}

/** Runs a command with its output held back, so it does not interleave with the tests' report. */
function quietly(name: string, command: string, args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ name, code: 1, output: `${output}${error.message}\n` }));
    child.on('close', (code) => resolve({ name, code: code ?? 1, output }));
  });
}

function loudly(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

// One after the other: together they would take the second core from the tests.
const checks = (async () => [await quietly('typecheck', 'npm', ['run', '--silent', 'typecheck']), await quietly('lint', 'npm', ['run', '--silent', 'lint'])])();
const tests = loudly('npx', ['vitest', 'run', ...process.argv.slice(2)]);

const [outcomes, testCode] = await Promise.all([checks, tests]);
for (const outcome of outcomes) {
  if (outcome.code !== 0) process.stdout.write(`\n${outcome.name} failed:\n${outcome.output}\n`);
}
process.stdout.write(`${outcomes.map((o) => `${o.name}: ${o.code === 0 ? 'ok' : 'FAILED'}`).join(', ')}, tests: ${testCode === 0 ? 'ok' : 'FAILED'}\n`);
process.exit(outcomes.some((o) => o.code !== 0) || testCode !== 0 ? 1 : 0);
