/**
 * The image pipeline: validate the header, decode fully (HEIC in src/media/heic.ts), auto-orient, drop every
 * piece of metadata (EXIF, GPS, XMP, IPTC, ICC, maker notes), then encode the variants and a
 * ThumbHash. All decoding and encoding runs on libvips' thread pool, never on the event loop.
 *
 * Decoding happens once: the oriented image is reduced to the largest variant's bound as raw
 * pixels, and every variant is encoded from those pixels. Raw pixels carry no metadata, which
 * is what guarantees that nothing private reaches a stored file.
 *
 * Work is bounded by output pixels, so no accepted image costs much more than a 12-megapixel
 * photo: the header is checked first (aspect ratio at most MAX_ASPECT_RATIO:1; at most
 * `maxPixels` for JPEG and WebP, which decode shrunk on load, and at most FULL_DECODE_PIXELS
 * for formats decoded at full size); the decoded pixels never exceed 2048 on the long edge;
 * a square crop takes its region first and only then scales, so a thin image is never
 * enlarged before it is cut (a 40000x1 picture once meant a 655360x320 intermediate).
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';
import { mediaErrors } from './errors.js';
import { decodeHeic } from './heic.js';
import { thumbHashOf } from './placeholder.js';

export type VariantFormat = 'webp' | 'jpeg';

export interface VariantSpec {
  name: string;
  /** Bounding box; `cover` crops to exactly this size (square thumbnails), `inside` keeps the aspect ratio. */
  width: number;
  height: number;
  fit: 'cover' | 'inside';
  format: VariantFormat;
}

/** Photos: a square grid thumbnail, a feed size (1080 px on the long edge), a bounded full size, and a JPEG feed size for clients that ask. */
export const PHOTO_VARIANTS: readonly VariantSpec[] = [
  { name: 'thumb', width: 320, height: 320, fit: 'cover', format: 'webp' },
  { name: 'feed', width: 1080, height: 1080, fit: 'inside', format: 'webp' },
  { name: 'full', width: 2048, height: 2048, fit: 'inside', format: 'webp' },
  { name: 'feed', width: 1080, height: 1080, fit: 'inside', format: 'jpeg' },
];

/** Avatars: square crops. */
export const AVATAR_VARIANTS: readonly VariantSpec[] = [
  { name: 'small', width: 128, height: 128, fit: 'cover', format: 'webp' },
  { name: 'large', width: 512, height: 512, fit: 'cover', format: 'webp' },
  { name: 'large', width: 512, height: 512, fit: 'cover', format: 'jpeg' },
];

export const CONTENT_TYPES: Record<VariantFormat, string> = { webp: 'image/webp', jpeg: 'image/jpeg' };

export interface ProcessedVariant {
  name: string;
  format: VariantFormat;
  contentType: string;
  width: number;
  height: number;
  bytes: Buffer;
}

export interface ProcessedImage {
  source: { format: string; width: number; height: number };
  variants: ProcessedVariant[];
  /** ThumbHash, base64. */
  placeholder: string;
}

export interface ProcessLimits {
  /** Decompression-bomb bound, checked on the header before any pixel is decoded. */
  maxPixels: number;
}

/** The long side may be at most this many times the short side (wide panoramas pass, strips do not). */
export const MAX_ASPECT_RATIO = 20;

/** Formats decoded at full size (no shrink-on-load) are held to 4096x4096 pixels' worth, about a 12-megapixel JPEG's decode. */
export const FULL_DECODE_PIXELS = 4096 * 4096;

/** libvips decodes these already shrunk (by up to 8x) when the output is smaller, so their pixel bound is `maxPixels`. */
const SHRINK_ON_LOAD = new Set(['jpeg', 'webp']);

// Every upload is a different image: libvips' operation cache would only hold memory.
sharp.cache(false);

/** libvips' names of the formats we decode. `heif` is AVIF (AV1, decoded by libvips) or HEIC (HEVC, decoded by src/media/heic.ts). */
const DECODABLE = new Set(['jpeg', 'png', 'webp', 'gif', 'heif', 'tiff']);

async function describeUnknown(input: string | Buffer): Promise<string> {
  const type = await (typeof input === 'string' ? fileTypeFromFile(input) : fileTypeFromBuffer(input)).catch(() => undefined);
  return type ? type.mime : 'not a recognised image';
}

async function isHeic(input: string | Buffer): Promise<boolean> {
  const type = await (typeof input === 'string' ? fileTypeFromFile(input) : fileTypeFromBuffer(input)).catch(() => undefined);
  return type?.mime === 'image/heic' || type?.mime === 'image/heif' || type?.mime === 'image/heic-sequence';
}

/** The pixel and aspect bounds on a declared size; the same codes for every format. */
function checkBounds(format: string, width: number, height: number, limits: ProcessLimits): void {
  const maxPixels = SHRINK_ON_LOAD.has(format) ? limits.maxPixels : Math.min(limits.maxPixels, FULL_DECODE_PIXELS);
  if (width * height > maxPixels) throw mediaErrors.tooManyPixels(width * height, maxPixels, format);
  if (Math.max(width, height) > MAX_ASPECT_RATIO * Math.min(width, height)) throw mediaErrors.aspectRatio(width, height, MAX_ASPECT_RATIO);
}

/** The name clients know a libvips format by: a HEIF container is AVIF or HEIC by its compression. */
function formatName(meta: Metadata): string | undefined {
  const format = meta.format as string;
  if (format !== 'heif') return format;
  if (meta.compression === 'av1') return 'avif';
  if (meta.compression === 'hevc') return 'heic';
  return undefined;
}

/** Header only: format and size, so bombs and unknown types are refused before decoding. */
async function inspect(input: string | Buffer, limits: ProcessLimits): Promise<{ format: string; width: number; height: number }> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    // libvips reads every HEIF header libheif can decode: one it cannot read is broken.
    if (await isHeic(input)) throw mediaErrors.corrupt();
    throw mediaErrors.notAnImage(await describeUnknown(input));
  }
  if (!DECODABLE.has(meta.format)) throw mediaErrors.notAnImage(`${meta.format} (${await describeUnknown(input)})`);
  const format = formatName(meta);
  if (!format) throw mediaErrors.heicUnsupported(meta.compression ?? 'unknown');
  const width = meta.width;
  const height = meta.pageHeight ?? meta.height;
  if (!width || !height) throw mediaErrors.corrupt();
  checkBounds(format, width, height, limits);
  return { format, width, height };
}

/**
 * The image's pixels as a sharp pipeline: libvips decodes (and orients from EXIF) what it
 * can; a HEIC is decoded by the WebAssembly decoder, which checks the declared size again
 * before it decodes.
 */
async function decoder(input: string | Buffer, format: string, limits: ProcessLimits): Promise<Sharp> {
  // failOn 'warning': a truncated JPEG is refused instead of stored with a grey bottom.
  if (format !== 'heic') return sharp(input, { limitInputPixels: limits.maxPixels, failOn: 'warning' }).rotate();
  const bytes = typeof input === 'string' ? await readFile(input) : input;
  const heic = await decodeHeic(bytes, { maxPixels: Math.min(limits.maxPixels, FULL_DECODE_PIXELS), maxAspectRatio: MAX_ASPECT_RATIO });
  if (heic.kind === 'refused') checkBounds(format, heic.width, heic.height, limits);
  if (heic.kind !== 'pixels') throw mediaErrors.corrupt();
  const image = sharp(heic.data, { raw: { width: heic.width, height: heic.height, channels: 4 } });
  return heic.hasAlpha ? image : image.removeAlpha();
}

/**
 * A `cover` crop to exactly the spec's size. When that needs enlarging, the region of the
 * spec's aspect ratio is cut at the source's own resolution first and only the cut is scaled
 * up, so the work is bounded by the source and the output, whatever the source's shape.
 */
async function coverCrop(image: Sharp, info: OutputInfo, spec: VariantSpec): Promise<Sharp> {
  const cover = { fit: 'cover', position: 'attention' } as const;
  if (spec.width <= info.width && spec.height <= info.height) return image.resize(spec.width, spec.height, cover);
  const k = Math.min(info.width / spec.width, info.height / spec.height);
  const width = Math.max(1, Math.min(info.width, Math.round(spec.width * k)));
  const height = Math.max(1, Math.min(info.height, Math.round(spec.height * k)));
  const cut = await image.resize(width, height, cover).raw().toBuffer({ resolveWithObject: true });
  return sharp(cut.data, { raw: { width: cut.info.width, height: cut.info.height, channels: cut.info.channels } }).resize(spec.width, spec.height, { fit: 'fill' });
}

function encode(image: Sharp, format: VariantFormat): Sharp {
  // JPEG has no alpha: flatten on white rather than on black.
  return format === 'webp' ? image.webp({ quality: 80, effort: 3 }) : image.flatten({ background: '#ffffff' }).jpeg({ quality: 82, mozjpeg: true });
}

export async function processImage(input: string | Buffer, specs: readonly VariantSpec[], limits: ProcessLimits): Promise<ProcessedImage> {
  const source = await inspect(input, limits);
  const bound = Math.max(...specs.map((s) => Math.max(s.width, s.height)));
  const image = await decoder(input, source.format, limits);
  let pixels: { data: Buffer; info: OutputInfo };
  try {
    // Oriented before the metadata goes (EXIF by libvips, HEIF transforms by libheif).
    pixels = await image
      .resize(bound, bound, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch {
    throw mediaErrors.corrupt();
  }
  const { data, info } = pixels;
  const raw = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  const variants = await Promise.all(
    specs.map(async (spec): Promise<ProcessedVariant> => {
      const resized = spec.fit === 'cover' ? await coverCrop(raw(), info, spec) : raw().resize(spec.width, spec.height, { fit: 'inside', withoutEnlargement: true });
      const out = await encode(resized, spec.format).toBuffer({ resolveWithObject: true });
      return { name: spec.name, format: spec.format, contentType: CONTENT_TYPES[spec.format], width: out.info.width, height: out.info.height, bytes: out.data };
    }),
  );
  return { source, variants, placeholder: await thumbHashOf(raw()) };
}
