/**
 * Push devices and preferences, in the account's ACCOUNT# partition (keys.ts): deletion of the
 * account sweeps them with the sessions, so a later account of the same name inherits none.
 *
 * A device is bound to the session that registered it (`sessionId`, the session family): it is
 * registered only while that session lives (a ConditionCheck in the same transaction), listed
 * and sent to only while it lives, and removed when it ends (log-out, log-out everywhere, the
 * session ended from another device): the push view removes them as the stream reports the
 * session's deletion, and the sender re-checks the session before every send.
 */
import { ensureActingLive } from './session-check.js';
import { createHash } from 'node:crypto';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError, errors } from '../errors.js';
import { PushDevice, PushPreferences } from '../schema/entities/index.js';
import { assertUsername } from '../schema/entities.js';
import { keyString, keys, ranges, type ItemKey } from '../schema/keys.js';
import type { RawItem } from '../schema/entity.js';
import { batchGet, call, transact, type Db } from './db.js';
import { inPrefix, paginate } from './paging.js';
import { listable, uniqueKeys, viewerState } from './viewer.js';
import { activeUserCheck, inactiveUser } from './guards.js';

export type PushDeviceInput =
  | { kind: 'web'; endpoint: string; p256dh: string; auth: string }
  | { kind: 'apns'; token: string }
  | { kind: 'fcm'; token: string };

export interface StoredDevice {
  id: string;
  kind: 'web' | 'apns' | 'fcm';
  sessionId: string;
  createdAt: string;
  endpoint?: string | undefined;
  p256dh?: string | undefined;
  auth?: string | undefined;
  token?: string | undefined;
  device?: string | undefined;
}

export interface RegisterOptions {
  /** Hosts a Web Push endpoint may name: exact, or `.suffix` for subdomains. */
  webHosts: readonly string[];
  /** Devices per account; the oldest is dropped past it. */
  max: number;
  /** The kinds a sender is configured for. */
  kinds: readonly string[];
  /** Summary of the registering client ("Firefox on Linux"). */
  device?: string | undefined;
}

export const pushDisabled = (kind: string) => new DomainError('conflict', 'PUSH_UNAVAILABLE', `This server sends no ${kind} push notifications.`);
const deviceNotFound = () => new DomainError('not_found', 'PUSH_DEVICE_NOT_FOUND', 'You have no push device with this id.');
const invalidEndpoint = (message: string) => errors.validation(message, [{ path: '/endpoint', message }]);

/** Whether a host matches the allow-list (exact name, or a `.suffix` entry). */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const name = host.toLowerCase();
  return allowed.some((entry) => (entry.startsWith('.') ? name.endsWith(entry) && name.length > entry.length : name === entry));
}

/** A Web Push endpoint: https, no credentials, a host of a known push service. */
export function checkWebEndpoint(endpoint: string, allowed: readonly string[]): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalidEndpoint('endpoint must be an https URL.');
  }
  if (url.protocol !== 'https:') throw invalidEndpoint('endpoint must be an https URL.');
  if (url.username || url.password) throw invalidEndpoint('endpoint must not carry credentials.');
  if (!hostAllowed(url.hostname.replace(/^\[|\]$/g, ''), allowed)) throw invalidEndpoint(`endpoint's host ${url.hostname} is not a push service this server sends to.`);
}

/** The same endpoint or token always gets the same id: registering it again replaces it (and rebinds it to this session). */
const deviceId = (input: PushDeviceInput): string =>
  createHash('sha256').update(`${input.kind}\n${input.kind === 'web' ? input.endpoint : input.token}`).digest('base64url').slice(0, 22);

const toDevice = (item: RawItem): StoredDevice => {
  const { deviceId: id, username: _u, ...rest } = PushDevice.decode(item);
  return { id, ...rest };
};

/** Query `PK = ACCOUNT#u AND begins_with(SK, PUSH#)`: the devices and the preferences in one request (at most ~21 items). */
export async function pushStateOf(db: Db, username: string): Promise<{ devices: StoredDevice[]; kinds: Record<string, boolean> }> {
  const range = ranges.pushOf(username);
  const input = { ...inPrefix(range), ConsistentRead: true };
  const devices: StoredDevice[] = [];
  let kinds: Record<string, boolean> = {};
  for await (const { Items: items } of paginate(db, 'pushStateOf', QueryCommand, input)) {
    for (const item of items) {
      if (PushDevice.is(item)) devices.push(toDevice(item));
      else if (PushPreferences.is(item)) kinds = PushPreferences.decode(item).kinds;
    }
  }
  return { devices, kinds };
}

/** The devices whose session still lives (one BatchGet of their sessions), and those whose session ended. */
export async function splitByLiveSession(db: Db, username: string, devices: StoredDevice[]): Promise<{ live: StoredDevice[]; orphaned: StoredDevice[] }> {
  const sessionIds = [...new Set(devices.map((d) => d.sessionId))];
  if (sessionIds.length === 0) return { live: [], orphaned: [] };
  const found = await batchGet(db, 'pushSessionsLive', sessionIds.map((id) => keys.session(username, id)), { consistent: true });
  const alive = new Set(found.map((item) => String(item.SK)));
  const isLive = (d: StoredDevice) => alive.has(keys.session(username, d.sessionId).SK);
  return { live: devices.filter(isLive), orphaned: devices.filter((d) => !isLive(d)) };
}

/** Newest first, ties broken by id: one order, whoever sorts. */
const newestFirst = (a: StoredDevice, b: StoredDevice): number => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

/**
 * Registers (or re-registers) a device for the calling session: TransactWriteItems of the
 * device Put and a ConditionCheck that the session exists, then a Query of the account's push
 * items; past `max` devices, one DeleteItem per device older than the newest `max`. The bound is
 * enforced after the write, by one order every registration agrees on: the last read of
 * racing registrations sees every one of their devices, and a device among the newest `max` of
 * all is among the newest of any read, so however many run at once, the newest `max` stay.
 */
export async function registerPushDevice(db: Db, username: string, sessionId: string | undefined, input: PushDeviceInput, options: RegisterOptions): Promise<StoredDevice> {
  assertUsername(username);
  if (sessionId === undefined) throw errors.forbidden('Push devices are registered with a signed-in session (log in again).');
  if (!options.kinds.includes(input.kind)) throw pushDisabled(input.kind);
  if (input.kind === 'web') checkWebEndpoint(input.endpoint, options.webHosts);
  const id = deviceId(input);
  const value = {
    username,
    deviceId: id,
    kind: input.kind,
    sessionId,
    createdAt: new Date().toISOString(),
    ...(input.kind === 'web' ? { endpoint: input.endpoint, p256dh: input.p256dh, auth: input.auth } : { token: input.token }),
    ...(options.device ? { device: options.device } : {}),
  };
  await transact(
    db,
    'registerPushDevice',
    [
      { Put: { TableName: db.table, Item: PushDevice.encode(value) } },
      { ConditionCheck: { TableName: db.table, Key: keys.session(username, sessionId), ConditionExpression: 'attribute_exists(PK)' } },
    ],
    () => errors.sessionEnded(),
  );
  const { devices } = await pushStateOf(db, username);
  for (const old of devices.sort(newestFirst).slice(options.max)) await removePushDevice(db, username, old.id);
  const { deviceId: _id, username: _u, ...rest } = value;
  return { id, ...rest };
}

/** The account's devices whose session lives; those of ended sessions are removed on the way. */
export async function listPushDevices(db: Db, username: string): Promise<StoredDevice[]> {
  assertUsername(username);
  const { devices } = await pushStateOf(db, username);
  const { live, orphaned } = await splitByLiveSession(db, username, devices);
  for (const device of orphaned) await removePushDevice(db, username, device.id);
  return live.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** DeleteItem of one device; false when there was none. */
export async function removePushDevice(db: Db, username: string, id: string): Promise<boolean> {
  const result = await call(db, 'removePushDevice', () => db.doc.send(new DeleteCommand({ TableName: db.table, Key: keys.pushDevice(username, id), ReturnValues: 'ALL_OLD' })));
  return result.Attributes !== undefined;
}

/** The owner's DELETE: PUSH_DEVICE_NOT_FOUND when the id names none of theirs. */
export async function deletePushDevice(db: Db, username: string, id: string): Promise<void> {
  assertUsername(username);
  // A plain DeleteItem carries no acting condition: an ended session must not remove anything.
  await ensureActingLive(db);
  if (!(await removePushDevice(db, username, id))) throw deviceNotFound();
}

/** Every device registered by one session (its end removes them): one Query of the account's push items. */
export async function removeSessionDevices(db: Db, username: string, sessionId: string): Promise<number> {
  const { devices } = await pushStateOf(db, username);
  const mine = devices.filter((d) => d.sessionId === sessionId);
  for (const device of mine) await removePushDevice(db, username, device.id);
  return mine.length;
}

/** Activity kinds a user can switch off; others (added later) default to on and may be named too. */
export const PUSH_KINDS = ['follow', 'request', 'reaction', 'comment', 'reply', 'comment-like', 'mention'] as const;

/** A kind's name, and how many kinds an account's preferences may name (bounded whatever a client sends). */
const KIND_NAME = /^[a-z][a-z-]{0,31}$/;
const MAX_KINDS = 32;

export async function getPushPreferences(db: Db, username: string): Promise<Record<string, boolean>> {
  assertUsername(username);
  const { kinds } = await pushStateOf(db, username);
  return Object.fromEntries([...new Set([...PUSH_KINDS, ...Object.keys(kinds)])].map((kind) => [kind, kinds[kind] !== false]));
}

/**
 * TransactWriteItems: Put of the whole preferences item (kinds not named keep their value) +
 * the acting-user check, like every write of the account: a Put decided before the account's
 * deletion was marked cannot land after its job swept the ACCOUNT# partition (it would greet the
 * next account of the name).
 */
export async function setPushPreferences(db: Db, username: string, changes: Record<string, boolean>): Promise<Record<string, boolean>> {
  const bad = Object.keys(changes).find((kind) => !KIND_NAME.test(kind));
  if (bad !== undefined) throw errors.validation(`"${bad.slice(0, 40)}" is not an activity kind.`, [{ path: '/kinds', message: 'kinds are lower-case names' }]);
  const current = await getPushPreferences(db, username);
  const kinds = { ...current, ...changes };
  if (Object.keys(kinds).length > MAX_KINDS) throw errors.validation(`At most ${MAX_KINDS} kinds.`, [{ path: '/kinds', message: 'too many kinds' }]);
  await transact(
    db,
    'setPushPreferences',
    [{ Put: { TableName: db.table, Item: PushPreferences.encode({ username, kinds, updatedAt: new Date().toISOString() }) } }, activeUserCheck(db, username)],
    (_failed, reasons) => inactiveUser(username, reasons[1]),
  );
  return kinds;
}

/** A kind is pushed unless its owner switched it off. */
export const kindEnabled = (kinds: Record<string, boolean>, kind: string): boolean => kinds[kind] !== false;

export interface PushSubject {
  recipient: string;
  actor: string;
  /** Main-table items the notification stands for (the follow, the request, the reaction...): all must still exist. */
  requires: ItemKey[];
  /** The photo it is about, if any. */
  photo?: { owner: string; timestamp: string } | undefined;
  /** It carries the actor's own text (a comment, a reply, a mention: `showsActorText`). */
  actorText?: boolean | undefined;
}

/**
 * Whether a notification may go out now (checked at send time, not when the activity was
 * written): the recipient is neither suspended nor departing (their sessions ended), what it tells of still exists, the actor and the photo's owner are neither gone nor
 * suspended, no block stands between the recipient and either, a private owner's photo is
 * told of only to its owner or a follower, and a private actor's text (`actorText`) only to a
 * follower of theirs, as the activity list shows them. One BatchGetItem.
 */
export async function pushAllowed(db: Db, subject: PushSubject): Promise<boolean> {
  const { recipient, actor, photo } = subject;
  const owner = photo?.owner;
  // The recipient's own item too: a suspended or departing account's sessions ended with it, and nothing is sent to them.
  const extra = uniqueKeys([...subject.requires, keys.user(recipient), keys.user(actor), ...(photo && owner ? [keys.user(owner), keys.photo(owner, photo.timestamp)] : [])]);
  const state = await viewerState(db, recipient, owner ? [actor, owner] : [actor], [], extra, { blocks: true });
  const found = new Set(state.extra.map(keyString));
  const has = (key: ItemKey) => found.has(keyString(key));
  if (!extra.every(has) || state.blocked(actor)) return false;
  const profile = (name: string) => state.extra.find((item) => item.PK === keys.user(name).PK && item.SK === keys.user(name).SK);
  const recipientItem = profile(recipient);
  if (!recipientItem || !listable(recipientItem)) return false;
  const actorItem = profile(actor);
  if (!actorItem || !listable(actorItem)) return false;
  if (subject.actorText === true && actorItem.private === true && actor !== recipient && !state.follows(actor)) return false;
  if (owner && owner !== recipient) {
    const ownerItem = profile(owner);
    if (!ownerItem || !listable(ownerItem) || state.blocked(owner)) return false;
    if (ownerItem.private === true && !state.follows(owner)) return false;
  }
  return true;
}
