/**
 * Upload bookkeeping (src/patterns/quota.ts, upload-slots.ts) and idempotency keys (src/patterns/idempotency.ts):
 * items in partitions of their own, read back only by the code that writes them.
 */
import { Type } from 'typebox';
import { defineEntity, type EntityType } from '../entity.js';
import { keys } from '../keys.js';

/** A direct-upload slot; `expiresAt` (epoch seconds) is also the table's TTL attribute. */
export const UploadSlot = defineEntity({
  name: 'UploadSlot',
  kind: 'uploadSlot',
  attributes: {
    uploadId: Type.String(),
    username: Type.String(),
    /** The blob key the client's bytes go to. */
    key: Type.String(),
    contentLength: Type.Integer(),
    contentType: Type.String(),
    expiresAt: Type.Number(),
    /** Set once the slot became a photo: the photo's timestamp. */
    photoTimestamp: Type.Optional(Type.String()),
    /** Its contentLength is reserved in the storage-use item (absent on slots issued before reservations). */
    reserved: Type.Optional(Type.Boolean()),
    /** A resumable upload: the blob store's multipart id and the part size. */
    partsId: Type.Optional(Type.String()),
    partSize: Type.Optional(Type.Integer()),
  },
  key: (slot) => keys.uploadSlot(slot.uploadId),
});
export type UploadSlot = EntityType<typeof UploadSlot>;

/**
 * A user's stored and reserved bytes, and the reservations of open slots
 * (`<uploadId>:<expiresAt>:<bytes>`, a string set: read with media.ts `reservations`).
 */
export const StorageUse = defineEntity({
  name: 'StorageUse',
  kind: 'storageUse',
  attributes: { bytes: Type.Optional(Type.Number()), openSlots: Type.Optional(Type.Unknown()) },
  keyParts: { username: Type.String() },
  key: (use) => keys.storageUse(use.username),
});
export type StorageUse = EntityType<typeof StorageUse>;

/** Uploads started, comments posted (COMMENTS_PER_HOUR) and reports filed (REPORTS_PER_HOUR) in one UTC hour (`yyyy-mm-ddThh`). */
export const HourlyUploads = defineEntity({
  name: 'HourlyUploads',
  kind: 'hourlyUploads',
  attributes: { uploads: Type.Optional(Type.Integer()), comments: Type.Optional(Type.Integer()), reports: Type.Optional(Type.Integer()), expiresAt: Type.Number() },
  keyParts: { username: Type.String(), hour: Type.String() },
  key: (h) => keys.hourlyUploads(h.username, h.hour),
});
export type HourlyUploads = EntityType<typeof HourlyUploads>;

/** One Idempotency-Key of a POST: pending while its first attempt runs, then its answer. */
export const IdempotencyKey = defineEntity({
  name: 'IdempotencyKey',
  kind: 'idempotency',
  attributes: {
    state: Type.Union([Type.Literal('pending'), Type.Literal('done')]),
    fingerprint: Type.String(),
    claimId: Type.String(),
    /** Epoch ms: a pending claim older than this is taken over. */
    leaseUntil: Type.Optional(Type.Number()),
    expiresAt: Type.Number(),
    status: Type.Optional(Type.Integer()),
    answer: Type.Optional(Type.String()),
  },
  keyParts: { username: Type.String(), scope: Type.String(), digest: Type.String() },
  key: (k) => keys.idempotency(k.username, k.scope, k.digest),
});
export type IdempotencyKey = EntityType<typeof IdempotencyKey>;
