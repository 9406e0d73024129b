/**
 * Access patterns of the media pipeline: photos with processed images (charged to the owner's
 * quota, quota.ts, in the same transaction that completes a direct upload's slot,
 * upload-slots.ts), avatars, and doctor's repairs of both.
 */
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { assertCaptionText, assertUsername, type StoredImage } from '../schema/entities.js';
import { Photo, User } from '../schema/entities/index.js';
import { keys } from '../schema/keys.js';
import { nextTimestamp, uniqueTimestamp } from '../schema/timestamps.js';
import { call, isConditionFailure, RETRY, transact, type Db } from './db.js';
import { ACTIVE_USER, activeFor, activeUserCheck, inactiveUser } from './guards.js';
import { markSessionChecked } from './acting.js';
import { emptyReactions } from './photos.js';
import { updateIfUnchanged } from './repair.js';
import { hourlyBound } from './hourly.js';
import { quotaErrors, reservationEntry, reservations, type Quota } from './quota.js';
import type { UploadSlot } from './upload-slots.js';

export function assertCaption(caption: unknown): string | undefined {
  if (caption === undefined || caption === '') return undefined;
  return assertCaptionText(caption);
}

export interface NewMediaPhoto {
  username: string;
  /** The full-size variant's URI: the lab's readers require `location`. */
  location: string;
  image: StoredImage;
  /** Bytes the image's files take (charged to the owner's quota). */
  bytes: number;
  caption?: string | undefined;
  /** A direct upload's slot, marked completed by the same transaction (so a slot finalises once). */
  uploadId?: string | undefined;
  /** That slot as read: its reservation is settled by the same transaction. */
  slot?: UploadSlot | undefined;
}

/** How long a completed slot still answers a repeated complete with its photo (a phone retrying after a lost answer). */
export const COMPLETED_SLOT_SECONDS = 3600;

const CREATE_ATTEMPTS = 5;

/**
 * TransactWriteItems: ConditionCheck that the owner is active (guards.ts); Put of the photo with
 * `attribute_not_exists(SK)`; Update `ADD bytes` on USAGE#u with `bytes <= quota - n` (for a
 * reserved slot: `ADD bytes (n - reserved) DELETE openSlots` with `contains(openSlots, entry)`);
 * Update `ADD uploads 1` on this hour's item with `uploads < max`; and, for a direct upload,
 * Update of its slot `SET photoTimestamp, expiresAt` with `username = :u AND
 * attribute_not_exists(photoTimestamp)`: the slot then names its photo, so a repeated or
 * concurrent complete answers that photo instead of making a second one (completedUpload).
 * A sort-key collision moves the timestamp forward.
 */
export async function createPhotoWithImage(db: Db, input: NewMediaPhoto, quota: Quota): Promise<Photo> {
  assertUsername(input.username);
  const caption = assertCaption(input.caption);
  if (input.bytes > quota.bytes) throw quotaErrors.storage(quota.bytes);
  // A slot issued with a reservation settles it here: only the difference is charged, once.
  const reserved = input.slot?.reserved ? input.slot : undefined;
  const charge = input.bytes - (reserved?.contentLength ?? 0);
  const settle: { update: string; condition: string; names: Record<string, string>; values: Record<string, unknown> } = reserved
    ? { update: 'ADD #b :n DELETE #o :set', condition: 'contains(#o, :entry) AND #b <= :room', names: { '#o': 'openSlots' }, values: { ':set': new Set([reservationEntry(reserved)]), ':entry': reservationEntry(reserved) } }
    : { update: 'ADD #b :n', condition: 'attribute_not_exists(#b) OR #b <= :room', names: {}, values: {} };
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
            Update: {
              TableName: db.table,
              Key: keys.uploadSlot(input.uploadId),
              UpdateExpression: 'SET photoTimestamp = :ts, expiresAt = :keep',
              ConditionExpression: 'username = :u AND attribute_not_exists(photoTimestamp)',
              ExpressionAttributeValues: { ':u': input.username, ':ts': timestamp, ':keep': Math.ceil(Date.now() / 1000) + COMPLETED_SLOT_SECONDS },
            },
          },
        ]
      : [];
    const applied = await transact(
      db,
      'createPhotoWithImage',
      [
        activeUserCheck(db, input.username),
        { Put: { TableName: db.table, Item: Photo.encode(photo), ConditionExpression: 'attribute_not_exists(SK)' } },
        {
          Update: {
            TableName: db.table,
            Key: keys.storageUse(input.username),
            UpdateExpression: settle.update,
            ConditionExpression: settle.condition,
            ExpressionAttributeNames: { '#b': 'bytes', ...settle.names },
            ExpressionAttributeValues: { ':n': charge, ':room': quota.bytes - charge, ...settle.values },
            ...(reserved ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
          },
        },
        ...hourlyBound(db, input.username, 'uploads', quota.uploadsPerHour),
        ...slot,
      ],
      (failed, reasons) => {
        if (failed(0)) return inactiveUser(input.username, reasons[0]);
        // A slot already completed comes first: the quota the winner just took is not this one's failure.
        if (failed(4)) return quotaErrors.uploadNotFound();
        if (failed(2)) {
          // The reservation gone: released after expiry (or settled by a concurrent complete).
          if (reserved && !reservations(reasons[2]?.Item).some((r) => r.uploadId === reserved.uploadId)) return quotaErrors.uploadNotFound();
          return quotaErrors.storage(quota.bytes);
        }
        if (failed(3)) return quotaErrors.hourly(quota.uploadsPerHour);
        return RETRY;
      },
    );
    if (applied) return photo;
    timestamp = nextTimestamp(timestamp);
  }
  throw errors.transactionConflict();
}

/**
 * UpdateItem on the user's avatar with the active-user condition (guards.ts), ReturnValues
 * ALL_OLD: the caller removes the previous avatar's files.
 */
async function replaceAvatar(db: Db, username: string, avatar: StoredImage | undefined): Promise<{ previous: StoredImage | undefined }> {
  assertUsername(username);
  try {
    const result = await call(db, 'replaceAvatar', () =>
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
    markSessionChecked(username);
    return { previous: result.Attributes ? User.decode(result.Attributes).avatar : undefined };
  } catch (error) {
    if (isConditionFailure(error)) throw inactiveUser(username, error as CancellationReason);
    throw error;
  }
}

/** UpdateItem `SET avatar = :a` (see replaceAvatar). */
export const setAvatar = (db: Db, username: string, avatar: StoredImage) => replaceAvatar(db, username, avatar);

/** UpdateItem `REMOVE avatar` (see replaceAvatar). */
export const clearAvatar = (db: Db, username: string) => replaceAvatar(db, username, undefined);

/** Doctor's repair of an avatar whose files are gone: removed, unless another was set since the audit read `seen`. */
export function dropBrokenAvatar(db: Db, username: string, seen: StoredImage): Promise<boolean> {
  return updateIfUnchanged(db, keys.user(username), 'avatar', seen, { expression: 'REMOVE avatar' });
}

/**
 * Doctor's repair of a photo whose files were rebuilt from its full-size variant: its image
 * and location replaced, unless its variants changed since the audit read `seen`.
 */
export function replacePhotoImage(db: Db, owner: string, timestamp: string, seen: StoredImage['variants'], image: StoredImage, location: string): Promise<boolean> {
  return updateIfUnchanged(db, keys.photo(owner, timestamp), 'variants', seen, {
    expression: 'SET variants = :v, placeholder = :p, #loc = :l',
    names: { '#loc': 'location' },
    values: { ':v': image.variants, ':p': image.placeholder, ':l': location },
  });
}
