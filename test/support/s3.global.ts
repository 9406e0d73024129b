/**
 * Starts one S3-compatible server (s3rver, pure JavaScript) on 127.0.0.1 for the test run;
 * test files create buckets of their own on it, as they create tables on the shared engine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
  }
}

let server: S3rver | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), 'qp-s3rver-'));
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port } = await server.run();
  project.provide('s3Endpoint', `http://127.0.0.1:${port}`);
}

export async function teardown(): Promise<void> {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}
