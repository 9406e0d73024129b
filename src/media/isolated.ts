/**
 * Image work apart from the API's reads: decoding and encoding run in a child process of
 * their own (src/media/child.ts) under SCHED_IDLE (MEDIA_SCHED=idle, the default; nice
 * MEDIA_NICE where that is refused, src/media/scheduling.ts) with MEDIA_THREADS libvips threads
 * (1 by default): however many uploads arrive, image work takes at most that many cores, and
 * only the time reads leave over, since the kernel runs the API's threads first. The queue in
 * front (src/media/queue.ts) still bounds the images in flight and waiting.
 *
 * The process starts on the first image and is restarted on the next one if it dies; an image
 * that takes longer than the bound fails with 503 MEDIA_BUSY and its process is replaced, so
 * no upload waits on a stuck decoder. MEDIA_WORKER=inline processes in the API's own process
 * (libvips' threads, same priority as reads).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlobStore } from '../blobs/index.js';
import { DomainError } from '../errors.js';
import type { StoredImage } from '../schema/entities.js';
import type { FromImageProcess, ToImageProcess } from './child.js';
import { mediaErrors } from './errors.js';
import { processImage, type ProcessedImage, type ProcessLimits, type VariantSpec } from './process.js';
import { launcher, type Scheduling } from './scheduling.js';
import { newImageId, removeImage, storeImage } from './store.js';

export interface ImageProcessor {
  process(input: string, specs: readonly VariantSpec[], limits: ProcessLimits): Promise<ProcessedImage>;
  /**
   * Processes and stores the variants. With the local store the image process writes them
   * itself: the API process receives their keys and sizes, never the bytes. With S3 the bytes
   * come back and the API process stores them (its client and credentials stay in one place).
   */
  processAndStore(input: string, specs: readonly VariantSpec[], limits: ProcessLimits, blobs: BlobStore): Promise<StoredImage>;
  /** The child's pid while it runs (tests, metrics). */
  readonly pid: number | undefined;
  /** The policy the image process was last started under (`nice` when `idle` was refused); undefined inline or before the first image. */
  readonly scheduling: Scheduling | undefined;
  close(): Promise<void>;
}

export interface ImageProcessorOptions {
  mode: 'process' | 'inline';
  /** libvips threads in the image process (its libuv pool): its share of the cores. */
  threads: number;
  /** Scheduling priority of the image process (0-19; higher runs only when others wait less). */
  nice: number;
  /** `idle`: SCHED_IDLE, falling back to `nice` where refused (src/media/scheduling.ts). */
  scheduling: Scheduling;
  /** The chrt program (tests point it elsewhere to see the fallback). */
  chrt?: string;
  /** The longest one image may take before it fails and its process is replaced. */
  timeoutMs: number;
}

const exited = (target: ChildProcess): Promise<void> =>
  target.exitCode !== null || target.signalCode !== null ? Promise.resolve() : new Promise((resolve) => target.once('exit', () => resolve()));

export function createImageProcessor(options: ImageProcessorOptions): ImageProcessor {
  if (options.mode === 'inline') {
    return {
      process: processImage,
      processAndStore: async (input, specs, limits, blobs) => storeImage(blobs, await processImage(input, specs, limits)),
      pid: undefined,
      scheduling: undefined,
      close: () => Promise.resolve(),
    };
  }
  let child: ChildProcess | undefined;
  let scheduling: Scheduling | undefined;
  let nextId = 1;
  type Answer = Extract<FromImageProcess, { ok: true }>;
  const pending = new Map<number, { resolve: (answer: Answer) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();

  const failAll = (error: Error) => {
    for (const [id, job] of pending) {
      clearTimeout(job.timer);
      pending.delete(id);
      job.reject(error);
    }
  };
  const start = (): ChildProcess => {
    // Source under tsx (tests, `npm start`), compiled JS in production: the child is a sibling either way.
    const ext = extname(fileURLToPath(import.meta.url));
    const launch = launcher(options.scheduling, options.chrt ?? 'chrt');
    scheduling = launch.scheduling;
    const execArgv = ext === '.ts' ? ['--import', 'tsx'] : [];
    const started = spawn(launch.command, [...launch.prefix, ...execArgv, fileURLToPath(new URL(`./child${ext}`, import.meta.url))], {
      // Buffers cross as bytes (structured clone), not as JSON arrays.
      serialization: 'advanced',
      env: { ...process.env, UV_THREADPOOL_SIZE: String(options.threads) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    try {
      if (started.pid !== undefined) setPriority(started.pid, options.nice);
    } catch {
      // Not permitted here (a container without the capability to renice): same priority, still off the event loop.
    }
    started.on('message', (message: FromImageProcess | { ready: true }) => {
      if (!('id' in message)) return;
      const job = pending.get(message.id);
      if (!job) return;
      pending.delete(message.id);
      clearTimeout(job.timer);
      if (message.ok) job.resolve(message);
      else {
        const { kind, code, message: text } = message.error;
        job.reject(kind && code ? new DomainError(kind, code, text) : new Error(text));
      }
    });
    // Spawning itself failed (chrt gone since the probe): the images waiting fail, the next image starts again.
    started.once('error', (error) => {
      if (child === started) child = undefined;
      failAll(error);
    });
    started.once('exit', () => {
      if (child === started) child = undefined;
      failAll(new Error('The image process exited while processing.'));
    });
    // An idle image process keeps no one's event loop alive (tests, CLI).
    started.unref();
    (started as unknown as { channel?: { unref(): void } }).channel?.unref();
    return started;
  };

  /** One image through the image process; `target` is the process it went to. */
  const send = (message: Omit<ToImageProcess, 'id'>): { target: ChildProcess; answer: Promise<Answer> } => {
    child ??= start();
    const target = child;
    const id = nextId++;
    const answer = new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(mediaErrors.busy());
        // A stuck decoder holds its share of the cores: replaced, and its other images fail too.
        target.kill('SIGKILL');
      }, options.timeoutMs);
      pending.set(id, { resolve, reject, timer });
      target.send({ ...message, id } satisfies ToImageProcess, (error: Error | null) => {
        if (!error || !pending.has(id)) return;
        clearTimeout(timer);
        pending.delete(id);
        reject(error);
      });
    });
    return { target, answer };
  };
  const processed = (answer: Answer): ProcessedImage => {
    if ('result' in answer) return answer.result;
    throw new Error('The image process stored an image it was asked to return.');
  };

  return {
    get pid() {
      return child?.pid;
    },
    get scheduling() {
      return scheduling;
    },
    async process(input, specs, limits) {
      return processed(await send({ input, specs, limits }).answer);
    },
    async processAndStore(input, specs, limits, blobs) {
      if (blobs.kind !== 'local') return storeImage(blobs, processed(await send({ input, specs, limits }).answer));
      const imageId = newImageId();
      const { target, answer } = send({ input, specs, limits, store: { root: blobs.root, imageId } });
      try {
        const stored = await answer;
        if ('stored' in stored) return stored.stored;
        throw new Error('The image process returned an image it was asked to store.');
      } catch (error) {
        // A process that answered cleaned up after itself; one killed or dead may have left files:
        // removed once it is gone (a listing of one key directory, on this rare path only).
        if (target.killed || target.exitCode !== null || target.signalCode !== null) {
          void exited(target).then(() => removeImage(blobs, imageId)).catch(() => undefined);
        }
        throw error;
      }
    },
    async close() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.disconnect();
      await exited;
    },
  };
}
