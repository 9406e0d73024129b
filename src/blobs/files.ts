/** Which stored files belong to a photo or a user, and removing them. */
import type { StoredImage } from '../schema/entities.js';
import type { Photo, User } from '../schema/entities/index.js';
import type { BlobStore } from './store.js';

/** Every blob key of a photo: its variants, and its `location` when that is an older single file of ours. */
export function photoFileKeys(blobs: BlobStore, photo: Pick<Photo, 'location' | 'variants'>): string[] {
  const keys = new Set((photo.variants ?? []).map((v) => v.key));
  const original = blobs.keyOf(photo.location);
  if (original !== undefined) keys.add(original);
  return [...keys];
}

export const imageFileKeys = (image: StoredImage | undefined): string[] => (image ? image.variants.map((v) => v.key) : []);

export const userFileKeys = (user: Pick<User, 'avatar'>): string[] => imageFileKeys(user.avatar);

/**
 * Keys of the former scheme, `v/<xx>/<sha256 of owner and bytes>.<ext>`: two photos of one owner
 * with the same bytes shared such a file. Deleting one photo must not take the other's image,
 * so these are never deleted with an item; `doctor --fix` removes them once nothing references them.
 */
const SHARED_LEGACY_KEY = /^v\/[0-9a-f]{2}\/[0-9a-f]{64}\.[a-z]+$/;

export const isSharedLegacyKey = (key: string): boolean => SHARED_LEGACY_KEY.test(key);

async function deleteKeys(blobs: BlobStore, keys: string[]): Promise<void> {
  await Promise.all(keys.filter((key) => !isSharedLegacyKey(key)).map((key) => blobs.delete(blobs.locationOf(key))));
}

/**
 * Deletes a photo's stored files (call it after the photo item is gone: until then a reader
 * may still be shown them). Missing files are not an error, so it can be retried.
 */
export const deletePhotoFiles = (blobs: BlobStore, photo: Pick<Photo, 'location' | 'variants'>): Promise<void> =>
  deleteKeys(blobs, photoFileKeys(blobs, photo));

/** Deletes a user's avatar files (account deletion calls it with the deleted user item). */
export const deleteUserFiles = (blobs: BlobStore, user: Pick<User, 'avatar'>): Promise<void> => deleteKeys(blobs, userFileKeys(user));

export const deleteImageFiles = (blobs: BlobStore, image: StoredImage | undefined): Promise<void> => deleteKeys(blobs, imageFileKeys(image));
