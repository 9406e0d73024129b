/**
 * Each user's storage quota and hourly upload bound, and the reservations of direct uploads.
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
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../errors.js';
import type { RawItem } from '../schema/entity.js';
import type { Photo } from '../schema/entities/index.js';
import { keys } from '../schema/keys.js';
import { batchGet, call, conditional, type Db } from './db.js';
import { hourBucket } from './hourly.js';

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
export const reservationEntry = (slot: { uploadId: string; expiresAt: number; contentLength: number }): string => `${slot.uploadId}:${slot.expiresAt}:${slot.contentLength}`;

export interface Reservation {
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
export async function releaseReservations(db: Db, username: string, found: Reservation[]): Promise<string[]> {
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
