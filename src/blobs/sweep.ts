/** Direct uploads that were never finalised: their raw files outlive their slots (which expire by TTL). */
import type { BlobStore } from './store.js';

/** Where direct uploads land before processing; never served (the media route refuses this prefix). */
export const UPLOADS_PREFIX = 'uploads/';

export const uploadKey = (uploadId: string): string => `${UPLOADS_PREFIX}${uploadId}`;

/** Deletes raw uploads older than `maxAgeSeconds`; returns how many. Lists the prefix: an operator or timer task, never a request. */
export async function sweepStaleUploads(blobs: BlobStore, maxAgeSeconds: number, now = Date.now()): Promise<number> {
  let removed = 0;
  for await (const blob of blobs.list(UPLOADS_PREFIX)) {
    if (now - blob.lastModified.getTime() > maxAgeSeconds * 1000) {
      await blobs.delete(blobs.locationOf(blob.key));
      removed += 1;
    }
  }
  return removed;
}

/**
 * Parts of resumable uploads older than `maxAgeSeconds` (local store); returns how many
 * uploads. With S3 the bucket's lifecycle rule (AbortIncompleteMultipartUpload) does this.
 */
export async function sweepStaleParts(blobs: BlobStore, maxAgeSeconds: number, now = Date.now()): Promise<number> {
  return blobs.kind === 'local' ? blobs.sweepParts(maxAgeSeconds, now) : 0;
}

/** Removes an unfinished direct upload's bytes: its parts (a resumable upload) and its raw file. Missing ones are not an error. */
export async function discardUpload(blobs: BlobStore, upload: { key: string; partsId?: string | undefined }): Promise<void> {
  if (upload.partsId) await blobs.abortParts(upload.key, upload.partsId);
  await blobs.delete(blobs.locationOf(upload.key));
}
