/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- event payloads are asserted on, not typed */
/**
 * Event ids are opaque as list cursors are: sealed, bound to the user's event stream, and
 * nothing of the storage layout (sort keys, feed positions) can be read out of them. One
 * another user's stream sent, one altered, forged or sealed under another secret is refused;
 * another instance with the same configured secret resumes from it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { buildApp } from '../../src/http/app.js';
import { createCursorCodec } from '../../src/patterns/cursor.js';
import { listen as listenOn, signUp, startApi, testConfig, type Api, type Session } from './support.js';
import { listen, replayed, type Listener } from './event-stream.js';

const ENV = { EVENTS_POLL_MS: '50', EVENTS_HEARTBEAT_MS: '100' };
/** The secret the test database's codec was made with (test/support/db.ts). */
const TEST_CURSOR_SECRET = 'test-cursor-secret-0123456789';

let api: Api;
let worker: Worker;
const s: Record<string, Session> = {};
const open: Listener[] = [];
const others: { app: FastifyInstance; dir: string }[] = [];

function stream(who: string, lastEventId?: string, base = api.url): Listener {
  const listener = listen(base, { token: s[who]!.accessToken, ...(lastEventId === undefined ? {} : { lastEventId }) });
  open.push(listener);
  return listener;
}

const follow = async (who: string, whom: string) => expect((await api.call('PUT', `/v1/users/${whom}/followers/me`, { token: s[who]!.accessToken })).status).toBe(201);

/** Another instance on the same table, its cursor codec made from `secret` (as a restart reads CURSOR_SECRET). */
async function instance(secret: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'qp-photos-'));
  const app = await buildApp({
    db: { ...api.db, doc: api.db.patterns, cursors: createCursorCodec(secret) },
    client: api.db.client,
    config: testConfig({ PHOTOS_DIR: dir, TABLE_NAME: api.db.table, ...ENV }),
    blobs: createLocalBlobStore(dir),
  });
  others.push({ app, dir });
  return listenOn(app);
}

async function refused(who: string, id: string): Promise<void> {
  const answer = await api.call('GET', '/v1/me/events', { token: s[who]!.accessToken, headers: { 'last-event-id': id } });
  expect(answer.status).toBe(400);
  expect(answer.body).toMatchObject({ error: { code: 'INVALID_LAST_EVENT_ID' } });
}

/** Every id a stream sent, once it has heard its opening count and an activity item (a follow by `by`). */
async function idsOf(who: string, by: string): Promise<string[]> {
  const first = stream(who);
  await expect.poll(() => first.of('unread')).toHaveLength(1);
  await follow(by, who);
  await expect.poll(() => first.of('activity').map((e) => e.data.actor.username)).toContain(by);
  const ids = first.events.map((e) => e.id).filter((id) => id !== '');
  first.close();
  return ids;
}

beforeAll(async () => {
  api = await startApi(ENV);
  worker = createWorker({ client: api.db.client, db: api.db, settings: { ...testConfig(ENV).derived, pollMs: 50 } });
  for (const name of ['ada', 'ben', 'cat', 'dov']) s[name] = await signUp(api, name);
});

afterAll(async () => {
  for (const listener of open) listener.close();
  for (const { app, dir } of others) {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
  await worker.stop();
  await api.close();
});

describe('event ids', () => {
  it('show nothing of the storage layout: not readable as base64url JSON or keys', async () => {
    const ids = await idsOf('ada', 'ben');
    expect(ids.length).toBeGreaterThanOrEqual(2);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      const text = Buffer.from(id, 'base64url').toString('latin1');
      expect(text).not.toMatch(/A#|ACTIVITY#|TAKEDOWN#|NOTICE#|FEED#|USER#|ada|ben/);
      expect(() => JSON.parse(Buffer.from(id, 'base64url').toString('utf8')) as unknown).toThrow();
    }
    // Sealed afresh each time: two ids of the same positions differ.
    const [a, b] = [stream('ada'), stream('ada')];
    await expect.poll(() => a.of('unread').length + b.of('unread').length).toBe(2);
    expect(a.of('unread')[0]!.id).not.toBe(b.of('unread')[0]!.id);
    a.close();
    b.close();
  });

  it("another user's id, an altered one, a forged one or one sealed under another secret is refused", async () => {
    const [mine] = (await idsOf('cat', 'dov')).slice(-1);
    // Good for cat: it resumes.
    const again = stream('cat', mine);
    await replayed(again);
    again.close();
    // Not for dov: an id is bound to the stream of the user it was sent to.
    await refused('dov', mine!);
    // One bit changed anywhere.
    const raw = Buffer.from(mine!, 'base64url');
    for (const at of [0, Math.floor(raw.length / 2), raw.length - 1]) {
      const altered = Buffer.from(raw);
      altered[at]! ^= 1;
      await refused('cat', altered.toString('base64url'));
    }
    // The former plain form, made up by a client: positions in cat's own partitions, but not sealed by us.
    await refused('cat', Buffer.from(JSON.stringify(['A#9999', '9999', 'TAKEDOWN#9999', '9999', []]), 'utf8').toString('base64url'));
    await refused('cat', 'not an id');
    // A list cursor is not an event id, though the same codec seals both: each is bound to its own list.
    await refused('cat', api.db.cursors.encode('feed:cat', { before: '9999' }));
    // Sealed under another secret: refused, as a list cursor would be.
    const foreignBase = await instance('another-cursor-secret-0123456789');
    const foreign = stream('cat', undefined, foreignBase);
    // Any id it sealed will do. Not "exactly one count": a second may follow the opening one
    // (dov's follow of a moment ago may reach cat's activity only after the stream opened, and
    // its log entry, within the new instance's look-back, delivers it with a count), which once
    // failed this test on a loaded machine.
    await expect.poll(() => foreign.of('unread').length).toBeGreaterThan(0);
    foreign.close();
    await refused('cat', foreign.of('unread')[0]!.id);
  });

  it('another instance with the same secret (a restart) resumes from an id: what was missed, once, in order', async () => {
    const first = stream('ben');
    await expect.poll(() => first.of('unread')).toHaveLength(1);
    await follow('cat', 'ben');
    await expect.poll(() => first.of('activity').map((e) => e.data.actor.username)).toEqual(['cat']);
    const lastId = first.of('activity')[0]!.id;
    first.close();
    await follow('dov', 'ben');
    await follow('ada', 'ben');
    await worker.drain();
    const restarted = await instance(TEST_CURSOR_SECRET);
    const again = stream('ben', lastId, restarted);
    await expect.poll(() => again.of('activity').map((e) => e.data.actor.username)).toEqual(['dov', 'ada']);
    const ids = again.of('activity').map((e) => e.id);
    expect(new Set(ids).size).toBe(2);
  });
});
