/** Image work in its own process (src/media/isolated.ts): same results and codes as inline, lower priority, restarted when it dies. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageProcessor, PHOTO_VARIANTS, processImage } from '../../src/media/index.js';
import { isDomainError } from '../../src/errors.js';
import { photoJpeg } from '../support/images.js';

const limits = { maxPixels: 50_000_000 };
let dir: string;
let photo: string;
let broken: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qp-isolated-'));
  photo = join(dir, 'photo.jpg');
  broken = join(dir, 'broken.jpg');
  const jpeg = await photoJpeg(1200, 800);
  await writeFile(photo, jpeg);
  await writeFile(broken, jpeg.subarray(0, jpeg.length / 2));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the image process', () => {
  const images = createImageProcessor({ mode: 'process', threads: 1, nice: 10, timeoutMs: 60_000 });
  afterAll(() => images.close());

  it('answers what processImage answers in the API process, from a child process at nice 10', async () => {
    const [apart, inline] = await Promise.all([images.process(photo, PHOTO_VARIANTS, limits), processImage(photo, PHOTO_VARIANTS, limits)]);
    expect(apart.source).toEqual(inline.source);
    expect(apart.placeholder).toBe(inline.placeholder);
    expect(apart.variants.map((v) => [v.name, v.format, v.width, v.height])).toEqual(inline.variants.map((v) => [v.name, v.format, v.width, v.height]));
    expect(Buffer.isBuffer(apart.variants[0]!.bytes)).toBe(true);
    expect(apart.variants[0]!.bytes.equals(inline.variants[0]!.bytes)).toBe(true);
    expect(images.pid).toBeDefined();
    expect(images.pid).not.toBe(process.pid);
    expect(getPriority(images.pid)).toBe(10);
  });

  it('refuses a broken image with the same code as inline', async () => {
    const error = await images.process(broken, PHOTO_VARIANTS, limits).catch((e: unknown) => e);
    expect(isDomainError(error) && error.code).toBe('IMAGE_CORRUPT');
  });

  it('fails the images in flight when the process dies, and starts a new one for the next', async () => {
    const first = images.pid ?? (await images.process(photo, PHOTO_VARIANTS, limits), images.pid);
    const inFlight = images.process(photo, PHOTO_VARIANTS, limits);
    process.kill(first!, 'SIGKILL');
    await expect(inFlight).rejects.toThrow(/image process exited/);
    const again = await images.process(photo, PHOTO_VARIANTS, limits);
    expect(again.variants).toHaveLength(PHOTO_VARIANTS.length);
    expect(images.pid).not.toBe(first);
  });
});
