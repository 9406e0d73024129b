/** This test file's engine: the one its vitest worker owns (engine.global.ts). */
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { ofThisWorker } from './workers.js';

export function engineEndpoint(): string {
  return ofThisWorker(inject('dynamodbEndpoints'))!;
}

/**
 * This worker's engine's Unix socket, when it has one: clients given it skip the TCP front,
 * which runs in the run's main process, a relay hop per request that cost that process more
 * CPU than anything else it did. Processes a test starts use the endpoint.
 */
export function engineSocket(): string | undefined {
  return ofThisWorker(inject('dynamodbSockets')) || undefined;
}

/**
 * The JVM of an embedded engine a test started itself: the handle's pid, or the java child of
 * its supervisor. Tests freeze it (SIGSTOP) to play an engine that stops answering.
 */
export function jvmPid(engine: { pid: number }): number {
  const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  if (comm(engine.pid) === 'java') return engine.pid;
  const children = readFileSync(`/proc/${engine.pid}/task/${engine.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  const java = children.find((pid) => comm(pid) === 'java');
  if (java === undefined) throw new Error(`no java process under the engine's supervisor ${engine.pid}`);
  return java;
}
