/**
 * Pictures for the sample data, drawn locally (an SVG rendered by sharp: nothing downloaded)
 * and run through the same pipeline as uploads, so every screen of a new install shows real
 * variants, placeholders, captions and avatars. Small on purpose: first start stays quick.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { BlobStore } from '../blobs/index.js';
import { AVATAR_VARIANTS, fullVariant, PHOTO_VARIANTS, processImage, storeImage, type ProcessedImage } from '../media/index.js';
import type { StoredImage } from '../schema/entities.js';

const CAPTIONS = [
  'Golden hour never gets old',
  'Sunday walk',
  'Found this little corner today',
  'Coffee first',
  'The view from here',
  'Weekend mood',
  'Colors of the season',
  'Back at my favourite spot',
  'No filter needed',
  'Small things, good days',
  'On the road again',
  'Lights, shapes, and a long lunch',
];

/** Deterministic bytes per name: the same sample user always gets the same picture. */
const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
const hue = (byte: number): number => Math.round((byte / 255) * 360);

export function sampleCaption(username: string, timestamp: string): string {
  return CAPTIONS[digest(`caption ${username} ${timestamp}`)[0]! % CAPTIONS.length]!;
}

function svg(seed: string, width: number, height: number, round: boolean): Buffer {
  const d = digest(seed);
  const shapes = Array.from({ length: 4 }, (_, i) => {
    const cx = Math.round((d[4 + i]! / 255) * width);
    const cy = Math.round((d[8 + i]! / 255) * height);
    const r = Math.round(((d[12 + i]! / 255) * 0.3 + 0.08) * Math.min(width, height));
    return `<circle cx="${cx}" cy="${cy}" r="${r}" fill="hsl(${hue(d[16 + i]!)},70%,60%)" fill-opacity="0.75"/>`;
  }).join('');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue(d[0]!)},65%,55%)"/>` +
      `<stop offset="1" stop-color="hsl(${hue(d[1]!)},65%,35%)"/></linearGradient></defs>` +
      `<rect width="100%" height="100%" fill="url(#g)"${round ? ' rx="0"' : ''}/>${shapes}</svg>`,
  );
}

const LIMITS = { maxPixels: 50_000_000 };

/** Distinct pictures drawn and processed once; each sample photo stores one of them under its owner's keys. */
export const DESIGNS = 24;

/**
 * Processes `DESIGNS` photo pictures and avatars once (the slow part: decoding and encoding),
 * then hands them out by a hash of the photo or user, so the first start stays quick however
 * many sample photos there are; the stored files are still each owner's own keys.
 */
export function createSamplePictures(blobs: BlobStore) {
  const photoDesigns = new Map<number, Promise<ProcessedImage>>();
  const avatarDesigns = new Map<number, Promise<ProcessedImage>>();
  const design = (cache: Map<number, Promise<ProcessedImage>>, index: number, make: () => Promise<ProcessedImage>) => {
    let found = cache.get(index);
    if (!found) cache.set(index, (found = make()));
    return found;
  };
  return {
    async photo(username: string, timestamp: string): Promise<{ image: StoredImage; location: string }> {
      const index = digest(`design ${username} ${timestamp}`)[0]! % DESIGNS;
      const processed = await design(photoDesigns, index, async () => {
        const portrait = index % 3 === 0;
        const png = await sharp(svg(`photo ${index}`, portrait ? 480 : 640, portrait ? 640 : 480, false)).png().toBuffer();
        return processImage(png, PHOTO_VARIANTS, LIMITS);
      });
      const image = await storeImage(blobs, processed);
      return { image, location: blobs.locationOf(fullVariant(image).key) };
    },
    async avatar(username: string): Promise<StoredImage> {
      const index = digest(`avatar ${username}`)[0]! % DESIGNS;
      const processed = await design(avatarDesigns, index, async () => {
        const png = await sharp(svg(`avatar ${index}`, 256, 256, true)).png().toBuffer();
        return processImage(png, AVATAR_VARIANTS, LIMITS);
      });
      return storeImage(blobs, processed);
    },
  };
}
