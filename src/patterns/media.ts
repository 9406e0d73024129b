/**
 * Access patterns of the media pipeline: photos with processed images (under a per-user
 * storage quota and hourly upload bound), avatars, and direct-upload slots.
 *
 * Storage use and hourly counts live in `USAGE#<u>` partitions and slots in `UPLOAD#<id>`
 * partitions (src/schema/keys.ts): no lab query's key range covers either.
 *
 * A direct-upload slot reserves its declared size when it is issued: `bytes` on USAGE#u counts
 * stored AND reserved bytes (so every quota condition sees both), and the string set
 * `openSlots` names each reservation (`<uploadId>:<expiresAt>:<bytes>`). A reservation leaves the
 * set exactly once, by a write conditioned on `contains(openSlots, entry)`: settled by the
 * slot's photo (the difference to the stored size is charged), or released (its bytes given
 * back) when the slot is abandoned or `reservationGraceSeconds` past its expiry.
 */
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError, errors } from '../errors.js';
import { assertCaptionText, assertUsername, type StoredImage } from '../schema/entities.js';
import type { RawItem } from '../schema/entity.js';
import { Photo, User } from '../schema/entities/index.js';
import { keys } from '../schema/keys.js';
import { nextTimestamp, uniqueTimestamp } from '../schema/timestamps.js';
import { batchGet, call, conditional, isConditionFailure, RETRY, transact, type Db } from './db.js';
import { ACTIVE_USER, activeFor, activeUserCheck, inactiveUser } from './guards.js';
import { markSessionChecked } from './acting.js';
import { emptyReactions } from './photos.js';
import { updateIfUnchanged } from './repair.js';
import { hourBucket, hourlyBound } from './hourly.js';

export interface Quota {
  /** Stored and reserved bytes per user. */
  bytes: number;
  uploadsPerHour: number;
  /** Unfinished direct-upload slots per user (each holds a reservation). */
  openSlots: number;
}

export const quotaErrors = {
  storage: (quota: number) =>
    new DomainError('forbidden', 'STORAGE_QUOTA_EXCEEDED', `This upload would take your stored images past your quota of ${quota} bytes; delete some photos first.`),
  hourly: (max: number) => new DomainError('busy', 'UPLOAD_RATE_EXCEEDED', `At most ${max} uploads per hour; retry later.`),
  uploadNotFound: () => new DomainError('not_found', 'UPLOAD_NOT_FOUND', 'No such upload slot: it expired, was already used, or belongs to someone else.'),
  openSlots: (max: number) => new DomainError('busy', 'UPLOAD_SLOTS_EXCEEDED', `At most ${max} unfinished direct uploads per user; complete one or let it expire.`),
};

/**
 * How long after its slot's expiry a reservation is released: a PUT or completion that began
 * before expiry may still be running. Also the raw file's sweep age (sweepStaleUploads).
 */
export const reservationGraceSeconds = (slotTtlSeconds: number): number => slotTtlSeconds;

/** A slot's member of the `openSlots` set. */
export const reservationEntry = (slot: Pick<UploadSlot, 'uploadId' | 'expiresAt' | 'contentLength'>): string => `${slot.uploadId}:${slot.expiresAt}:${slot.contentLength}`;

interface Reservation {
  entry: string;
  uploadId: string;
  expiresAt: number;
  bytes: number;
}

/** The reservations of a USAGE#u item, as read (a Set) or as a cancellation reason returns it (`{ SS: [...] }`). */
export function reservations(item: RawItem | undefined): Reservation[] {
  const set = item?.openSlots;
  const raw = (set as { SS?: unknown } | undefined)?.SS;
  const entries: unknown[] = set instanceof Set ? [...(set as Set<unknown>)] : Array.isArray(raw) ? raw : [];
  return entries.flatMap((entry) => {
    const [uploadId, expiresAt, bytes] = String(entry).split(':');
    const parsed = { entry: String(entry), uploadId: uploadId ?? '', expiresAt: Number(expiresAt), bytes: Number(bytes) };
    return Number.isFinite(parsed.expiresAt) && Number.isInteger(parsed.bytes) && parsed.bytes >= 0 ? [parsed] : [];
  });
}

/**
 * UpdateItem on USAGE#u: `ADD bytes -n DELETE openSlots :these`, conditioned on every entry
 * still being there (each reservation is released once: a concurrent settle or release makes
 * the condition fail). On such a failure, one conditional UpdateItem per entry. Returns the
 * upload ids released here.
 */
async function releaseReservations(db: Db, username: string, found: Reservation[]): Promise<string[]> {
  const release = async (these: Reservation[]): Promise<boolean> => {
    const values: Record<string, unknown> = { ':n': -these.reduce((sum, r) => sum + r.bytes, 0), ':set': new Set(these.map((r) => r.entry)) };
    these.forEach((r, i) => (values[`:e${i}`] = r.entry));
    return conditional(db, 'releaseReservations', () =>
      db.doc.send(
        new UpdateCommand({
          TableName: db.table,
          Key: keys.storageUse(username),
          UpdateExpression: 'ADD #b :n DELETE #o :set',
          ConditionExpression: these.map((_r, i) => `contains(#o, :e${i})`).join(' AND '),
          ExpressionAttributeNames: { '#b': 'bytes', '#o': 'openSlots' },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  };
  if (found.length === 0) return [];
  if (await release(found)) return found.map((r) => r.uploadId);
  if (found.length === 1) return [];
  const released: string[] = [];
  for (const r of found) if (await release([r])) released.push(r.uploadId);
  return released;
}

export function assertCaption(caption: unknown): string | undefined {
  if (caption === undefined || caption === '') return undefined;
  return assertCaptionText(caption);
}

/**
 * Early refusal before any byte is read: BatchGetItem of the user's storage use and this
 * hour's count (1 request). The write below re-checks both in its transaction, so two
 * concurrent uploads can never both slip past the bound. Reservations past their slot's expiry
 * and `graceSeconds` are released first (one more UpdateItem, only when there are such);
 * returns their upload ids, whose raw files the caller may delete.
 */
export async function assertUploadAllowed(db: Db, username: string, quota: Quota, graceSeconds = 0): Promise<string[]> {
  const { hour } = hourBucket();
  const use = keys.storageUse(username);
  const items = await batchGet(db, 'assertUploadAllowed', [use, keys.hourlyUploads(username, hour)]);
  const stored = items.find((i) => i.SK === use.SK);
  const hourly = items.find((i) => i.SK !== use.SK);
  const now = Date.now() / 1000;
  const stale = reservations(stored).filter((r) => r.expiresAt + graceSeconds < now);
  const released = await releaseReservations(db, username, stale);
  const freed = stale.filter((r) => released.includes(r.uploadId)).reduce((sum, r) => sum + r.bytes, 0);
  if (typeof stored?.bytes === 'number' && stored.bytes - freed >= quota.bytes) throw quotaErrors.storage(quota.bytes);
  if (typeof hourly?.uploads === 'number' && hourly.uploads >= quota.uploadsPerHour) throw quotaErrors.hourly(quota.uploadsPerHour);
  return released;
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

/** UpdateItem `ADD bytes -n` on USAGE#u, after a photo's files are gone (never below zero in practice: each photo is released once, by its deletion). */
export async function releaseStorage(db: Db, username: string, bytes: number): Promise<void> {
  if (bytes <= 0) return;
  await call(db, 'releaseStorage', () =>
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
