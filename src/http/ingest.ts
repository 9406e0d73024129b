/**
 * From a received file to stored variants and an item: process (bounded queue), store the
 * variants, then write the item. Whatever fails, nothing is left behind: variants written
 * before a failed item write are removed again, unless the write may have applied all the same
 * (its answer lost): then they stay, as a photo's files must, and doctor reclaims them if not.
 */
import type { FastifyBaseLogger } from 'fastify';
import { deleteImageFiles } from '../blobs/index.js';
import { AVATAR_VARIANTS, fullVariant, PHOTO_VARIANTS, storedBytes } from '../media/index.js';
import { createPhotoWithImage, setAvatar, writeOutcomeUnknown, type UploadSlot } from '../patterns/index.js';
import type { Photo, User } from '../schema/entities/index.js';
import type { RouteContext } from './context.js';

export async function ingestPhoto(
  ctx: RouteContext,
  input: { username: string; path: string; caption?: string | undefined; uploadId?: string | undefined; slot?: UploadSlot | undefined },
): Promise<Photo> {
  const { blobs, db, media } = ctx;
  const image = await media.queue.run(() => media.images.processAndStore(input.path, PHOTO_VARIANTS, media.limits, blobs));
  try {
    return await createPhotoWithImage(
      db,
      {
        username: input.username,
        location: blobs.locationOf(fullVariant(image).key),
        image,
        bytes: storedBytes(image),
        caption: input.caption,
        uploadId: input.uploadId,
        slot: input.slot,
      },
      media.quota,
    );
  } catch (error) {
    // Files of a photo that may exist all the same stay: doctor reclaims them past its grace if not.
    if (!writeOutcomeUnknown(error)) await deleteImageFiles(blobs, image).catch(() => undefined);
    throw error;
  }
}

export async function ingestAvatar(ctx: RouteContext, username: string, path: string, log: FastifyBaseLogger): Promise<NonNullable<User['avatar']>> {
  const { blobs, db, media } = ctx;
  const image = await media.queue.run(() => media.images.processAndStore(path, AVATAR_VARIANTS, media.limits, blobs));
  let previous;
  try {
    ({ previous } = await setAvatar(db, username, image));
  } catch (error) {
    if (!writeOutcomeUnknown(error)) await deleteImageFiles(blobs, image).catch(() => undefined);
    throw error;
  }
  // Every stored image has keys of its own: the previous avatar's files are no one else's.
  await deleteImageFiles(blobs, previous).catch((e: unknown) => log.warn({ err: e }, 'previous avatar files not removed'));
  return image;
}
