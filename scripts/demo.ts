/**
 * A guided tour of the API: two users sign up, one uploads a photo, the other reacts and
 * follows, and the lists show it all. Every request and response is printed.
 *
 *   npm run demo                       # its own in-memory engine and API on a free port
 *   DEMO_URL=http://127.0.0.1:3000 npm run demo   # against a running `npm start`
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTable } from '../src/admin/table.js';
import { createLocalBlobStore } from '../src/blobs/index.js';
import { loadConfig } from '../src/config/index.js';
import { createClients } from '../src/engine/client.js';
import { startEmbeddedEngine } from '../src/engine/embedded.js';
import { buildApp } from '../src/http/app.js';
import { createCursorCodec } from '../src/patterns/index.js';

type Json = Record<string, unknown>;

/** A valid 1x1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const shorten = (key: string, value: unknown): unknown =>
  typeof value === 'string' && /token$/i.test(key) && value.length > 24 ? `${value.slice(0, 20)}…` : value;

async function startLocal(): Promise<{ url: string; stop(): Promise<void> }> {
  process.stdout.write('Starting an in-memory DynamoDB Local and the API on a free port…\n');
  const engine = await startEmbeddedEngine();
  const clients = createClients({ endpoint: engine.endpoint, local: true });
  const table = 'quick-photos-demo';
  await ensureTable(clients.client, table);
  const photosDir = await mkdtemp(join(tmpdir(), 'quick-photos-demo-'));
  const config = loadConfig({ TABLE_NAME: table, JWT_SECRET: randomBytes(32).toString('hex'), PHOTOS_DIR: photosDir, RATE_LIMIT_AUTH: '0', RATE_LIMIT_WRITES: '0' });
  const db = { doc: clients.doc, table, cursors: createCursorCodec(randomBytes(32).toString('hex')) };
  const app = await buildApp({ db, client: clients.client, config, blobs: createLocalBlobStore(photosDir) });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    async stop() {
      await app.close();
      clients.client.destroy();
      await engine.stop();
      await rm(photosDir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const local = process.env.DEMO_URL ? undefined : await startLocal();
  const base = (process.env.DEMO_URL ?? local?.url ?? '').replace(/\/$/, '');
  process.stdout.write(`API at ${base}\n`);

  async function call(method: string, path: string, options: { token?: string; json?: Json; form?: FormData; expect: number }): Promise<Json> {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | FormData | undefined;
    if (options.json) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) body = options.form;
    process.stdout.write(`\n→ ${method} ${path}${options.token ? '   (Authorization: Bearer …)' : ''}\n`);
    if (options.json) process.stdout.write(`  ${JSON.stringify(options.json, shorten)}\n`);
    if (options.form) process.stdout.write(`  multipart/form-data: caption, file=photo.png (${PNG.length} bytes)\n`);
    // Image URLs are absolute: fetched as they are.
    const response = await fetch(/^https?:\/\//.test(path) ? path : base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const type = response.headers.get('content-type') ?? '';
    const text = type.includes('json') ? await response.text() : '';
    const parsed = text ? (JSON.parse(text) as Json) : {};
    const shown = type.includes('json') ? JSON.stringify(parsed, shorten, 2) : `<${(await response.arrayBuffer()).byteLength} bytes of ${type}>`;
    process.stdout.write(`← ${response.status}\n${shown.replace(/^/gm, '  ')}\n`);
    if (response.status !== options.expect) throw new Error(`${method} ${path}: expected ${options.expect}, got ${response.status}`);
    return parsed;
  }

  try {
    // Unique names, so the tour can run again against the same server.
    const suffix = randomBytes(2).toString('hex');
    const [alice, bob] = [`alice-${suffix}`, `bob-${suffix}`];
    const signUp = async (username: string, name: string) => {
      const created = await call('POST', '/v1/accounts', {
        json: { username, name, email: `${username}@example.com`, birthdate: '1990-04-01', password: `demo-password-${username}` },
        expect: 201,
      });
      return (created.session as { accessToken: string }).accessToken;
    };
    const aliceToken = await signUp(alice, 'Alice Example');
    await signUp(bob, 'Bob Example');
    const login = await call('POST', '/v1/sessions', { json: { username: bob, password: `demo-password-${bob}` }, expect: 201 });
    const bobToken = String(login.accessToken);

    const form = new FormData();
    form.append('caption', 'Hello from the demo');
    form.append('file', new Blob([new Uint8Array(PNG)], { type: 'image/png' }), 'photo.png');
    const photo = await call('POST', `/v1/users/${alice}/photos`, { token: aliceToken, form, expect: 201 });
    const photoPath = `/v1/photos/${String(photo.id)}`;

    await call('PUT', `${photoPath}/reactions/heart`, { token: bobToken, expect: 201 });
    await call('PUT', `${photoPath}/reactions/heart`, { token: bobToken, expect: 200 });
    await call('PUT', `/v1/users/${alice}/followers/me`, { token: bobToken, expect: 201 });

    await call('GET', `/v1/users/${alice}/photos?limit=10`, { token: bobToken, expect: 200 });
    await call('GET', photoPath, { token: bobToken, expect: 200 });
    await call('GET', `${photoPath}/reactions`, { token: bobToken, expect: 200 });
    // Image URLs are signed: no token, as an <img> tag would fetch them.
    await call('GET', String(photo.imageUrl), { expect: 200 });
    await call('GET', `/v1/users/${alice}`, { token: bobToken, expect: 200 });
    await call('GET', `/v1/users/${alice}/followers`, { token: aliceToken, expect: 200 });
    await call('GET', `/v1/users/${bob}/following?expand=profile`, { token: aliceToken, expect: 200 });
    await call('PATCH', `/v1/users/${alice}`, { token: bobToken, json: { status: 'not yours to change' }, expect: 403 });
    process.stdout.write('\nThe tour is complete.\n');
  } finally {
    await local?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
