/** The sharp pipeline on its own: validation, orientation, metadata stripping, variants, placeholder, queue bound. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AVATAR_VARIANTS, createWorkQueue, FULL_DECODE_PIXELS, MAX_ASPECT_RATIO, PHOTO_VARIANTS, processImage, type VariantSpec } from '../../src/media/index.js';
import { carriesPrivateMetadata, GPS_POINTER, heicLike, jpegWithGps, photoJpeg, plainJpeg, pngOf } from '../support/images.js';
import { crc32 } from 'node:zlib';

/** A PNG whose header declares other dimensions (with a valid CRC): a decompression bomb's header. */
function pngDeclaring(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

const limits = { maxPixels: 50_000_000 };

describe('media pipeline', () => {
  it('auto-orients from EXIF and strips GPS, make and copyright from every variant', async () => {
    const source = await jpegWithGps(60, 40);
    // The fixture really carries what we claim to remove.
    expect((await sharp(source).metadata()).exif?.includes(GPS_POINTER)).toBe(true);
    expect(await carriesPrivateMetadata(source)).toBe(true);
    const out = await processImage(source, PHOTO_VARIANTS, limits);
    expect(out.variants).toHaveLength(PHOTO_VARIANTS.length);
    for (const v of out.variants) {
      expect(await carriesPrivateMetadata(v.bytes), `${v.name}.${v.format}`).toBe(false);
      const meta = await sharp(v.bytes).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.orientation ?? 1).toBe(1);
    }
    // 60x40 with orientation 6 displays as 40x60: portrait after orientation.
    const full = out.variants.find((v) => v.name === 'full')!;
    expect([full.width, full.height]).toEqual([40, 60]);
  });

  it('makes a square thumbnail, a 1080 feed size, a bounded full size, a JPEG feed size and a ThumbHash', async () => {
    const out = await processImage(await plainJpeg(3000, 2000), PHOTO_VARIANTS, limits);
    const by = (name: string, format: string) => out.variants.find((v) => v.name === name && v.format === format)!;
    expect([by('thumb', 'webp').width, by('thumb', 'webp').height]).toEqual([320, 320]);
    expect([by('feed', 'webp').width, by('feed', 'webp').height]).toEqual([1080, 720]);
    expect([by('full', 'webp').width, by('full', 'webp').height]).toEqual([2048, 1365]);
    expect((await sharp(by('feed', 'jpeg').bytes).metadata()).format).toBe('jpeg');
    expect((await sharp(by('feed', 'webp').bytes).metadata()).format).toBe('webp');
    expect(out.source).toEqual({ format: 'jpeg', width: 3000, height: 2000 });
    expect(Buffer.from(out.placeholder, 'base64').length).toBeLessThan(40);
  });

  it('never enlarges small images, and makes square avatars', async () => {
    const out = await processImage(await pngOf(200, 100), PHOTO_VARIANTS, limits);
    expect(out.variants.find((v) => v.name === 'full')).toMatchObject({ width: 200, height: 100 });
    const avatar = await processImage(await pngOf(900, 300), AVATAR_VARIANTS, limits);
    expect(avatar.variants.map((v) => [v.name, v.width, v.height])).toEqual([['small', 128, 128], ['large', 512, 512], ['large', 512, 512]]);
  });

  it('refuses what it cannot decode with a clear code, before decoding pixels where it can', async () => {
    const reject = (input: Buffer, l = limits) => processImage(input, PHOTO_VARIANTS, l).then(() => 'accepted', (e: { code: string; kind: string }) => `${e.kind}:${e.code}`);
    expect(await reject(Buffer.from('just some text, not an image'))).toBe('unsupported_media:UNSUPPORTED_IMAGE');
    expect(await reject(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'))).toBe('unsupported_media:UNSUPPORTED_IMAGE');
    // A HEIC container around a stream that is not HEVC: refused as corrupt by the HEIC decoder.
    expect(await reject(await heicLike())).toBe('invalid:IMAGE_CORRUPT');
    const jpeg = await photoJpeg(400, 300);
    expect(await reject(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).toBe('invalid:IMAGE_CORRUPT');
    // A decompression bomb is refused on its header: 20000x20000 pixels declared, a few KB of bytes.
    const bomb = pngDeclaring(await pngOf(8, 8), 20_000, 20_000);
    expect((await sharp(bomb, { limitInputPixels: false }).metadata()).width).toBe(20_000);
    expect(await reject(bomb)).toBe('too_large:IMAGE_TOO_LARGE');
    expect(await reject(jpeg, { maxPixels: 1000 })).toBe('too_large:IMAGE_TOO_LARGE');
  });

  it('refuses the thinnest images (40000x1, 1x40000) on their header with IMAGE_ASPECT_RATIO, photos and avatars alike', async () => {
    for (const [width, height] of [[40_000, 1], [1, 40_000], [MAX_ASPECT_RATIO * 50 + 1, 50]] as const) {
      const png = await pngOf(width, height);
      for (const specs of [PHOTO_VARIANTS, AVATAR_VARIANTS]) {
        await expect(processImage(png, specs, limits), `${width}x${height}`).rejects.toMatchObject({ kind: 'unprocessable', code: 'IMAGE_ASPECT_RATIO' });
      }
    }
  });

  it('processes images at the aspect bound with every output within its variant box, square crops exact', async () => {
    const within = (specs: readonly VariantSpec[], out: Awaited<ReturnType<typeof processImage>>) => {
      out.variants.forEach((v, i) => {
        const spec = specs[i]!;
        expect(v.width * v.height, `${v.name} ${v.width}x${v.height}`).toBeLessThanOrEqual(spec.width * spec.height);
        if (spec.fit === 'cover') expect([v.width, v.height]).toEqual([spec.width, spec.height]);
        else expect(Math.max(v.width, v.height)).toBeLessThanOrEqual(spec.width);
      });
    };
    for (const [width, height] of [[MAX_ASPECT_RATIO * 40, 40], [40, MAX_ASPECT_RATIO * 40], [MAX_ASPECT_RATIO * 200, 200]] as const) {
      const png = await pngOf(width, height);
      const photo = await processImage(png, PHOTO_VARIANTS, limits);
      within(PHOTO_VARIANTS, photo);
      const full = photo.variants.find((v) => v.name === 'full')!;
      // Never enlarged: a strip 800 wide stays 800 wide.
      expect(Math.max(full.width, full.height)).toBe(Math.min(2048, Math.max(width, height)));
      within(AVATAR_VARIANTS, await processImage(png, AVATAR_VARIANTS, limits));
    }
  });

  it('holds formats decoded at full size to FULL_DECODE_PIXELS, and shrinks a large JPEG to bounded variants', async () => {
    const side = Math.ceil(Math.sqrt(FULL_DECODE_PIXELS)) + 1;
    // Refused on the header, as a bomb is: its declared size is all that is read.
    await expect(processImage(pngDeclaring(await pngOf(8, 8), side, side), PHOTO_VARIANTS, limits)).rejects.toMatchObject({ kind: 'too_large', code: 'IMAGE_TOO_LARGE' });
    // 24 megapixels of JPEG: accepted (decoded shrunk on load), every variant within 2048x2048.
    const jpeg = await sharp({ create: { width: 6000, height: 4000, channels: 3, background: '#806040' } }).jpeg().toBuffer();
    const out = await processImage(jpeg, PHOTO_VARIANTS, limits);
    expect(out.source).toMatchObject({ width: 6000, height: 4000 });
    for (const v of out.variants) expect(Math.max(v.width, v.height)).toBeLessThanOrEqual(2048);
  });

  it('decodes AVIF (AV1 in a HEIF container), which the prebuilt libvips supports', async () => {
    const avif = await sharp({ create: { width: 80, height: 60, channels: 3, background: '#123456' } }).avif().toBuffer();
    const out = await processImage(avif, PHOTO_VARIANTS, limits);
    expect(out.source.format).toBe('avif');
  });

  it('bounds work in flight and answers MEDIA_BUSY past its waiting room', async () => {
    const queue = createWorkQueue(1, 1);
    let release!: () => void;
    const first = queue.run(() => new Promise<void>((r) => (release = r)));
    const second = queue.run(() => Promise.resolve('second'));
    await expect(queue.run(() => Promise.resolve('third'))).rejects.toMatchObject({ code: 'MEDIA_BUSY', kind: 'unavailable' });
    expect([queue.active, queue.waiting]).toEqual([1, 1]);
    release();
    await first;
    expect(await second).toBe('second');
  });
});
