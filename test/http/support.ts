/* eslint-disable @typescript-eslint/no-unsafe-member-access */
/** A real listening API on a fresh table of the run's shared engine, driven with fetch. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createLocalBlobStore, type BlobStore } from '../../src/blobs/index.js';
import { loadConfig } from '../../src/config/index.js';
import type { DocClient } from '../../src/engine/doc-client.js';
import { buildApp } from '../../src/http/app.js';
import { assertContract } from '../support/contract.js';
import { createTestDb, type TestDb } from '../support/db.js';

export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef-0123456789';

export interface Api {
  url: string;
  db: TestDb;
  app: FastifyInstance;
  photosDir: string;
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  close(): Promise<void>;
}

export interface CallOptions {
  token?: string;
  json?: unknown;
  body?: string | FormData | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: Headers;
  // Tests assert on shapes; a loose type keeps them short.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  bytes: Buffer;
}

/** Mail from tests goes to a temporary outbox unless a test passes a mailer or SMTP settings. */
export const TEST_OUTBOX = join(tmpdir(), 'qp-test-outbox');

/** scrypt at N = 2^10 in tests (a millisecond a hash); test/http/hashing.test.ts holds the production cost. */
export const TEST_HASH_COST = '10';

/**
 * Images decoded in the test's own process: a child process per app cost ~0.8 s of CPU to start
 * under tsx, 66 times a run. The child process itself (same results and codes, lower priority,
 * restarted when it dies) is test/media/isolated.test.ts's subject, and the started service
 * (test/derived/npm-start.test.ts, test/production.test.ts) runs with the production default.
 */
export const TEST_MEDIA_WORKER = 'inline';

export const testConfig = (env: Record<string, string> = {}) =>
  // No web client unless a test asks for one: answers must not depend on a local build in dist/.
  loadConfig({ JWT_SECRET, RATE_LIMIT_AUTH: '0', RATE_LIMIT_WRITES: '0', MAIL_OUTBOX_DIR: TEST_OUTBOX, WEB_DIR: '', PASSWORD_HASH_COST: TEST_HASH_COST, MEDIA_WORKER: TEST_MEDIA_WORKER, ...env });

/** Listens on a free port and returns the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/**
 * `mediaClock`: the seconds image URLs are signed at (a test moves it instead of waiting).
 * `wrapDoc`: wraps the API's client, for a test that makes one request fail as the engine would.
 */
export async function startApi(
  env: Record<string, string> = {},
  options: { blobs?: BlobStore; mediaClock?: () => number; wrapDoc?: (doc: DocClient) => DocClient } = {},
): Promise<Api> {
  const db = await createTestDb();
  const photosDir = await mkdtemp(join(tmpdir(), 'qp-photos-'));
  const config = testConfig({ PHOTOS_DIR: photosDir, TABLE_NAME: db.table, ...env });
  // The API runs on the lean client, as in production (and as the tests' own `db.doc` is).
  const app = await buildApp({
    db: { ...db, doc: options.wrapDoc ? options.wrapDoc(db.patterns) : db.patterns },
    client: db.client,
    config,
    blobs: options.blobs ?? createLocalBlobStore(photosDir),
    ...(options.mediaClock ? { mediaClock: options.mediaClock } : {}),
  });
  const url = await listen(app);
  return {
    url,
    db,
    app,
    photosDir,
    call: caller(url),
    async close() {
      await app.close();
      await db.drop();
      await rm(photosDir, { recursive: true, force: true });
    },
  };
}

export function caller(url: string) {
  return async function call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    // Image URLs are absolute: they are called as they are.
    const response = await fetch(/^https?:\/\//.test(path) ? path : url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const bytes = Buffer.from(await response.arrayBuffer());
    const type = response.headers.get('content-type') ?? '';
    const parsed: unknown = type.includes('json') && bytes.length > 0 ? JSON.parse(bytes.toString('utf8')) : undefined;
    assertContract(method, path, response.status, type, parsed);
    return { status: response.status, headers: response.headers, body: parsed, bytes };
  };
}

/** A valid 1x1 PNG, built from its bytes (no binary fixtures in the repository). */
export const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

export function imageForm(bytes: Buffer, filename = 'photo.png', type = 'image/png'): FormData {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(bytes)], { type }), filename);
  return form;
}

export const profile = (username: string) => ({
  username,
  name: `Name of ${username}`,
  email: `${username}@example.com`,
  birthdate: '1990-05-17',
  password: `password-of-${username}`,
});

export interface Session {
  username: string;
  accessToken: string;
  refreshToken: string;
}

export async function signUp(api: Api, username: string): Promise<Session> {
  const answer = await api.call('POST', '/v1/accounts', { json: profile(username) });
  if (answer.status !== 201) throw new Error(`sign-up of ${username} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  const session = answer.body.session as Session;
  return { username, accessToken: session.accessToken, refreshToken: session.refreshToken };
}
