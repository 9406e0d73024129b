/** The operator CLI run in-process against the tests' engine, its output captured. */
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/program.js';
import { engineEndpoint } from './engine.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `quick-photos --endpoint <test engine> --table <table> ...args`, with `env` as its environment. */
export async function runCli(table: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await run(['--endpoint', engineEndpoint(), '--table', table, ...args], { io: { stdout, stderr, stdin: new PassThrough() }, env });
  return { code, out, err };
}
