/** Media errors, with the codes clients branch on. */
import { DomainError } from '../errors.js';

/** What the decoder reads, named as clients know them. */
export const ACCEPTED_FORMATS = ['JPEG', 'PNG', 'WebP', 'GIF', 'AVIF', 'HEIC', 'TIFF'] as const;
const accepted = ACCEPTED_FORMATS.join(', ');

export const mediaErrors = {
  notAnImage: (what: string) =>
    new DomainError('unsupported_media', 'UNSUPPORTED_IMAGE', `The file is ${what}, not an image this service decodes; upload ${accepted}.`),
  /** A HEIF container whose image is neither HEVC (HEIC) nor AV1 (AVIF). */
  heicUnsupported: (compression: string) =>
    new DomainError('unsupported_media', 'HEIC_UNSUPPORTED', `This HEIF image is compressed with ${compression}, which is not decoded here; upload ${accepted}.`),
  corrupt: () => new DomainError('invalid', 'IMAGE_CORRUPT', `The image could not be decoded completely (truncated or corrupt); upload ${accepted}.`),
  tooManyPixels: (pixels: number, max: number, format: string) =>
    new DomainError('too_large', 'IMAGE_TOO_LARGE', `The ${format.toUpperCase()} image has ${pixels} pixels; at most ${max} are accepted for this format.`),
  aspectRatio: (width: number, height: number, max: number) =>
    new DomainError(
      'unprocessable',
      'IMAGE_ASPECT_RATIO',
      `The image is ${width}x${height} pixels; its long side may be at most ${max} times its short side (crop it first).`,
    ),
  busy: () => new DomainError('unavailable', 'MEDIA_BUSY', 'Too many images are being processed; retry shortly.'),
};
