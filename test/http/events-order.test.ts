/**
 * Live posts leave in the order they were logged across a minute of the event log: the log is
 * partitioned by minute, and an instance's read of the older minute could pass before an entry
 * landed there while its read of the newer minute found the entry the worker logged just after
 * it. Here the engine's answers are interleaved that way on purpose (startApi's `wrapDoc`): the
 * entries are written once the older minute's read, if it was sent first, has been answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocClient } from '../../src/engine/doc-client.js';
import { appendEvents, derivedDb, eventLogItem } from '../../src/derived/store/index.js';
import { uploadPhoto } from '../../src/patterns/index.js';
import { photoId } from '../../src/schema/ids.js';
import { derivedRanges, eventLogMinute, eventLogMinutes, eventLogShard } from '../../src/schema/keys.js';
import { waitFor } from '../support/wait.js';
import { signUp, startApi, type Api, type Session } from './support.js';
import { listen, replayed, type Heard, type Listener } from './event-stream.js';

// A minute's look-back: both minutes stay in every read however slow the machine.
const ENV = { EVENTS_POLL_MS: '50', EVENTS_HEARTBEAT_MS: '100', EVENTS_LOOKBACK_MS: '60000' };

let api: Api;
let reader: Session;
let listener: Listener | undefined;

/** Set while the interleaving waits for its reads: the two partitions, and what to write between them. */
let armed: { older: string; newer: string; write: () => Promise<void> } | undefined;
/** The older minute's read in flight, once sent. */
let olderRead: Promise<unknown> | undefined;

const wrap = (doc: DocClient): DocClient => ({
  send: (async (command: { constructor: { name: string }; input: { ExpressionAttributeValues?: Record<string, unknown> } }, ...rest: unknown[]) => {
    const send = () => (doc.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    const pk = command.constructor.name === 'QueryCommand' ? command.input.ExpressionAttributeValues?.[':pk'] : undefined;
    const plan = armed;
    if (plan === undefined || pk === undefined) return send();
    if (pk === plan.older) return (olderRead = send());
    if (pk !== plan.newer) return send();
    // The newer minute's read: after the older one's answer if that was sent first, then the writes.
    armed = undefined;
    await olderRead;
    await plan.write();
    return send();
  }) as DocClient['send'],
});

beforeAll(async () => {
  api = await startApi(ENV, { wrapDoc: wrap });
  reader = await signUp(api, 'reader');
  await signUp(api, 'hal');
  expect((await api.call('PUT', '/v1/users/hal/followers/me', { token: reader.accessToken })).status).toBe(201);
});

afterAll(async () => {
  listener?.close();
  await api?.close();
});

describe('GET /v1/me/events: live posts across a minute of the log', () => {
  it('a post logged in a newer minute leaves after the one logged just before it in the older minute', async () => {
    listener = listen(api.url, { token: reader.accessToken });
    await replayed(listener);
    // Two photos, logged as a worker logs them one after the other: the first in the minute before the second's.
    const [first, second] = [await uploadPhoto(api.db, { username: 'hal', location: 'file:///1.png' }), await uploadPhoto(api.db, { username: 'hal', location: 'file:///2.png' })];
    // The older entry must stay inside the look-back (a minute) until the reads: not in a minute's last seconds.
    await waitFor(() => Date.now() % 60_000 < 50_000, { what: 'a minute with ten seconds left', timeoutMs: 15_000, intervalMs: 100 });
    const minuteStart = Date.parse(`${eventLogMinute(new Date().toISOString())}:00.000Z`);
    const entries = [eventLogItem('hal', 'post', first.timestamp, new Date(minuteStart - 1)), eventLogItem('hal', 'post', second.timestamp, new Date(minuteStart))];
    const [older, newer] = entries.map((entry) => derivedRanges.eventLog(eventLogMinute(String(entry.at)), eventLogShard('hal')).pk);
    const derived = derivedDb(api.db);
    armed = { older: older!, newer: newer!, write: () => appendEvents(derived, entries) };

    await expect.poll(() => listener!.of('post').length).toBe(2);
    expect(armed).toBeUndefined();
    expect(listener.of('post').map((e: Heard) => String((e.data as { photoId: unknown }).photoId))).toEqual([photoId('hal', first.timestamp), photoId('hal', second.timestamp)]);
  });
});

describe('eventLogMinutes', () => {
  it('names every minute a read spans, newest first, the one between included', () => {
    expect(eventLogMinutes('2026-12-07T08:58:59.970Z', '2026-12-07T09:00:00.020Z')).toEqual(['2026-12-07T09:00', '2026-12-07T08:59', '2026-12-07T08:58']);
    expect(eventLogMinutes('2026-12-07T08:59:10.000Z', '2026-12-07T08:59:15.000Z')).toEqual(['2026-12-07T08:59']);
    expect(eventLogMinutes('2026-12-31T23:59:30.000Z', '2027-01-01T00:00:01.000Z')).toEqual(['2027-01-01T00:00', '2026-12-31T23:59']);
    // A clock set back: the current minute is read still.
    expect(eventLogMinutes('2026-12-07T09:01:00.000Z', '2026-12-07T09:00:30.000Z')).toEqual(['2026-12-07T09:00']);
  });
});
