/**
 * Every stored file of one photo. The one function that removes them, so that when a photo
 * gains more files (resized variants), deleting an account or a photo removes them all.
 */
import type { BlobStore } from './store.js';

export async function deletePhotoFiles(blobs: BlobStore, photo: { location: string }): Promise<void> {
  await blobs.delete(photo.location);
}
