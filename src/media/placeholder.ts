/** ThumbHash placeholders: ~25 bytes that apps decode to a blurred preview before the image arrives. */
import type { Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';

/** ThumbHash encodes images of at most 100x100 pixels. */
const SIDE = 100;

export async function thumbHashOf(image: Sharp): Promise<string> {
  const { data, info } = await image
    .resize(SIDE, SIDE, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64');
}
