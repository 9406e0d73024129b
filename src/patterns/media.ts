/**
 * Access patterns of the media pipeline: photos with processed images (under a per-user
 * storage quota and hourly upload bound), avatars, and direct-upload slots.
 *
 * Storage use and hourly counts live in `USAGE#<u>` partitions and slots in `UPLOAD#<id>`
 * partitions (src/schema/keys.ts): no lab query's key range covers either.
 */
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError, errors } from '../errors.js';
import { assertUsername, CAPTION_MAX, type Photo, type StoredImage } from '../schema/entities.js';
import { decodeUser, encodePhoto, type RawItem } from '../schema/items.js';
import { keys } from '../schema/keys.js';
import { nextTimestamp, uniqueTimestamp } from '../schema/timestamps.js';
import { batchGet, call, isConditionFailure, RETRY, transact, type Db } from './db.js';
import { ACTIVE_USER, activeFor, activeUserCheck, inactiveUser } from './guards.js';
import { emptyReactions } from './photos.js';

export interface Quota {
  /** Stored bytes per user. */
  bytes: number;
  uploadsPerHour: number;
}

export const quotaErrors = {
  storage: (quota: number) =>
    new DomainError('forbidden', 'STORAGE_QUOTA_EXCEEDED', `This upload would take your stored images past your quota of ${quota} bytes; delete some photos first.`),
  hourly: (max: number) => new DomainError('busy', 'UPLOAD_RATE_EXCEEDED', `At most ${max} uploads per hour; retry later.`),
  uploadNotFound: () => new DomainError('not_found', 'UPLOAD_NOT_FOUND', 'No such upload slot: it expired, was already used, or belongs to someone else.'),
};

/** The hour bucket of the hourly upload count (UTC), and when its item may expire. */
function hourBucket(now = new Date()): { hour: string; expiresAt: number } {
  return { hour: now.toISOString().slice(0, 13), expiresAt: Math.ceil(now.getTime() / 1000) + 2 * 3600 };
}

export function assertCaption(caption: unknown): string | undefined {
  if (caption === undefined || caption === '') return undefined;
  if (typeof caption !== 'string' || caption.length > CAPTION_MAX) {
    throw errors.validation(`caption must be a string of at most ${CAPTION_MAX} characters.`, [{ path: '/caption', message: `at most ${CAPTION_MAX} characters` }]);
  }
  return caption;
}

/**
 * Early refusal before any byte is read: BatchGetItem of the user's storage use and this
 * hour's count (1 request). The write below re-checks both in its transaction, so two
 * concurrent uploads can never both slip past the bound.
 */
export async function assertUploadAllowed(db: Db, username: string, quota: Quota): Promise<void> {
  const { hour } = hourBucket();
  const use = keys.storageUse(username);
  const items = await batchGet(db, [use, keys.hourlyUploads(username, hour)]);
  const stored = items.find((i) => i.SK === use.SK);
  const hourly = items.find((i) => i.SK !== use.SK);
  if (typeof stored?.bytes === 'number' && stored.bytes >= quota.bytes) throw quotaErrors.storage(quota.bytes);
  if (typeof hourly?.uploads === 'number' && hourly.uploads >= quota.uploadsPerHour) throw quotaErrors.hourly(quota.uploadsPerHour);
}

export interface NewMediaPhoto {
  username: string;
  /** The full-size variant's URI: the lab's readers require `location`. */
  location: string;
  image: StoredImage;
  /** Bytes the image's files take (charged to the owner's quota). */
  bytes: number;
  caption?: string | undefined;
  /** A direct upload's slot, consumed by the same transaction (so a slot finalises once). */
  uploadId?: string | undefined;
}

const CREATE_ATTEMPTS = 5;

/**
 * TransactWriteItems: ConditionCheck that the owner is active (guards.ts); Put of the photo with
 * `attribute_not_exists(SK)`; Update `ADD bytes` on USAGE#u with `bytes <= quota - n`;
 * Update `ADD uploads 1` on this hour's item with `uploads < max`; and, for a direct upload,
 * Delete of its slot with `username = :u`. A sort-key collision moves the timestamp forward.
 */
export async function createPhotoWithImage(db: Db, input: NewMediaPhoto, quota: Quota): Promise<Photo> {
  assertUsername(input.username);
  const caption = assertCaption(input.caption);
  if (input.bytes > quota.bytes) throw quotaErrors.storage(quota.bytes);
  const { hour, expiresAt } = hourBucket();
  let timestamp = uniqueTimestamp();
  for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
    const photo: Photo = {
      username: input.username,
      timestamp,
      location: input.location,
      reactions: emptyReactions(),
      ...(caption ? { caption } : {}),
      variants: input.image.variants,
      placeholder: input.image.placeholder,
    };
    const slot = input.uploadId
      ? [
          {
            Delete: {
              TableName: db.table,
              Key: keys.uploadSlot(input.uploadId),
              ConditionExpression: 'username = :u',
              ExpressionAttributeValues: { ':u': input.username },
            },
          },
        ]
      : [];
    const applied = await transact(
      db,
      [
        activeUserCheck(db, input.username),
        { Put: { TableName: db.table, Item: encodePhoto(photo), ConditionExpression: 'attribute_not_exists(SK)' } },
        {
          Update: {
            TableName: db.table,
            Key: keys.storageUse(input.username),
            UpdateExpression: 'ADD #b :n',
            ConditionExpression: 'attribute_not_exists(#b) OR #b <= :room',
            ExpressionAttributeNames: { '#b': 'bytes' },
            ExpressionAttributeValues: { ':n': input.bytes, ':room': quota.bytes - input.bytes },
          },
        },
        {
          Update: {
            TableName: db.table,
            Key: keys.hourlyUploads(input.username, hour),
            UpdateExpression: 'ADD #c :one SET expiresAt = :exp',
            ConditionExpression: 'attribute_not_exists(#c) OR #c < :max',
            ExpressionAttributeNames: { '#c': 'uploads' },
            ExpressionAttributeValues: { ':one': 1, ':max': quota.uploadsPerHour, ':exp': expiresAt },
          },
        },
        ...slot,
      ],
      (failed, reasons) => {
        if (failed(0)) return inactiveUser(input.username, reasons[0]);
        if (failed(2)) return quotaErrors.storage(quota.bytes);
        if (failed(3)) return quotaErrors.hourly(quota.uploadsPerHour);
        if (failed(4)) return quotaErrors.uploadNotFound();
        return RETRY;
      },
    );
    if (applied) return photo;
    timestamp = nextTimestamp(timestamp);
  }
  throw errors.transactionConflict();
}

/** UpdateItem `ADD bytes -n` on USAGE#u, after a photo's files are gone (never below zero in practice: each photo is released once, by its deletion). */
export async function releaseStorage(db: Db, username: string, bytes: number): Promise<void> {
  if (bytes <= 0) return;
  await call(db, () =>
    db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.storageUse(username),
        UpdateExpression: 'ADD #b :n',
        ExpressionAttributeNames: { '#b': 'bytes' },
        ExpressionAttributeValues: { ':n': -bytes },
      }),
    ),
  );
}

/** Bytes a stored photo charges to its owner's quota. */
export const photoBytes = (photo: Photo): number => (photo.variants ?? []).reduce((sum, v) => sum + v.bytes, 0);

/**
 * UpdateItem on the user's avatar with the active-user condition (guards.ts), ReturnValues
 * ALL_OLD: the caller removes the previous avatar's files.
 */
async function replaceAvatar(db: Db, username: string, avatar: StoredImage | undefined): Promise<{ previous: StoredImage | undefined }> {
  assertUsername(username);
  try {
    const result = await call(db, () =>
      db.doc.send(
        new UpdateCommand(
          activeFor(username, {
            TableName: db.table,
            Key: keys.user(username),
            UpdateExpression: avatar ? 'SET avatar = :a' : 'REMOVE avatar',
            ConditionExpression: ACTIVE_USER,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
            ...(avatar ? { ExpressionAttributeValues: { ':a': avatar } } : {}),
            ReturnValues: 'ALL_OLD' as const,
          }),
        ),
      ),
    );
    return { previous: result.Attributes ? decodeUser(result.Attributes).avatar : undefined };
  } catch (error) {
    if (isConditionFailure(error)) throw inactiveUser(username, error as CancellationReason);
    throw error;
  }
}

/** UpdateItem `SET avatar = :a` (see replaceAvatar). */
export const setAvatar = (db: Db, username: string, avatar: StoredImage) => replaceAvatar(db, username, avatar);

/** UpdateItem `REMOVE avatar` (see replaceAvatar). */
export const clearAvatar = (db: Db, username: string) => replaceAvatar(db, username, undefined);

export interface UploadSlot {
  uploadId: string;
  username: string;
  /** The blob key the client's bytes go to. */
  key: string;
  contentLength: number;
  contentType: string;
  /** Epoch seconds; also the table's TTL attribute. */
  expiresAt: number;
}

/**
 * TransactWriteItems: ConditionCheck that the owner is active (guards.ts) + Put of the slot with
 * `attribute_not_exists(PK)`: an account being deleted or suspended gets no new slot.
 */
export async function createUploadSlot(db: Db, slot: UploadSlot): Promise<void> {
  await transact(
    db,
    [
      activeUserCheck(db, slot.username),
      { Put: { TableName: db.table, Item: { ...keys.uploadSlot(slot.uploadId), ...slot }, ConditionExpression: 'attribute_not_exists(PK)' } },
    ],
    // Upload ids are random (128 bits): only the account check can fail in practice.
    (failed, reasons) => (failed(0) ? inactiveUser(slot.username, reasons[0]) : errors.transactionConflict()),
  );
}

/** GetItem of the slot; UPLOAD_NOT_FOUND when absent, expired (TTL deletion lags) or someone else's. */
export async function getUploadSlot(db: Db, uploadId: string, username?: string): Promise<UploadSlot> {
  const result = await call(db, () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.uploadSlot(uploadId), ConsistentRead: true })));
  const item = result.Item as (RawItem & Partial<UploadSlot>) | undefined;
  if (!item || typeof item.username !== 'string' || (username !== undefined && item.username !== username) || typeof item.expiresAt !== 'number' || item.expiresAt * 1000 < Date.now()) throw quotaErrors.uploadNotFound();
  return {
    uploadId,
    username: item.username,
    key: String(item.key),
    contentLength: Number(item.contentLength),
    contentType: String(item.contentType),
    expiresAt: item.expiresAt,
  };
}

/** DeleteItem of the slot (a missing one is fine). */
export async function deleteUploadSlot(db: Db, uploadId: string): Promise<void> {
  await call(db, () => db.doc.send(new DeleteCommand({ TableName: db.table, Key: keys.uploadSlot(uploadId) })));
}

