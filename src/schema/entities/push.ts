/**
 * Push notifications (src/push/, src/patterns/push.ts, src/derived/views/push.ts): the devices
 * an account registered and its per-kind preferences, in its private ACCOUNT# partition, and
 * the derived table's collapse items, one per burst of notifications to one recipient.
 */
import { Type } from 'typebox';
import { defineEntity, type EntityType } from '../entity.js';
import { derivedKeys, keys } from '../keys.js';

export const PushDeviceKind = Type.Union([Type.Literal('web'), Type.Literal('apns'), Type.Literal('fcm')]);

/**
 * One endpoint: a Web Push subscription (endpoint and its keys) or an APNs/FCM token. Bound to
 * the session that registered it: it is sent to only while that session lives.
 */
export const PushDevice = defineEntity({
  name: 'PushDevice',
  kind: 'pushDevice',
  attributes: {
    kind: PushDeviceKind,
    sessionId: Type.String(),
    createdAt: Type.String(),
    endpoint: Type.Optional(Type.String()),
    p256dh: Type.Optional(Type.String()),
    auth: Type.Optional(Type.String()),
    token: Type.Optional(Type.String()),
    device: Type.Optional(Type.String()),
  },
  keyParts: { username: Type.String(), deviceId: Type.String() },
  key: (d) => keys.pushDevice(d.username, d.deviceId),
});
export type PushDevice = EntityType<typeof PushDevice>;

/** Which activity kinds the account wants pushed: a kind not named is on. */
export const PushPreferences = defineEntity({
  name: 'PushPreferences',
  kind: 'pushPreferences',
  attributes: { kinds: Type.Record(Type.String(), Type.Boolean()), updatedAt: Type.String() },
  keyParts: { username: Type.String() },
  key: (p) => keys.pushPreferences(p.username),
});
export type PushPreferences = EntityType<typeof PushPreferences>;

/**
 * The one notification of a burst (same recipient, kind and subject within a window): the
 * first activity item claims it (`if_not_exists`); later ones are not sent. It is also the
 * delivery record: `sentTo` lists the devices already sent to, so a replay sends to no device twice.
 */
export const PushCollapse = defineEntity({
  name: 'PushCollapse',
  kind: 'pushCollapse',
  attributes: {
    first: Type.String(),
    sentTo: Type.Optional(Type.Array(Type.String())),
    expiresAt: Type.Number(),
  },
  keyParts: { recipient: Type.String(), kind: Type.String(), subject: Type.String(), window: Type.String() },
  key: (c) => derivedKeys.pushCollapse(c.recipient, c.kind, c.subject, c.window),
});
export type PushCollapse = EntityType<typeof PushCollapse>;
