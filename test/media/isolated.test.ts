/** Image work in its own process (src/media/isolated.ts): same results and codes as inline, lower priority, restarted when it dies. */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageProcessor, PHOTO_VARIANTS, processImage, type ImageProcessorOptions } from '../../src/media/index.js';
import { idleAvailable } from '../../src/media/scheduling.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
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
  const jpeg = await photoJpeg(480, 320);
  await writeFile(photo, jpeg);
  await writeFile(broken, jpeg.subarray(0, jpeg.length / 2));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every thread's nice value and scheduling policy (0 SCHED_OTHER, 5 SCHED_IDLE): fields 19 and 41 of /proc/<pid>/task/<tid>/stat. */
function threadsOf(pid: number): { nice: number; policy: number }[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { nice: Number(fields[16]), policy: Number(fields[38]) };
  });
}
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

describe('the image process', () => {
  const images = createImageProcessor({ mode: 'process', threads: 1, nice: 10, scheduling: 'nice', timeoutMs: 60_000 });
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
    expect(images.scheduling).toBe('nice');
    expect(threadsOf(images.pid!)).toEqual(threadsOf(images.pid!).map(() => ({ nice: 10, policy: SCHED_OTHER })));
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

describe('the image process under SCHED_IDLE', () => {
  const started: ReturnType<typeof createImageProcessor>[] = [];
  const processor = (options: Partial<ImageProcessorOptions>) => {
    const images = createImageProcessor({ mode: 'process', threads: 1, nice: 19, scheduling: 'idle', timeoutMs: 60_000, ...options });
    started.push(images);
    return images;
  };
  afterAll(() => Promise.all(started.map((images) => images.close())));

  it('is the default (nice 19 where refused), and an unknown policy stops start-up', () => {
    const { media } = loadConfig({ JWT_SECRET: 'x'.repeat(32) });
    expect([media.worker, media.scheduling, media.nice]).toEqual(['process', 'idle', 19]);
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32), MEDIA_SCHED: 'nice', MEDIA_NICE: '10' }).media).toMatchObject({ scheduling: 'nice', nice: 10 });
    expect(() => loadConfig({ JWT_SECRET: 'x'.repeat(32), MEDIA_SCHED: 'fifo' })).toThrow(ConfigError);
  });

  it.runIf(idleAvailable('chrt'))('runs every thread of the image process under the idle policy, at nice 19', async () => {
    const images = processor({});
    const result = await images.process(photo, PHOTO_VARIANTS, limits);
    expect(result.variants).toHaveLength(PHOTO_VARIANTS.length);
    expect(images.scheduling).toBe('idle');
    // libvips' and Node's threads (started after exec) included: chrt set the policy before node ran.
    const threads = threadsOf(images.pid!);
    expect(threads.length).toBeGreaterThan(1);
    expect(threads).toEqual(threads.map(() => ({ nice: 19, policy: SCHED_IDLE })));
  });

  it.each([
    ['refused', 'false'],
    ['missing', '/nonexistent/chrt'],
  ])('falls back to nice 19 when the idle policy is %s', async (_, chrt) => {
    const images = processor({ chrt });
    const result = await images.process(photo, PHOTO_VARIANTS, limits);
    expect(result.variants).toHaveLength(PHOTO_VARIANTS.length);
    expect(images.scheduling).toBe('nice');
    const threads = threadsOf(images.pid!);
    expect(threads).toEqual(threads.map(() => ({ nice: 19, policy: SCHED_OTHER })));
  });
});
