/**
 * Direct-upload slots (`UPLOAD#<id>`): issued with their declared size reserved against the
 * owner's quota (quota.ts), completed into a photo once (media.ts), abandoned or swept with their
 * reservation released.
 */
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import type { RawItem } from '../schema/entity.js';
import { keys } from '../schema/keys.js';
import { batchGet, call, conditional, transact, type Db } from './db.js';
import { activeUserCheck, inactiveUser } from './guards.js';
import { quotaErrors, releaseReservations, reservationEntry, reservations, type Quota } from './quota.js';

export interface UploadSlot {
  uploadId: string;
  username: string;
  /** The blob key the client's bytes go to. */
  key: string;
  contentLength: number;
  contentType: string;
  /** Epoch seconds; also the table's TTL attribute. */
  expiresAt: number;
  /** Set once the slot became a photo (createPhotoWithImage): the photo's timestamp. */
  photoTimestamp?: string | undefined;
  /** Its contentLength is reserved in USAGE#u (false only for slots issued before reservations). */
  reserved?: boolean;
  /** A resumable upload: the blob store's multipart id (its parts become `key` on completion) and the part size. */
  partsId?: string | undefined;
  partSize?: number | undefined;
}

/** A resumable upload's slot (one with parts). */
export type ResumableSlot = UploadSlot & { partsId: string; partSize: number };

export const isResumable = (slot: UploadSlot): slot is ResumableSlot => typeof slot.partsId === 'string' && typeof slot.partSize === 'number';

function decodeSlot(uploadId: string, item: RawItem & Partial<UploadSlot>): UploadSlot {
  return {
    uploadId,
    username: String(item.username),
    key: String(item.key),
    contentLength: Number(item.contentLength),
    contentType: String(item.contentType),
    expiresAt: Number(item.expiresAt),
    ...(typeof item.photoTimestamp === 'string' ? { photoTimestamp: item.photoTimestamp } : {}),
    reserved: item.reserved === true,
    ...(typeof item.partsId === 'string' && typeof item.partSize === 'number' ? { partsId: item.partsId, partSize: item.partSize } : {}),
  };
}

/**
 * TransactWriteItems: ConditionCheck that the owner is active (guards.ts) + Put of the slot with
 * `attribute_not_exists(PK)` + Update of USAGE#u `ADD bytes :n, openSlots :entry` with
 * `bytes <= quota - n` and fewer than `quota.openSlots` open slots: an account being deleted or
 * suspended gets no new slot, and a slot's bytes are counted before any is sent.
 */
export async function createUploadSlot(db: Db, input: Omit<UploadSlot, 'reserved'>, quota: Quota): Promise<void> {
  const slot: UploadSlot = { ...input, reserved: true };
  await transact(
    db,
    'createUploadSlot',
    [
      activeUserCheck(db, slot.username),
      { Put: { TableName: db.table, Item: { ...keys.uploadSlot(slot.uploadId), ...slot }, ConditionExpression: 'attribute_not_exists(PK)' } },
      {
        Update: {
          TableName: db.table,
          Key: keys.storageUse(slot.username),
          UpdateExpression: 'ADD #b :n, #o :set',
          ConditionExpression: '(attribute_not_exists(#b) OR #b <= :room) AND (attribute_not_exists(#o) OR size(#o) < :open)',
          ExpressionAttributeNames: { '#b': 'bytes', '#o': 'openSlots' },
          ExpressionAttributeValues: { ':n': slot.contentLength, ':room': quota.bytes - slot.contentLength, ':set': new Set([reservationEntry(slot)]), ':open': quota.openSlots },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ],
    // Upload ids are random (128 bits): the account check or the quota can fail in practice.
    (failed, reasons) => {
      if (failed(0)) return inactiveUser(slot.username, reasons[0]);
      if (failed(2)) return reservations(reasons[2]?.Item).length >= quota.openSlots ? quotaErrors.openSlots(quota.openSlots) : quotaErrors.storage(quota.bytes);
      return errors.transactionConflict();
    },
  );
}

/**
 * Gives up a slot whose bytes will never become a photo: releases its reservation (once:
 * conditioned on its entry, a no-op when already released), then DeleteItem of the slot.
 */
export async function abandonUploadSlot(db: Db, slot: UploadSlot): Promise<void> {
  if (slot.reserved) await releaseReservations(db, slot.username, [{ entry: reservationEntry(slot), uploadId: slot.uploadId, expiresAt: slot.expiresAt, bytes: slot.contentLength }]);
  await deleteUploadSlot(db, slot.uploadId);
}

/** GetItem of the slot; UPLOAD_NOT_FOUND when absent, expired (TTL deletion lags) or someone else's. */
export async function getUploadSlot(db: Db, uploadId: string, username?: string): Promise<UploadSlot> {
  const result = await call(db, 'getUploadSlot', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.uploadSlot(uploadId), ConsistentRead: true })));
  const item = result.Item as (RawItem & Partial<UploadSlot>) | undefined;
  if (!item || typeof item.username !== 'string' || (username !== undefined && item.username !== username) || typeof item.expiresAt !== 'number' || item.expiresAt * 1000 < Date.now()) throw quotaErrors.uploadNotFound();
  return decodeSlot(uploadId, item);
}

/**
 * The slots of a user's reservations, expired or not (account deletion discards their files):
 * GetItem of USAGE#u, then BatchGetItem of the slots it names (at most UPLOAD_SLOTS_PER_USER).
 */
export async function openUploads(db: Db, username: string): Promise<UploadSlot[]> {
  const use = await call(db, 'openUploads', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.storageUse(username), ConsistentRead: true })));
  const ids = reservations(use.Item as RawItem | undefined).map((r) => r.uploadId);
  if (ids.length === 0) return [];
  const items = await batchGet(db, 'openUploads', ids.map((id) => keys.uploadSlot(id)), { consistent: true });
  return items.flatMap((item) => {
    const slot = item as RawItem & Partial<UploadSlot>;
    return typeof slot.uploadId === 'string' && slot.username === username ? [decodeSlot(slot.uploadId, slot)] : [];
  });
}

/** The photo timestamp of a completed slot (GetItem, consistent); undefined while it is not completed. */
export async function completedUpload(db: Db, uploadId: string, username: string): Promise<string | undefined> {
  return (await getUploadSlot(db, uploadId, username)).photoTimestamp;
}

/** DeleteItem of an uncompleted slot (a missing one is fine; a completed one stays, still naming its photo). */
export async function deleteUploadSlot(db: Db, uploadId: string): Promise<void> {
  await conditional(db, 'deleteUploadSlot', () =>
    db.doc.send(new DeleteCommand({ TableName: db.table, Key: keys.uploadSlot(uploadId), ConditionExpression: 'attribute_not_exists(photoTimestamp)' })),
  );
}
