/**
 * HEIC (HEVC in a HEIF container, as iPhones write) through the media pipeline. The fixtures in
 * test/fixtures/heic/ were made once with libheif's own encoder (heif-enc); see the README
 * there. Nothing here needs an encoder.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeHeic } from '../../src/media/heic.js';
import { AVATAR_VARIANTS, FULL_DECODE_PIXELS, MAX_ASPECT_RATIO, PHOTO_VARIANTS, processImage } from '../../src/media/index.js';
import { carriesPrivateMetadata, GPS_POINTER } from '../support/images.js';

const fixture = (name: string) => readFile(new URL(`../fixtures/heic/${name}`, import.meta.url));
const limits = { maxPixels: 50_000_000 };

/** The colour at a pixel of an encoded image, rounded to the nearest of red or blue. */
async function colourAt(bytes: Buffer, x: number, y: number): Promise<'red' | 'blue'> {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return data[at]! > data[at + 2]! ? 'red' : 'blue';
}

describe('HEIC in the media pipeline', () => {
  it('turns a HEIC with GPS tags into the usual WebP and JPEG variants with no metadata', async () => {
    const source = await fixture('gps.heic');
    // The fixture really is HEVC and really carries GPS.
    const meta = await sharp(source).metadata();
    expect([meta.format, meta.compression]).toEqual(['heif', 'hevc']);
    expect(meta.exif?.includes(GPS_POINTER)).toBe(true);
    const out = await processImage(source, PHOTO_VARIANTS, limits);
    expect(out.source).toEqual({ format: 'heic', width: 96, height: 64 });
    expect(out.variants.map((v) => [v.name, v.format])).toEqual(PHOTO_VARIANTS.map((s) => [s.name, s.format]));
    for (const v of out.variants) {
      const m = await sharp(v.bytes).metadata();
      expect(m.format, v.name).toBe(v.format);
      expect(m.exif, v.name).toBeUndefined();
      expect(m.icc, v.name).toBeUndefined();
      expect(await carriesPrivateMetadata(v.bytes), v.name).toBe(false);
      // An opaque photo stays opaque: no alpha channel is added on the way.
      expect(m.hasAlpha, v.name).toBe(false);
    }
    const full = out.variants.find((v) => v.name === 'full')!;
    expect([full.width, full.height]).toEqual([96, 64]);
    // Left half red, right half blue, as encoded.
    expect([await colourAt(full.bytes, 2, 32), await colourAt(full.bytes, 93, 32)]).toEqual(['red', 'blue']);
    expect(out.placeholder.length).toBeGreaterThan(0);
  });

  it('applies the HEIF rotation (irot) once, and ignores the EXIF orientation beside it', async () => {
    // Stored 96x64 (red left, blue right) with irot 270° anticlockwise and EXIF orientation 6:
    // displayed 64x96 with red on top. Applying both would turn it twice.
    const source = await fixture('rotated.heic');
    const out = await processImage(source, PHOTO_VARIANTS, limits);
    expect(out.source).toEqual({ format: 'heic', width: 64, height: 96 });
    const full = out.variants.find((v) => v.name === 'full')!;
    expect([full.width, full.height]).toEqual([64, 96]);
    expect([await colourAt(full.bytes, 32, 2), await colourAt(full.bytes, 32, 93)]).toEqual(['red', 'blue']);
    for (const v of out.variants) expect(await carriesPrivateMetadata(v.bytes), v.name).toBe(false);
    const avatar = await processImage(source, AVATAR_VARIANTS, limits);
    expect(avatar.variants.map((v) => [v.width, v.height])).toEqual(AVATAR_VARIANTS.map((s) => [s.width, s.height]));
  });

  it('holds a HEIC to the same bounds as every format decoded at full size, on its header', async () => {
    const reject = (input: Buffer, l = limits) => processImage(input, PHOTO_VARIANTS, l).then(() => 'accepted', (e: { code: string; kind: string }) => `${e.kind}:${e.code}`);
    // 4200x4000 is past FULL_DECODE_PIXELS (4096x4096).
    const large = await fixture('too-large.heic');
    const meta = await sharp(large).metadata();
    expect(meta.width * meta.height).toBeGreaterThan(FULL_DECODE_PIXELS);
    expect(await reject(large)).toBe('too_large:IMAGE_TOO_LARGE');
    // 2100x100: past 20:1.
    expect(await reject(await fixture('too-thin.heic'))).toBe('unprocessable:IMAGE_ASPECT_RATIO');
    // MEDIA_MAX_PIXELS below FULL_DECODE_PIXELS holds too.
    expect(await reject(await fixture('gps.heic'), { maxPixels: 96 * 64 - 1 })).toBe('too_large:IMAGE_TOO_LARGE');
    // A truncated HEIC is corrupt, not a crash of the decoder; the next decode still works.
    const whole = await fixture('gps.heic');
    expect(await reject(whole.subarray(0, Math.floor(whole.length * 0.7)))).toBe('invalid:IMAGE_CORRUPT');
    expect(await reject(whole)).toBe('accepted');
  });

  it('the decoder itself refuses a declared size past its bounds before decoding (a second line behind the header check)', async () => {
    const bounds = { maxPixels: FULL_DECODE_PIXELS, maxAspectRatio: MAX_ASPECT_RATIO };
    expect(await decodeHeic(await fixture('too-large.heic'), bounds)).toEqual({ kind: 'refused', width: 4200, height: 4000 });
    expect(await decodeHeic(await fixture('too-thin.heic'), bounds)).toEqual({ kind: 'refused', width: 2100, height: 100 });
    expect(await decodeHeic(Buffer.from('not a HEIF file at all'), bounds)).toEqual({ kind: 'corrupt' });
    const pixels = await decodeHeic(await fixture('rotated.heic'), bounds);
    expect(pixels).toMatchObject({ kind: 'pixels', width: 64, height: 96, hasAlpha: false });
  });
});
