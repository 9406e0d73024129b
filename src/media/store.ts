/** Processed images into the blob store, under keys that belong to one stored image. */
import { createHash, randomBytes } from 'node:crypto';
import { IMMUTABLE, type BlobStore } from '../blobs/index.js';
import type { StoredImage, StoredVariant } from '../schema/entities.js';
import type { ProcessedImage } from './process.js';

const EXTENSIONS = { webp: 'webp', jpeg: 'jpg' } as const;

/** A fresh id per stored image (128 random bits): no two images, whatever their bytes, share a key. */
export const newImageId = (): string => randomBytes(16).toString('hex');

/** Every key (and half-written temporary file) of one stored image starts with this. */
const imagePrefix = (imageId: string): string => `v/${imageId.slice(0, 2)}/${imageId}-`;

/**
 * `v/<id[0..2]>/<id>-<sha256(bytes)[0..16]>.<ext>`: the image id makes every file belong to one
 * photo or avatar, so deleting it can never take another's image; the hash only lets one
 * image's identical variants (a small picture's feed and full sizes) share a file. A key's
 * content never changes (so it is served `immutable`). No username appears in a key.
 */
export function variantKey(imageId: string, bytes: Buffer, format: keyof typeof EXTENSIONS): string {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return `${imagePrefix(imageId)}${hash}.${EXTENSIONS[format]}`;
}

/** Removes whatever files of one image exist: the cleanup when its writer died part-way (src/media/isolated.ts). */
export async function removeImage(blobs: BlobStore, imageId: string): Promise<void> {
  const keys: string[] = [];
  for await (const blob of blobs.list(imagePrefix(imageId))) keys.push(blob.key);
  await Promise.all(keys.map((key) => blobs.delete(blobs.locationOf(key))));
}

/** Writes every variant; on any failure removes those already written and rethrows. */
export async function storeImage(blobs: BlobStore, image: ProcessedImage, imageId = newImageId()): Promise<StoredImage> {
  const variants: StoredVariant[] = image.variants.map((v) => ({
    name: v.name,
    format: v.format,
    width: v.width,
    height: v.height,
    key: variantKey(imageId, v.bytes, v.format),
    bytes: v.bytes.length,
  }));
  // One put per distinct key: two puts of one key at once could race on the local store's rename.
  const distinct = new Map(image.variants.map((v, i) => [variants[i]!.key, v]));
  const results = await Promise.allSettled([...distinct].map(([key, v]) => blobs.put(key, v.bytes, v.contentType, { cacheControl: IMMUTABLE })));
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
