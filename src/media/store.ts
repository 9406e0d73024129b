/** Processed images into the blob store, under content-addressed keys. */
import { createHash } from 'node:crypto';
import { IMMUTABLE, type BlobStore } from '../blobs/index.js';
import type { StoredImage, StoredVariant } from '../schema/entities.js';
import type { ProcessedImage } from './process.js';

const EXTENSIONS = { webp: 'webp', jpeg: 'jpg' } as const;

/**
 * `v/<sha256>.<ext>`, the hash over the owner and the bytes: a key's content never changes
 * (so it is served `immutable`), and two users' identical images never share a file that one
 * of them could delete. No username appears in a key, so any valid username is a valid key.
 */
export function variantKey(owner: string, bytes: Buffer, format: keyof typeof EXTENSIONS): string {
  const hash = createHash('sha256').update(owner).update('\0').update(bytes).digest('hex');
  return `v/${hash.slice(0, 2)}/${hash}.${EXTENSIONS[format]}`;
}

/** Writes every variant; on any failure removes those already written and rethrows. */
export async function storeImage(blobs: BlobStore, owner: string, image: ProcessedImage): Promise<StoredImage> {
  const variants: StoredVariant[] = image.variants.map((v) => ({
    name: v.name,
    format: v.format,
    width: v.width,
    height: v.height,
    key: variantKey(owner, v.bytes, v.format),
    bytes: v.bytes.length,
  }));
  const results = await Promise.allSettled(image.variants.map((v, i) => blobs.put(variants[i]!.key, v.bytes, v.contentType, { cacheControl: IMMUTABLE })));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(variants.map((v) => blobs.delete(blobs.locationOf(v.key)).catch(() => undefined)));
    throw failed.reason;
  }
  return { variants, placeholder: image.placeholder };
}

/** The variant the lab's `location` points at: the largest WebP. */
export function fullVariant(image: StoredImage): StoredVariant {
  const webp = image.variants.filter((v) => v.format === 'webp');
  return (webp.length > 0 ? webp : image.variants).reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
}

export const storedBytes = (image: StoredImage): number => image.variants.reduce((sum, v) => sum + v.bytes, 0);
