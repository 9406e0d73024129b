/**
 * The push view end to end: real writes on DynamoDB Local, the worker reading the table's
 * stream, the real senders (web-push's encryption and VAPID, APNs and FCM over HTTP/2 TLS)
 * and local stand-ins of the three push services that check what the real ones check.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, generateKeyPair } from 'jose';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type DerivedConfig } from '../../src/config/index.js';
import { batchWrite, derivedDb } from '../../src/derived/store/index.js';
import { pushView } from '../../src/derived/views/push.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import {
  blockUser,
  createSession,
  followUser,
  postComment,
  pushAllowed,
  pushStateOf,
  reactToPhoto,
  registerPushDevice,
  revokeSession,
  setPushPreferences,
  suspendUser,
  unsuspendUser,
  uploadPhoto,
  type PushDeviceInput,
} from '../../src/patterns/index.js';
import { Credentials } from '../../src/schema/entities/index.js';
import { derivedKeys, keys } from '../../src/schema/keys.js';
import { auditDerived } from '../../src/admin/doctor-derived.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { replayStream, userItem } from '../derived/support.js';
import { startNativePushService, startWebPushService, TLS, type NativePushService, type WebPushService } from './standins.js';

let db: TestDb;
let worker: Worker;
let web: WebPushService;
let native: NativePushService;
let settings: DerivedConfig;
let dir: string;
const photos: string[] = [];
const sessions = new Map<string, { sessionId: string; refreshToken: string }>();

async function person(name: string, extra: Record<string, unknown> = {}): Promise<void> {
  await batchWrite(db, [{ put: { ...userItem(name, 0, 0), ...extra } }, { put: { ...Credentials.encode({ username: name, passwordHash: 'x', createdAt: new Date().toISOString() }) } }]);
  const grant = await createSession(db, name, 3600);
  sessions.set(name, { sessionId: grant.sessionId, refreshToken: grant.refreshToken });
}

const register = (user: string, input: PushDeviceInput, sessionId = sessions.get(user)!.sessionId) =>
  registerPushDevice(db, user, sessionId, input, { webHosts: ['127.0.0.1'], max: 20, kinds: ['web', 'apns', 'fcm'] });

const subscribe = (id: string): PushDeviceInput => {
  const s = web.subscribe(id);
  return { kind: 'web', endpoint: s.endpoint, p256dh: s.p256dh, auth: s.auth };
};

const bodies = (list: { to: string; payload: Record<string, unknown> }[], to: string): string[] =>
  list.filter((r) => r.to === to).map((r) => {
    const p = r.payload as { body?: unknown; notification?: { body?: unknown }; aps?: { alert?: { body?: unknown } } };
    return String(p.body ?? p.notification?.body ?? p.aps?.alert?.body);
  });

/** Every payload sent to every service (web push, APNs, FCM), one per line: what a leak would show in. */
const everythingSent = (): string => [...web.received, ...native.apns, ...native.fcm].map((r) => JSON.stringify(r.payload)).join('\n');

beforeAll(async () => {
  web = await startWebPushService();
  const apnsKeys = await generateKeyPair('ES256', { extractable: true });
  const fcmKeys = await generateKeyPair('RS256', { extractable: true });
  const nativeKeys = { apnsKey: apnsKeys.publicKey, apnsKeyId: 'KEY1234567', teamId: 'TEAM123456', topic: 'com.example.photos', fcmKey: fcmKeys.publicKey, clientEmail: 'push@project.iam.example', projectId: 'photos-test' };
  native = await startNativePushService(nativeKeys);
  dir = await mkdtemp(join(tmpdir(), 'qp-push-'));
  const account = join(dir, 'service-account.json');
  await writeFile(account, JSON.stringify({ project_id: nativeKeys.projectId, client_email: nativeKeys.clientEmail, private_key: await exportPKCS8(fcmKeys.privateKey), token_uri: `${native.origin}/token` }));
  const vapid = webpush.generateVAPIDKeys();
  const config = loadConfig({
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: 'mailto:ops@example.com',
    APNS_KEY: await exportPKCS8(apnsKeys.privateKey),
    APNS_KEY_ID: nativeKeys.apnsKeyId,
    APNS_TEAM_ID: nativeKeys.teamId,
    APNS_TOPIC: nativeKeys.topic,
    APNS_URL: native.origin,
    FCM_SERVICE_ACCOUNT_FILE: account,
    FCM_URL: native.origin,
    PUSH_CA: TLS.cert,
    PUSH_WEB_HOSTS: '127.0.0.1',
    // One burst per hour: a burst in this test never straddles two windows but at an hour's turn.
    PUSH_COLLAPSE_SECONDS: '3600',
  });
  settings = { ...config.derived, pollMs: 50 };
  db = await createTestDb();
  worker = createWorker({ client: db.client, db, settings, autoStart: false });
  await person('alice');
  for (let i = 0; i < 8; i++) photos.push((await uploadPhoto(db, { username: 'alice', location: `file:///alice${i}.png` })).timestamp);
  for (const name of ['bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hal', 'ivan', 'jack', 'kate', 'leo', 'mona']) await person(name);
  await register('alice', subscribe('alice-1'));
  await register('alice', { kind: 'apns', token: 'aa11bb22cc33' });
  await register('alice', { kind: 'fcm', token: 'fcm-alice-1' });
  await worker.drain(60_000);
}, 120_000);

afterAll(async () => {
  await worker.stop();
  await db.drop();
  await web.close();
  await native.close();
  await rm(dir, { recursive: true, force: true });
});

const react = (user: string, photo: number) => reactToPhoto(db, { reactingUser: user, owner: 'alice', timestamp: photos[photo]!, type: 'heart' });

describe('push notifications from the stream', () => {
  it('sends a reaction to every device of the owner: encrypted Web Push with VAPID, APNs and FCM', async () => {
    await react('bob', 0);
    await worker.drain();
    expect(bodies(web.received, 'alice-1')).toEqual(['bob reacted to your photo']);
    expect(bodies(native.apns, 'aa11bb22cc33')).toEqual(['bob reacted to your photo']);
    expect(bodies(native.fcm, 'fcm-alice-1')).toEqual(['bob reacted to your photo']);
    expect(web.received[0]!.headers).toMatchObject({ urgency: 'normal', ttl: String(24 * 3600) });
    expect(web.received[0]!.payload).toMatchObject({ title: 'New reaction', url: '/activity', kind: 'reaction' });
    expect(native.apns[0]!.headers.collapse).toMatch(/^reaction:alice\//);
    expect([...web.problems, ...native.problems]).toEqual([]);
  });

  it('collapses a burst of reactions to one photo into that one notification', async () => {
    for (const name of ['carol', 'dave', 'erin']) await react(name, 0);
    // A follow after the burst: once it arrives, the burst has been through the worker.
    await followUser(db, 'frank', 'alice');
    await worker.drain();
    expect(bodies(web.received, 'alice-1')).toEqual(['bob reacted to your photo', 'frank started following you']);
    expect(bodies(native.apns, 'aa11bb22cc33')).toHaveLength(2);
    expect(bodies(native.fcm, 'fcm-alice-1')).toHaveLength(2);
  });

  it('sends nothing twice when the whole stream is replayed (a restart from an old checkpoint)', async () => {
    const before = [web.received.length, native.apns.length, native.fcm.length];
    const view = pushView({ db, derived: derivedDb(db), settings });
    await replayStream(db, [view]);
    expect([web.received.length, native.apns.length, native.fcm.length]).toEqual(before);
  });

  it('sends no kind its recipient switched off, and nothing about or from a blocked user', async () => {
    await setPushPreferences(db, 'alice', { follow: false });
    await followUser(db, 'gina', 'alice');
    await react('ivan', 2);
    await blockUser(db, 'alice', 'ivan');
    await react('hal', 1);
    await worker.drain();
    expect(bodies(web.received, 'alice-1').slice(2)).toEqual(['hal reacted to your photo']);
    expect(bodies(native.fcm, 'fcm-alice-1').slice(2)).toEqual(['hal reacted to your photo']);
  });

  it("never tells of a private account's photo to someone who may not see it", async () => {
    await person('hidden', { private: true });
    const photo = await uploadPhoto(db, { username: 'hidden', location: 'file:///hidden.png' });
    const subject = { recipient: 'alice', actor: 'bob', requires: [], photo: { owner: 'hidden', timestamp: photo.timestamp } };
    expect(await pushAllowed(db, subject)).toBe(false);
    await batchWrite(db, [{ put: { ...keys.friendship('hidden', 'alice'), timestamp: photo.timestamp } }]);
    expect(await pushAllowed(db, subject)).toBe(true);
    await batchWrite(db, [{ put: { ...keys.block('hidden', 'alice'), timestamp: photo.timestamp } }]);
    expect(await pushAllowed(db, subject)).toBe(false);
  });

  it('prunes dead endpoints: Web Push 410, APNs Unregistered and BadDeviceToken, FCM UNREGISTERED', async () => {
    await register('alice', { kind: 'apns', token: 'not-hex-token' });
    web.script.set('alice-1', [410]);
    native.dead.add('aa11bb22cc33');
    native.dead.add('fcm-alice-1');
    await react('jack', 3);
    await worker.drain();
    expect((await pushStateOf(db, 'alice')).devices).toEqual([]);
  });

  it('retries 429 and 5xx with backoff, through the engine when needed, and delivers once', async () => {
    await register('alice', subscribe('alice-2'));
    await register('alice', { kind: 'apns', token: 'dd44ee55ff66' });
    await register('alice', { kind: 'fcm', token: 'fcm-alice-2' });
    web.script.set('alice-2', [500]);
    native.script.set('dd44ee55ff66', [429, 429]);
    // More failures than one apply tries: the record goes back to the engine, which retries it.
    native.script.set('fcm-alice-2', [503, 503, 503, 503]);
    await react('kate', 4);
    await worker.drain();
    expect(bodies(web.received, 'alice-2')).toEqual(['kate reacted to your photo']);
    expect(bodies(native.apns, 'dd44ee55ff66')).toEqual(['kate reacted to your photo']);
    expect(bodies(native.fcm, 'fcm-alice-2')).toEqual(['kate reacted to your photo']);
    expect(native.script.get('fcm-alice-2')).toEqual([]);
  });

  it("stops pushing to a device when its session logs out, and removes it", async () => {
    const second = await createSession(db, 'alice', 3600);
    const device = await register('alice', subscribe('alice-3'), second.sessionId);
    await revokeSession(db, second.refreshToken);
    await react('leo', 5);
    await worker.drain();
    expect(bodies(web.received, 'alice-2').at(-1)).toBe('leo reacted to your photo');
    expect(bodies(web.received, 'alice-3')).toEqual([]);
    expect((await pushStateOf(db, 'alice')).devices.map((d) => d.id)).not.toContain(device.id);
  });
  it("never carries a private account's comment to someone who does not follow them", async () => {
    await person('nell', { private: true });
    await postComment(db, { author: 'nell', photoOwner: 'alice', photoTimestamp: photos[6]!, text: 'only my followers may read this' });
    // A later comment by a public account, on another photo (a notification of its own): once it is sent, nell's was judged.
    await postComment(db, { author: 'mona', photoOwner: 'alice', photoTimestamp: photos[7]!, text: 'lovely' });
    await worker.drain();
    expect(bodies(web.received, 'alice-2').slice(-1)).toEqual(['mona commented on your photo']);
    const everything = everythingSent();
    expect(everything).not.toContain('only my followers');
    expect(everything).not.toContain('nell');
  });
  it("carries only the actor's name, the kind and a path: never a comment's or a reply's text", async () => {
    await postComment(db, { author: 'gina', photoOwner: 'alice', photoTimestamp: photos[5]!, text: 'my home address is 12 Elm St' });
    await worker.drain();
    expect(bodies(web.received, 'alice-2').slice(-1)).toEqual(['gina commented on your photo']);
    const everything = everythingSent();
    expect(everything).not.toContain('Elm St');
    expect(everything).not.toContain('lovely');
  });

  it('sends nothing to a suspended account (its sessions ended with the suspension), and again once it is lifted', async () => {
    await register('bob', subscribe('bob-1'));
    const before = bodies(web.received, 'alice-2');
    // Made before the suspension (a reaction to a suspended owner's photo is refused, 404), applied
    // by the worker after it: its push is judged at delivery.
    await react('erin', 6);
    await suspendUser(db, 'alice', 'spam');
    // A later notification to someone else: once it is sent, the reaction to alice's photo was judged.
    await followUser(db, 'dave', 'bob');
    await worker.drain();
    expect(bodies(web.received, 'bob-1')).toEqual(['dave started following you']);
    expect(bodies(web.received, 'alice-2')).toEqual(before);
    await unsuspendUser(db, 'alice');
    await react('frank', 7);
    await worker.drain();
    expect(bodies(web.received, 'alice-2')).toEqual([...before, 'frank reacted to your photo']);
  });
});

describe('doctor', () => {
  it('finds and removes a push collapse item whose recipient is gone', async () => {
    const clean = await auditDerived(db);
    expect(clean.problems).toEqual([]);
    expect(clean.pushCollapses).toBeGreaterThan(0);
    const stray = derivedKeys.pushCollapse('ghost', 'reaction', 'ghost/2026-01-01T00:00:00', '2026-01-01T00:00:00');
    await batchWrite(derivedDb(db), [{ put: { ...stray, first: 'A#x', expiresAt: 1_900_000_000 } }]);
    const found = await auditDerived(db, { fix: true });
    expect(found.problems.map((p) => [p.type, p.key])).toEqual([['stray-push-collapse', stray]]);
    expect(found.fixed).toBe(1);
    expect((await auditDerived(db)).problems).toEqual([]);
  });
});
