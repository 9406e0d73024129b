/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-assignment -- event payloads are asserted on, not typed */
/**
 * The event stream across instances and at its bounds: a second API instance on the same table
 * hears what the first one wrote, tickets work once and expire, the limits refuse with their
 * codes, idle and old streams end, a slow reader is cut off, shutdown closes open streams, and
 * the activity list answers 304 while nothing changed.
 */
import { createServer, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { buildApp } from '../../src/http/app.js';
import { SseStream, type CloseReason } from '../../src/http/events/sse.js';
import { uploadPhoto } from '../../src/patterns/index.js';
import { photoId } from '../../src/schema/ids.js';
import { waitFor } from '../support/wait.js';
import { caller, listen as listenOn, signUp, startApi, testConfig, type Api, type Session } from './support.js';
import { listen, type Listener } from './event-stream.js';

const FAST = { EVENTS_POLL_MS: '50', EVENTS_HEARTBEAT_MS: '100' };

let api: Api;
let worker: Worker;
let clock = 1_800_000_000;
const s: Record<string, Session> = {};
const open: Listener[] = [];
const apps: FastifyInstance[] = [];

/** Another API instance on the same tables (no shared memory with the first: only DynamoDB). */
async function instance(env: Record<string, string>, logLines?: string[]) {
  const config = testConfig({ PHOTOS_DIR: api.photosDir, TABLE_NAME: api.db.table, ...FAST, ...env });
  const logger = logLines ? pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }) : undefined;
  const app = await buildApp({ db: { ...api.db, doc: api.db.patterns }, client: api.db.client, config, blobs: createLocalBlobStore(api.photosDir), ...(logger ? { logger } : {}) });
  apps.push(app);
  const url = await listenOn(app);
  return { app, url, call: caller(url) };
}

function stream(url: string, options: Parameters<typeof listen>[1]): Listener {
  const listener = listen(url, options);
  open.push(listener);
  return listener;
}

const follow = async (who: string, whom: string) => expect((await api.call('PUT', `/v1/users/${whom}/followers/me`, { token: s[who]!.accessToken })).status).toBe(201);

async function refusal(url: string, who: string): Promise<{ status: number; code: unknown }> {
  const answer = await fetch(`${url}/v1/me/events`, { headers: { authorization: `Bearer ${s[who]!.accessToken}` } });
  if (answer.status === 200) {
    await answer.body?.cancel();
    return { status: 200, code: undefined };
  }
  const body = (await answer.json()) as { error?: { code?: unknown } };
  return { status: answer.status, code: body.error?.code };
}

beforeAll(async () => {
  api = await startApi(FAST, { mediaClock: () => clock });
  worker = createWorker({ client: api.db.client, db: api.db, settings: { ...testConfig().derived, pollMs: 50 } });
  for (const name of ['ann', 'ben', 'cat', 'dot', 'eli', 'flo', 'gil']) s[name] = await signUp(api, name);
});

afterAll(async () => {
  for (const listener of open) listener.close();
  for (const app of apps) await app.close();
  await worker.stop();
  await api.close();
});

describe('across instances', () => {
  it('a write through instance A reaches a stream on instance B; a new post reaches followers only', async () => {
    const b = await instance({});
    const ann = stream(b.url, { token: s.ann!.accessToken });
    const dot = stream(b.url, { token: s.dot!.accessToken });
    await expect.poll(() => ann.of('unread').length + dot.of('unread').length).toBe(2);
    await follow('ben', 'ann');
    await expect.poll(() => ann.of('activity').map((e) => e.data.actor.username)).toEqual(['ben']);
    await follow('ann', 'cat');
    const photo = await uploadPhoto(api.db, { username: 'cat', location: 'file:///c.png' });
    await expect.poll(() => ann.of('post').map((e) => e.data)).toEqual([{ author: 'cat', photoId: photoId('cat', photo.timestamp) }]);
    // dot follows nobody: the follow below is heard after the post was dispatched, and no post came before it.
    await follow('eli', 'dot');
    await expect.poll(() => dot.of('activity')).toHaveLength(1);
    expect(dot.of('post')).toEqual([]);
  });

  it('a ticket opens one stream, on any instance, once; it expires; it never reaches the log', async () => {
    const lines: string[] = [];
    const b = await instance({ EVENTS_TICKET_TTL_MS: '1' }, lines);
    const { status, body } = await api.call('POST', '/v1/me/events/ticket', { token: s.flo!.accessToken, json: {} });
    expect(status).toBe(201);
    const ticket = body.ticket as string;
    const flo = stream(b.url, { query: `?ticket=${ticket}` });
    await expect.poll(() => flo.of('unread')).toHaveLength(1);
    const again = await fetch(`${b.url}/v1/me/events?ticket=${ticket}`);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('INVALID_STREAM_TICKET');
    // B's tickets last a millisecond: one used after that is refused.
    const short = await b.call('POST', '/v1/me/events/ticket', { token: s.flo!.accessToken, json: {} });
    const issued = Date.now();
    await waitFor(() => Date.now() > issued + 5, { what: 'the ticket to expire' });
    const late = await fetch(`${b.url}/v1/me/events?ticket=${String(short.body.ticket)}`);
    expect(late.status).toBe(401);
    await waitFor(() => lines.some((line) => line.includes('[redacted]')), { what: 'the refused request logged' });
    expect(lines.join('\n')).not.toContain(ticket);
    expect(lines.join('\n')).not.toContain(String(short.body.ticket));
  });
});

describe('bounds', () => {
  it('refuses streams past the per-user and per-instance limits, with codes', async () => {
    const c = await instance({ EVENTS_PER_USER: '2', EVENTS_MAX_CONNECTIONS: '3' });
    const first = [stream(c.url, { token: s.gil!.accessToken }), stream(c.url, { token: s.gil!.accessToken })];
    await expect.poll(() => first.every((l) => l.of('unread').length === 1)).toBe(true);
    expect(await refusal(c.url, 'gil')).toEqual({ status: 429, code: 'EVENT_STREAMS_PER_USER' });
    const eli = stream(c.url, { token: s.eli!.accessToken });
    await expect.poll(() => eli.of('unread')).toHaveLength(1);
    expect(await refusal(c.url, 'ben')).toEqual({ status: 429, code: 'EVENT_STREAMS_BUSY' });
    // A closed stream frees its place.
    eli.close();
    await expect.poll(async () => (await refusal(c.url, 'ben')).status).not.toBe(429);
  });

  it('sends heartbeats; ends an idle stream and one past its lifetime', async () => {
    const answer = await fetch(`${api.url}/v1/me/events`, { headers: { authorization: `Bearer ${s.ben!.accessToken}` } });
    expect(answer.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = answer.body!.getReader();
    let text = '';
    while (!text.includes('\n: \n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const idle = await instance({ EVENTS_IDLE_MS: '300' });
    const old = await instance({ EVENTS_MAX_LIFETIME_MS: '300' });
    const a = stream(idle.url, { token: s.ben!.accessToken });
    const b = stream(old.url, { token: s.ben!.accessToken });
    await expect.poll(() => a.of('end').map((e) => e.data.reason)).toContain('idle');
    await expect.poll(() => b.of('end').map((e) => e.data.reason)).toContain('lifetime');
  });

  it('closes open streams on shutdown', async () => {
    const d = await instance({});
    const cat = stream(d.url, { token: s.cat!.accessToken });
    // Open: its count heard (a later one may follow, for activity the instance's look-back reads).
    await expect.poll(() => cat.of('unread').length).toBeGreaterThan(0);
    await d.app.close();
    await expect.poll(() => cat.of('end').map((e) => e.data.reason)).toEqual(['shutdown']);
  });

  it('cuts off a reader that does not read, without buffering past the bound', async () => {
    const bound = 64 * 1024;
    let seen = 0;
    let reason: CloseReason | undefined;
    let res: ServerResponse | undefined;
    const server = createServer((_request, response) => {
      res = response;
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const sse = new SseStream(response, { heartbeatMs: 60_000, maxBufferedBytes: bound, idleMs: 60_000, lifetimeMs: 60_000 }, (why) => (reason = why));
      const payload = { text: 'x'.repeat(1000) };
      while (sse.isOpen) {
        sse.send('activity', payload);
        seen = Math.max(seen, response.writableLength);
      }
    });
    const url = await new Promise<URL>((resolve) => server.listen(0, '127.0.0.1', () => resolve(new URL(`http://127.0.0.1:${String((server.address() as { port: number }).port)}`))));
    const socket = connect(Number(url.port), '127.0.0.1');
    socket.pause();
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => reason).toBe('slow');
    expect(seen).toBeLessThan(bound + 2048);
    expect(res?.destroyed).toBe(true);
    socket.destroy();
    server.close();
  });
});

describe('GET /v1/me/activity revalidation', () => {
  it('answers 304 while nothing changed, whatever the image URLs\' signatures; 200 once something did', async () => {
    const mine = await uploadPhoto(api.db, { username: 'eli', location: 'file:///e.png' });
    expect((await api.call('PUT', `/v1/photos/${photoId('eli', mine.timestamp)}/reactions/heart`, { token: s.flo!.accessToken })).status).toBe(201);
    await worker.drain();
    const first = await api.call('GET', '/v1/me/activity', { token: s.eli!.accessToken });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\//);
    clock += 7200;
    const moved = await api.call('GET', '/v1/me/activity', { token: s.eli!.accessToken, headers: { 'if-none-match': etag } });
    expect(moved.status).toBe(304);
    await follow('gil', 'eli');
    await worker.drain();
    const changed = await api.call('GET', '/v1/me/activity', { token: s.eli!.accessToken, headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });
});
