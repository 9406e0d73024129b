/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
/**
 * The session walk: after each way a session ends, its access token walks EVERY authenticated
 * operation of the OpenAPI document (read from the document, so routes added later are walked
 * too) about its own account and about another user, and every answer is 401 SESSION_ENDED
 * (or, before any DynamoDB request, an error the request alone decides: "not your account").
 * No write may have applied on the way: a dead token changes nothing, even where the refusal
 * comes from the last-resort read (src/http/session-check.ts) rather than the write's own
 * condition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker } from '../../src/derived/worker.js';
import { observeCalls } from '../../src/engine/observe.js';
import type { LeanDocClient } from '../../src/engine/lean/client.js';
import { commentId, parsePhotoId } from '../../src/schema/ids.js';
import { imageForm, PNG_1x1, profile, signUp, startApi, testConfig, type Api, type Session } from './support.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let api: Api;
let openapi: Json;
let photoId: string;
let otherPhotoId: string;
let uploadId: string;
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems', 'BatchWriteItem']);

beforeAll(async () => {
  api = await startApi();
  const walker = await signUp(api, 'walker');
  const other = await signUp(api, 'other');
  await signUp(api, 'stranger');
  const token = walker.accessToken;
  // Something in every list of the walker's: a photo, a reaction, follows both ways, a block.
  const upload = await api.call('POST', '/v1/users/walker/photos', { token, body: imageForm(PNG_1x1) });
  expect(upload.status).toBe(201);
  photoId = String(upload.body.id);
  const otherUpload = await api.call('POST', '/v1/users/other/photos', { token: other.accessToken, body: imageForm(PNG_1x1) });
  otherPhotoId = String(otherUpload.body.id);
  const slot = await api.call('POST', '/v1/users/walker/uploads', { token, json: { contentLength: PNG_1x1.length, contentType: 'image/png' } });
  expect(slot.status).toBe(201);
  uploadId = /\/v1\/uploads\/([^/?]+)/.exec(String(slot.body.url))![1]!;
  expect((await api.call('PUT', `/v1/photos/${otherPhotoId}/reactions/heart`, { token })).status).toBe(201);
  expect((await api.call('PUT', '/v1/users/other/followers/me', { token })).status).toBe(201);
  expect((await api.call('PUT', '/v1/users/walker/followers/me', { token: other.accessToken })).status).toBe(201);
  expect((await api.call('PUT', '/v1/blocks/stranger', { token })).status).toBe(201);
  // The walker's activity (other's follow) and feed are derived from the stream: applied before the walk.
  const worker = createWorker({ client: api.db.client, db: api.db, settings: { ...testConfig().derived, pollMs: 50 } });
  await worker.drain();
  await worker.stop();
  openapi = (await api.call('GET', '/openapi.json')).body;
});

afterAll(async () => {
  await api.close();
});

function resolve(schema: Json | undefined): Json | undefined {
  if (schema?.$ref) return openapi.components.schemas[String(schema.$ref).split('/').pop() as string];
  return schema;
}

/** A well-formed id of a comment nobody wrote, on the given photo: answering it takes a read, which checks the session. */
function aCommentOn(id: string): string {
  const photo = parsePhotoId(id)!;
  return commentId({ photoOwner: photo.username, photoTimestamp: photo.timestamp, timestamp: photo.timestamp, author: photo.username });
}

function paramValue(name: string, schema: Json | undefined, username: string): string | undefined {
  const values: Record<string, string> = { username, photoId: username === 'walker' ? photoId : otherPhotoId, type: 'heart', limit: '5', query: 'oth', uploadId, sessionId: 'A'.repeat(22), deviceId: 'A'.repeat(22), commentId: aCommentOn(username === 'walker' ? photoId : otherPhotoId), tag: 'walker_tag' };
  if (values[name] !== undefined) return values[name];
  if (Array.isArray(schema?.enum)) return String(schema.enum[0]);
  if (typeof schema?.const === 'string') return schema.const;
  return undefined;
}

function bodyFor(operationId: string, schema: Json | undefined): Json {
  const resolved = resolve(schema);
  const properties: Json = resolved?.properties ?? {};
  const required: string[] = resolved?.required ?? [];
  const known: Json = {
    password: profile('walker').password,
    currentPassword: profile('walker').password,
    newPassword: 'a brand new passphrase',
    name: 'Hijacker',
    email: 'hijacker@example.com',
    status: 'hijacked',
    private: true,
    reason: 'spam',
    caption: 'hijacked',
    contentLength: PNG_1x1.length,
    contentType: 'image/png',
    kinds: { reaction: false },
    text: 'hijacked',
    enabled: false,
  };
  const body: Json = {};
  for (const name of Object.keys(properties)) if (known[name] !== undefined && (required.includes(name) || name === 'status')) body[name] = known[name];
  const missing = required.filter((name) => body[name] === undefined);
  if (missing.length > 0) throw new Error(`${operationId}: the walker has no plausible value for body field(s) ${missing.join(', ')}; teach it one.`);
  return body;
}

/** Every operation that needs a bearer token, about the walker and (where a user is named) another user. */
function authenticatedVisits(): { id: string; method: string; url: string; operation: Json }[] {
  return Object.entries(openapi.paths as Json).flatMap(([path, methods]) =>
    Object.entries(methods as Json).flatMap(([method, operation]) => {
      const security = (operation as Json).security as Json[] | undefined;
      if (!security?.some((s) => 'bearerAuth' in s)) return [];
      return (path.includes('{username}') || path.includes('{photoId}') ? ['walker', 'other'] : ['walker']).map((username) => {
        const id = `${method.toUpperCase()} ${path} (${String(operation.operationId)}) about ${username}`;
        let url = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
          const parameter = (operation.parameters ?? []).find((p: Json) => p.in === 'path' && p.name === name);
          const value = paramValue(name, parameter?.schema, username);
          if (value === undefined) throw new Error(`${id}: no plausible value for path parameter ${name}; teach the walker one.`);
          return encodeURIComponent(value);
        });
        const query = (operation.parameters ?? [])
          .filter((p: Json) => p.in === 'query' && p.required)
          .map((p: Json) => `${p.name}=${encodeURIComponent(paramValue(p.name, p.schema, username) ?? '')}`);
        if (query.length > 0) url += `?${query.join('&')}`;
        return { id, method: method.toUpperCase(), url, operation: operation as Json };
      });
    }),
  );
}

async function logIn(): Promise<Session> {
  const answer = await api.call('POST', '/v1/sessions', { json: { username: 'walker', password: profile('walker').password } });
  expect(answer.status).toBe(201);
  return { username: 'walker', accessToken: answer.body.accessToken, refreshToken: answer.body.refreshToken };
}

const ENDS: [string, (session: Session) => Promise<void>][] = [
  [
    'log-out',
    async (session) => {
      expect((await api.call('DELETE', '/v1/sessions', { json: { refreshToken: session.refreshToken } })).status).toBe(204);
    },
  ],
  [
    'log-out everywhere (from another session)',
    async () => {
      const other = await logIn();
      const ended = await api.call('DELETE', '/v1/me/sessions', { token: other.accessToken });
      expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    },
  ],
  [
    'logging that one session out from another (the sessions list)',
    async (session) => {
      const other = await logIn();
      const sessions = await api.call('GET', '/v1/me/sessions', { token: other.accessToken });
      const own = (await api.call('GET', '/v1/me/sessions', { token: session.accessToken })).body.items.find((s: Json) => s.current);
      expect(sessions.body.items.map((s: Json) => s.id)).toContain(own.id);
      expect((await api.call('DELETE', `/v1/me/sessions/${own.id}`, { token: other.accessToken })).status).toBe(204);
    },
  ],
];

describe.each(ENDS)('after %s', (_name, end) => {
  it('every authenticated operation answers 401 SESSION_ENDED, and no write applies', async () => {
    const session = await logIn();
    await end(session);
    const visits = authenticatedVisits();
    expect(visits.length).toBeGreaterThan(40);
    const applied: string[] = [];
    const answered: string[] = [];
    let current = '';
    let calls = 0;
    const stop = observeCalls(api.db.patterns as LeanDocClient, {
      after(operation, _input, _output, error) {
        calls += 1;
        if (WRITES.has(operation) && error === undefined) applied.push(`${current}: ${operation}`);
      },
    });
    try {
      for (const { id, method, url, operation } of visits) {
        current = id;
        const content: Json = operation.requestBody?.content ?? {};
        const options: Parameters<Api['call']>[2] = { token: session.accessToken };
        if (content['multipart/form-data']) options.body = imageForm(PNG_1x1);
        else if (content['application/json']) options.json = bodyFor(String(operation.operationId), content['application/json'].schema);
        calls = 0;
        const answer = await api.call(method, url, options);
        // The one exception: an error the request alone decides (another user's account, following
        // oneself), answered before any DynamoDB request, so nothing stored can show in it.
        const fromRequestAlone = calls === 0 && [400, 403].includes(answer.status);
        if (!fromRequestAlone && (answer.status !== 401 || answer.body?.error?.code !== 'SESSION_ENDED')) answered.push(`${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
        if (method === 'GET') {
          const head = await fetch(api.url + url, { method: 'HEAD', headers: { authorization: `Bearer ${session.accessToken}` } });
          if (head.status !== 401) answered.push(`HEAD of ${id}: ${head.status}`);
        }
      }
    } finally {
      stop();
    }
    // Listed whole, so that a failure names every route that still lets the token through.
    expect(answered).toEqual([]);
    expect(applied).toEqual([]);
    // The account itself is untouched and a live session still works.
    const live = await logIn();
    const me = await api.call('GET', '/v1/me', { token: live.accessToken });
    expect(me.body).toMatchObject({ username: 'walker', name: profile('walker').name, email: profile('walker').email });
  });
});
