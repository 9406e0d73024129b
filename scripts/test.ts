/**
 * `npm test`: the type check and the lint (`npm run check`, one process sharing one program per
 * tsconfig) run beside the test files instead of before them. Arguments go to vitest
 * (`npm test -- test/lab.test.ts`); the exit code is non-zero when either fails.
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

const [check, testCode] = await Promise.all([quietly('type check and lint', 'npm', ['run', '--silent', 'check']), loudly('npx', ['vitest', 'run', ...process.argv.slice(2)])]);
if (check.code !== 0) process.stdout.write(`\n${check.name} failed:\n${check.output}\n`);
process.stdout.write(`${check.name}: ${check.code === 0 ? 'ok' : 'FAILED'}, tests: ${testCode === 0 ? 'ok' : 'FAILED'}\n`);
process.exit(check.code !== 0 || testCode !== 0 ? 1 : 0);
