/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
/**
 * The leak walk: two users sign up; the second walks EVERY operation of the OpenAPI document
 * with plausible parameters aimed at the first, and no answer may carry the first user's
 * email, birthdate or address, nor any storage key string. Routes are read from the
 * document, so routes added later are walked too; an operation the walker cannot fill in
 * fails the test instead of being skipped. Every GET is also asked with HEAD, which must answer
 * the same status: as bob of alice (a friend), and as a stranger of a private account and of
 * a user who blocked them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { DERIVED_KEY_PREFIXES, KEY_PREFIXES } from '../../src/schema/keys.js';
import { imageForm, PNG_1x1, signUp, startApi, testConfig, type Answer, type Api, type Session } from './support.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ALICE = {
  username: 'alice',
  name: 'Alice Example',
  email: 'alice.private@example.org',
  birthdate: '1987-06-05',
  address: '12 Hidden Lane\nSecretville',
  status: 'public status of alice',
  interests: ['climbing'],
  password: 'correct horse battery staple',
};
const SECRETS = [ALICE.email, ALICE.birthdate, ALICE.address, '12 Hidden Lane', 'Secretville'];
/** Every key prefix of keys.ts, plus the ones the issue names (in case keys.ts loses one). */
const KEY_STRINGS = [...new Set([...KEY_PREFIXES, ...DERIVED_KEY_PREFIXES, 'USER#', 'PHOTO#', 'REACTION#', '#FRIEND#', 'ACCOUNT#', 'SESSION#', '#METADATA#'])];

let api: Api;
let worker: Worker;
let bob: Session;
let bobPassword = 'password-of-bob';
let alicePhotoId: string;
let aliceCommentId: string;
let openapi: Json;
/** Path and query values of signed URLs the API handed out, per operation that takes them back. */
const signedUrls: Record<string, Record<string, string>> = {};

function signedValues(url: string, path: RegExp): Record<string, string> {
  const parsed = new URL(url, 'http://127.0.0.1');
  return { ...path.exec(parsed.pathname)?.groups, ...Object.fromEntries(parsed.searchParams) };
}

beforeAll(async () => {
  api = await startApi();
  const signed = await api.call('POST', '/v1/accounts', { json: ALICE });
  expect(signed.status).toBe(201);
  const alice = signed.body.session.accessToken as string;
  bob = await signUp(api, 'bob');
  // Alice has a photo (tagged, mentioning bob), a reaction and follows both ways, so every list has her in it.
  const form = imageForm(PNG_1x1);
  form.append('caption', 'with @bob at #alice_tag');
  const upload = await api.call('POST', '/v1/users/alice/photos', { token: alice, body: form });
  expect(upload.status).toBe(201);
  alicePhotoId = upload.body.id;
  // A variant's signed URL (getMedia) and a direct-upload slot of the walker's (putUploadBytes, completeUpload).
  signedUrls.getMedia = signedValues(upload.body.variants[0].url, /\/v1\/media\/v\/(?<shard>[^/]+)\/(?<file>[^/]+)$/);
  const slot = await api.call('POST', '/v1/users/bob/uploads', { token: bob.accessToken, json: { contentLength: PNG_1x1.length, contentType: 'image/png' } });
  expect(slot.status).toBe(201);
  signedUrls.putUploadBytes = signedValues(slot.body.url, /\/v1\/uploads\/(?<uploadId>[^/]+)$/);
  // A resumable upload of the walker's: its first part's signed URL (putUploadPart).
  const resumable = await api.call('POST', '/v1/users/bob/resumable-uploads', { token: bob.accessToken, json: { contentLength: PNG_1x1.length, contentType: 'image/png' } });
  expect(resumable.status).toBe(201);
  signedUrls.putUploadPart = signedValues(resumable.body.missing[0].url, /\/v1\/uploads\/(?<uploadId>[^/]+)\/parts\/(?<partNumber>\d+)$/);
  expect((await api.call('PATCH', '/v1/me', { token: alice, json: { pinnedPhotoId: alicePhotoId } })).status).toBe(200);
  expect((await api.call('PUT', `/v1/photos/${alicePhotoId}/reactions/heart`, { token: alice })).status).toBe(201);
  // A comment of alice's with a reply and a like: the comment operations walk it.
  const comment = await api.call('POST', `/v1/photos/${alicePhotoId}/comments`, { token: alice, json: { text: 'her own comment' } });
  expect(comment.status).toBe(201);
  aliceCommentId = comment.body.id;
  expect((await api.call('POST', `/v1/photos/${alicePhotoId}/comments`, { token: alice, json: { text: 'her reply', replyTo: aliceCommentId } })).status).toBe(201);
  expect((await api.call('PUT', `/v1/photos/${alicePhotoId}/comments/${aliceCommentId}/likes/me`, { token: alice })).status).toBe(201);
  expect((await api.call('PUT', '/v1/users/bob/followers/me', { token: alice })).status).toBe(201);
  expect((await api.call('PUT', '/v1/users/alice/followers/me', { token: bob.accessToken })).status).toBe(201);
  // Feeds, activity and search are derived from the stream: alice must be in them when walked.
  worker = createWorker({ client: api.db.client, db: api.db, settings: { ...testConfig().derived, pollMs: 50 } });
  await worker.drain();
  openapi = (await api.call('GET', '/openapi.json')).body;
});

afterAll(async () => {
  await worker.stop();
  await api.close();
});

function resolve(schema: Json | undefined): Json | undefined {
  if (schema?.$ref) return openapi.components.schemas[String(schema.$ref).split('/').pop() as string];
  return schema;
}

/** A plausible value for a path or query parameter, or undefined when the walker has none. */
function paramValue(name: string, schema: Json | undefined, username: string, operationId: string): string | undefined {
  const values: Record<string, string> = { username, photoId: alicePhotoId, type: 'heart', limit: '5', photosLimit: '5', query: 'ali', tag: 'alice_tag', uploadId: signedUrls.putUploadBytes?.uploadId ?? '', sessionId: 'A'.repeat(22), deviceId: 'A'.repeat(22), commentId: aliceCommentId, ...signedUrls[operationId] };
  if (values[name] !== undefined) return values[name];
  if (Array.isArray(schema?.enum)) return String(schema.enum[0]);
  if (typeof schema?.const === 'string') return schema.const;
  return undefined;
}

let newcomer = 0;

/** A plausible JSON body from the operation's schema: every required property must be known. */
function bodyFor(operationId: string, schema: Json | undefined): Json {
  // A union body (a Web Push subscription or an APNs/FCM token): the walker registers a subscription.
  if (operationId === 'registerPushDevice') return { endpoint: 'https://fcm.googleapis.com/fcm/send/walker', keys: { p256dh: 'BAAA', auth: 'AAAA' } };
  const resolved = resolve(schema);
  const properties: Json = resolved?.properties ?? {};
  const required: string[] = resolved?.required ?? [];
  const signingUp = operationId === 'signUp';
  const known: Json = {
    username: signingUp ? `walker${++newcomer}` : 'bob',
    password: signingUp ? 'a fine long passphrase' : bobPassword,
    currentPassword: bobPassword,
    newPassword: `${bobPassword}-renewed`,
    name: 'Walker',
    // A stranger asking to reset alice's password names her email: the answer must not show it back.
    email: signingUp ? `walker${newcomer}@example.com` : ALICE.email,
    birthdate: '1990-01-01',
    status: 'walking',
    refreshToken: bob.refreshToken,
    token: 'alice.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    // The walker's own account stays public; a report names a reason from the fixed list.
    private: false,
    reason: 'spam',
    caption: 'walked',
    text: 'walked',
    enabled: true,
    // A direct upload's slot: the 1x1 PNG the walker uploads elsewhere.
    contentLength: PNG_1x1.length,
    contentType: 'image/png',
    // Push preferences: one kind switched.
    kinds: { follow: false },
  };
  const body: Json = {};
  for (const name of Object.keys(properties)) {
    if (known[name] !== undefined && (required.includes(name) || ['status'].includes(name))) body[name] = known[name];
  }
  const missing = required.filter((name) => body[name] === undefined);
  if (missing.length > 0) throw new Error(`${operationId}: the walker has no plausible value for body field(s) ${missing.join(', ')}; teach it one.`);
  return body;
}

interface Operation {
  method: string;
  path: string;
  operation: Json;
}

/** Reads first, then writes, then deletions, and deleting the account last of all. */
const ORDER: Record<string, number> = { get: 0, post: 1, put: 1, patch: 1, delete: 2 };
const rank = (op: Operation) => ORDER[op.method]! + (op.operation.operationId === 'deleteMe' ? 1 : 0);

/** Every GET operation with its path filled in for `target` (whose photo is `photoId`). */
function getOperations(target: string, photoId: string): { id: string; url: string }[] {
  return Object.entries(openapi.paths as Json).flatMap(([path, methods]) => {
    const operation = (methods as Json).get as Json | undefined;
    if (!operation || !(path.includes('{username}') || path.includes('{photoId}'))) return [];
    const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const parameter = (operation.parameters ?? []).find((p: Json) => p.in === 'path' && p.name === name);
      return encodeURIComponent((name === 'photoId' ? photoId : paramValue(name, parameter?.schema, target, String(operation.operationId))) ?? '');
    });
    const query = (operation.parameters ?? []).filter((p: Json) => p.in === 'query' && p.required).map((p: Json) => `${p.name}=${encodeURIComponent(paramValue(p.name, p.schema, target, String(operation.operationId)) ?? '')}`);
    return [{ id: `GET ${path} (${String(operation.operationId)}) for ${target}`, url: query.length > 0 ? `${url}?${query.join('&')}` : url }];
  });
}

/** The status of a HEAD request (no body to read; the contract checker knows only documented methods). */
/**
 * An event stream never ends by itself: its answer is what it sends first (through its first
 * event), then the walker hangs up. Bounded: 64 KiB, or 15 s without that event.
 */
async function streamOpening(url: string, token: string): Promise<Answer> {
  const abort = new AbortController();
  const bound = AbortSignal.timeout(15_000);
  const response = await fetch(api.url + url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.any([abort.signal, bound]) });
  const chunks: Buffer[] = [];
  const reader = response.body!.getReader();
  try {
    for (let size = 0; size < 65_536 && !Buffer.concat(chunks).toString('utf8').includes('\n\n'); ) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(Buffer.from(value));
      size += value.byteLength;
    }
  } finally {
    abort.abort();
  }
  const bytes = Buffer.concat(chunks);
  return { status: response.status, headers: response.headers, bytes, body: undefined };
}

async function head(url: string, token: string): Promise<{ status: number; headers: Headers }> {
  const response = await fetch(api.url + url, { method: 'HEAD', headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return { status: response.status, headers: response.headers };
}

describe('HEAD answers as GET does', () => {
  it('for a private account and a blocker, every GET about them is refused to HEAD alike', async () => {
    const viewer = await signUp(api, 'hugo');
    const owners: Record<string, string> = {};
    for (const name of ['pia', 'blake']) {
      const session = await signUp(api, name);
      const upload = await api.call('POST', `/v1/users/${name}/photos`, { token: session.accessToken, body: imageForm(PNG_1x1) });
      expect(upload.status).toBe(201);
      owners[name] = upload.body.id;
      if (name === 'pia') expect((await api.call('PUT', '/v1/account/privacy', { token: session.accessToken, json: { private: true } })).status).toBe(200);
      else expect((await api.call('PUT', '/v1/blocks/hugo', { token: session.accessToken })).status).toBe(201);
    }
    let refused = 0;
    for (const [owner, photoId] of Object.entries(owners)) {
      for (const { id, url } of getOperations(owner, photoId)) {
        const get = await api.call('GET', url, { token: viewer.accessToken });
        const answer = await head(url, viewer.accessToken);
        expect(answer.status, `HEAD of ${id} (GET answered ${get.status})`).toBe(get.status);
        if (get.status >= 400) refused += 1;
      }
    }
    // The walk met refusals (so equal statuses mean the guard ran for HEAD too).
    expect(refused).toBeGreaterThan(10);
  });
});

describe('the blocked side in third parties\' lists', () => {
  it('a user someone blocked never sees the blocker among a third party\'s followers, following or reactions', async () => {
    const [tess, bram, nell, vic] = [await signUp(api, 'tess'), await signUp(api, 'bram'), await signUp(api, 'nell'), await signUp(api, 'vic')];
    const upload = await api.call('POST', '/v1/users/tess/photos', { token: tess.accessToken, body: imageForm(PNG_1x1) });
    expect(upload.status).toBe(201);
    const photoId = String(upload.body.id);
    // bram (who will block vic) and nell (who will not) each follow tess, are followed by her and react to her photo.
    for (const other of [bram, nell]) {
      expect((await api.call('PUT', '/v1/users/tess/followers/me', { token: other.accessToken })).status).toBe(201);
      expect((await api.call('PUT', `/v1/users/${other.username}/followers/me`, { token: tess.accessToken })).status).toBe(201);
      expect((await api.call('PUT', `/v1/photos/${photoId}/reactions/heart`, { token: other.accessToken })).status).toBe(201);
    }
    expect((await api.call('PUT', '/v1/blocks/vic', { token: bram.accessToken })).status).toBe(201);
    const lists = {
      followers: ['/v1/users/tess/followers', 'followingUser'],
      following: ['/v1/users/tess/following', 'followedUser'],
      reactions: [`/v1/photos/${photoId}/reactions`, 'reactingUser'],
    } as const;
    for (const [name, [path, field]] of Object.entries(lists)) {
      for (const url of [path, `${path}?expand=profile`]) {
        const names = (((await api.call('GET', url, { token: vic.accessToken })).body.items ?? []) as Json[]).map((item) => item[field] ?? item.user?.username);
        expect(names, `${name}: ${url}`).toContain('nell');
        expect(names, `${name}: ${url}`).not.toContain('bram');
      }
    }
    // After the unblock bram is listed again, and vic's lists cost no block read any more.
    expect((await api.call('DELETE', '/v1/blocks/vic', { token: bram.accessToken })).status).toBe(204);
    const again = (await api.call('GET', '/v1/users/tess/followers', { token: vic.accessToken })).body.items as Json[];
    expect(again.map((item) => item.followingUser)).toContain('bram');
  });
});

describe('the leak walk', () => {
  it('walks every operation as another user: no private field of the first user, no key string', async () => {
    const operations: Operation[] = Object.entries(openapi.paths as Json).flatMap(([path, methods]) =>
      Object.entries(methods as Json).map(([method, operation]) => ({ method, path, operation: operation as Json })),
    );
    // Reads about a user are walked for alice and for bob: bob's lists embed alice (he follows her).
    const visits = operations.flatMap((op) => (op.method === 'get' && op.path.includes('{username}') ? ['alice', 'bob'] : ['alice']).map((username) => ({ ...op, username })));
    visits.sort((a, b) => rank(a) - rank(b));
    expect(operations.length).toBeGreaterThan(20);

    const walked: string[] = [];
    const answers: { op: string; answer: Answer }[] = [];
    for (const { method, path, operation, username } of visits) {
      const id = `${method.toUpperCase()} ${path} (${String(operation.operationId)}) for ${username}`;
      let url = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
        const parameter = (operation.parameters ?? []).find((p: Json) => p.in === 'path' && p.name === name);
        const value = paramValue(name, parameter?.schema, username, String(operation.operationId));
        if (value === undefined) throw new Error(`${id}: the walker has no plausible value for path parameter ${name}; teach it one.`);
        return encodeURIComponent(value);
      });
      const query = (operation.parameters ?? [])
        .filter((p: Json) => p.in === 'query')
        .flatMap((p: Json) => {
          const value = paramValue(p.name, p.schema, username, String(operation.operationId));
          if (value === undefined && p.required) throw new Error(`${id}: no plausible value for required query parameter ${p.name}.`);
          return value === undefined ? [] : [`${p.name}=${encodeURIComponent(value)}`];
        });
      if (query.length > 0) url += `?${query.join('&')}`;

      const content: Json = operation.requestBody?.content ?? {};
      const options: Parameters<Api['call']>[2] = { token: bob.accessToken };
      if (content['multipart/form-data']) options.body = imageForm(PNG_1x1);
      else if (content['application/json']) options.json = bodyFor(String(operation.operationId), content['application/json'].schema);

      const streaming = operation.responses?.['200']?.content?.['text/event-stream'] !== undefined;
      const answer = streaming ? await streamOpening(url, bob.accessToken) : await api.call(method.toUpperCase(), url, options);
      answers.push({ op: id, answer });
      if (method === 'get') {
        // HEAD of every GET: the same status, and no secret in its headers.
        const headAnswer = await head(url, bob.accessToken);
        expect(headAnswer.status, `HEAD of ${id}`).toBe(answer.status);
        answers.push({ op: `HEAD of ${id}`, answer: { ...headAnswer, body: undefined, bytes: Buffer.alloc(0) } });
      }
      walked.push(`${method} ${path}`);
      expect(answer.status, `${id} answered ${answer.status} ${answer.bytes.toString('utf8').slice(0, 300)}`).toBeLessThan(500);
      // A 400 for the walker's own input would mean the route was never really exercised.
      expect(answer.body?.error?.code, `${id}: the walker's input was rejected: ${JSON.stringify(answer.body)}`).not.toBe('VALIDATION_FAILED');

      if (operation.operationId === 'changePassword' && answer.status === 200) {
        bobPassword = `${bobPassword}-renewed`;
        bob = { ...bob, accessToken: answer.body.accessToken, refreshToken: answer.body.refreshToken };
      }
    }

    for (const { op, answer } of answers) {
      const text = answer.bytes.toString('latin1') + JSON.stringify([...answer.headers.entries()]);
      for (const secret of SECRETS) {
        // Raw, and as JSON writes it (the address has a line break).
        expect(text, `${op} leaks ${JSON.stringify(secret)}`).not.toContain(secret);
        expect(text, `${op} leaks ${JSON.stringify(secret)}`).not.toContain(JSON.stringify(secret).slice(1, -1));
      }
      for (const key of KEY_STRINGS) expect(text, `${op} shows the key string ${key}`).not.toContain(key);
    }
    // The walk saw alice's public side, so the absence of her private side means something.
    const everything = answers.map((a) => a.answer.bytes.toString('utf8')).join('\n');
    expect(everything).toContain(ALICE.name);
    expect(everything).toContain(ALICE.status);
    // Including what the combined answers embed: her card in her photo's answer, her photos in her profile's (expand=photos).
    const bodyOf = (op: string) => answers.find((a) => a.op === op)?.answer.body;
    expect(bodyOf('GET /v1/photos/{photoId} (getPhoto) for alice')?.author).toMatchObject({ username: 'alice', name: ALICE.name, status: ALICE.status });
    expect(bodyOf('GET /v1/users/{username} (getUser) for alice')?.photos?.items?.[0]?.id).toBe(alicePhotoId);
    expect(new Set(walked).size).toBe(operations.length);
  });
});
