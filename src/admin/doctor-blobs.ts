/**
 * The stored-files half of `quick-photos doctor`: files no item references (orphans: a crash
 * between storing variants and writing the item, a failed delete, unfinished direct uploads)
 * and items whose files are missing. Kept apart from the item audit in doctor.ts.
 *
 * Repairs: orphans (files no photo's variants or location, no avatar and no live upload slot
 * names) are deleted, only past a grace period, so an upload in flight is never touched; a photo missing files is rebuilt from its full-size variant when that survives,
 * or deleted with its reactions when nothing usable is left; a missing avatar is removed.
 */
import { imageFileKeys, PARTS_PREFIX, UPLOADS_PREFIX, type BlobStore } from '../blobs/index.js';
import { fullVariant, PHOTO_VARIANTS, processImage, storeImage } from '../media/index.js';
import { forEachImageHolder } from '../patterns/audit/index.js';
import { deletePhoto, dropBrokenAvatar, releaseStorage, replacePhotoImage, type Db } from '../patterns/index.js';
import { StoredImage, validator, type StoredVariant } from '../schema/entities.js';
import { classifyKey, type ItemKey } from '../schema/keys.js';
import type { RawItem } from '../schema/entity.js';
import { isDomainError } from '../errors.js';

export type BlobProblem =
  | { type: 'orphan-file'; key: string; size: number }
  | { type: 'missing-photo-files'; key: ItemKey; owner: string; timestamp: string; missing: string[]; variants: StoredVariant[] }
  /** `avatar`: the avatar as read; a new one set meanwhile is kept. */
  | { type: 'missing-avatar-files'; key: ItemKey; username: string; missing: string[]; avatar: StoredImage };

export interface BlobAuditReport {
  files: number;
  referenced: number;
  problems: BlobProblem[];
  fixed?: number;
}

export interface BlobAuditOptions {
  fix?: boolean;
  /** Files younger than this are never called orphans (an upload may be between its files and its item). */
  graceSeconds?: number;
  now?: number;
}

const imageCheck = validator(StoredImage);

export async function auditBlobs(db: Db, blobs: BlobStore, options: BlobAuditOptions = {}): Promise<BlobAuditReport> {
  const now = options.now ?? Date.now();
  const grace = (options.graceSeconds ?? 3600) * 1000;
  const referenced = new Set<string>();
  const liveParts: string[] = [];
  const owners: { key: ItemKey; kind: 'photo' | 'avatar'; image: StoredImage; owner: string; timestamp?: string }[] = [];
  const onItem = (item: RawItem) => {
    const key = { PK: String(item.PK), SK: String(item.SK) };
    const kind = classifyKey(key);
    // A photo's `location` may be a file of ours of its own (photos from before variants): live too.
    const located = kind.kind === 'photo' && typeof item.location === 'string' ? blobs.keyOf(item.location) : undefined;
    if (located !== undefined) referenced.add(located);
    if (kind.kind === 'photo' && Array.isArray(item.variants)) {
      const image = { variants: item.variants, placeholder: typeof item.placeholder === 'string' ? item.placeholder : '' };
      if (imageCheck.check(image)) owners.push({ key, kind: 'photo', image, owner: kind.username, timestamp: kind.timestamp });
    } else if (kind.kind === 'user' && imageCheck.check(item.avatar)) {
      owners.push({ key, kind: 'avatar', image: item.avatar, owner: kind.username });
    } else if (typeof item.key === 'string' && item.key.startsWith(UPLOADS_PREFIX)) {
      referenced.add(item.key); // a live direct-upload slot
      if (typeof item.partsId === 'string') liveParts.push(`${PARTS_PREFIX}${item.partsId}/`); // and its parts (local store)
    }
  };
  await forEachImageHolder(db, (items) => items.forEach(onItem));
  for (const o of owners) for (const k of imageFileKeys(o.image)) referenced.add(k);

  const stored = new Map<string, { size: number; lastModified: Date }>();
  for await (const blob of blobs.list('')) {
    // Temporary names of the local store's atomic writes are not files yet.
    if (!blob.key.endsWith('.partial')) stored.set(blob.key, blob);
  }

  const problems: BlobProblem[] = [];
  for (const [key, blob] of stored) {
    if (!referenced.has(key) && !liveParts.some((p) => key.startsWith(p)) && now - blob.lastModified.getTime() > grace) problems.push({ type: 'orphan-file', key, size: blob.size });
  }
  for (const o of owners) {
    const missing = imageFileKeys(o.image).filter((k) => !stored.has(k));
    if (missing.length === 0) continue;
    problems.push(
      o.kind === 'photo'
        ? { type: 'missing-photo-files', key: o.key, owner: o.owner, timestamp: o.timestamp!, missing, variants: o.image.variants }
        : { type: 'missing-avatar-files', key: o.key, username: o.owner, missing, avatar: o.image },
    );
  }
  const report: BlobAuditReport = { files: stored.size, referenced: referenced.size, problems };
  if (options.fix) {
    let fixed = 0;
    for (const problem of problems) if (await repairBlobProblem(db, blobs, problem)) fixed += 1;
    report.fixed = fixed;
  }
  return report;
}

async function readAll(blobs: BlobStore, key: string): Promise<Buffer | undefined> {
  const blob = await blobs.get(blobs.locationOf(key));
  if (!blob) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of blob.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Applies one repair; false when the item changed since the audit (a new avatar set meanwhile). */
export async function repairBlobProblem(db: Db, blobs: BlobStore, problem: BlobProblem): Promise<boolean> {
  if (problem.type === 'orphan-file') {
    await blobs.delete(blobs.locationOf(problem.key));
    return true;
  }
  if (problem.type === 'missing-avatar-files') {
    return dropBrokenAvatar(db, problem.username, problem.avatar);
  }
  const full = fullVariant({ variants: problem.variants, placeholder: '' });
  const source = problem.missing.includes(full.key) ? undefined : await readAll(blobs, full.key);
  if (!source) {
    // Nothing to rebuild from: the photo cannot be shown any more; remove it and its reactions.
    await deletePhoto(db, problem.owner, problem.timestamp);
    // As the owner's own delete does: the quota no longer carries it (its surviving files are orphans now).
    await releaseStorage(db, problem.owner, problem.variants.reduce((sum, v) => sum + v.bytes, 0));
    return true;
  }
  let processed;
  try {
    processed = await processImage(source, PHOTO_VARIANTS, { maxPixels: 50_000_000 });
  } catch (error) {
    // An image stored before today's bounds (a 40000x1 strip) is not rebuilt: left reported, not deleted.
    if (isDomainError(error)) return false;
    throw error;
  }
  const image = await storeImage(blobs, processed);
  // Conditional on the variants the audit saw: a concurrent change is never overwritten.
  return replacePhotoImage(db, problem.owner, problem.timestamp, problem.variants, image, blobs.locationOf(fullVariant(image).key));
}

export function describeBlobProblem(problem: BlobProblem): string {
  switch (problem.type) {
    case 'orphan-file':
      return `Stored file ${problem.key} (${problem.size} bytes) is referenced by no item.`;
    case 'missing-photo-files':
      return `Photo ${problem.timestamp} of ${problem.owner} is missing ${problem.missing.length} stored file(s): ${problem.missing.join(', ')}.`;
    case 'missing-avatar-files':
      return `The avatar of ${problem.username} is missing ${problem.missing.length} stored file(s).`;
  }
}
