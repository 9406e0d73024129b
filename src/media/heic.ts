/**
 * HEIC/HEIF (HEVC) decoding with libheif compiled to WebAssembly (libheif-js): sharp's prebuilt
 * libvips reads the container but has no HEVC decoder.
 *
 * WebAssembly runs on the thread that calls it, so the decoder lives in a worker thread: a
 * 12-megapixel HEIC takes about a second of CPU, which must not stall the event loop. One
 * worker decodes one image at a time (the media queue already bounds how many images are in
 * flight); it is ended after DECODER_IDLE_MS without work, which gives its memory back (a
 * WebAssembly memory only grows), and ended and replaced when a decode passes
 * DECODE_TIMEOUT_MS.
 *
 * The worker refuses an image whose declared size is past the bounds it is given before it
 * decodes a pixel (the header is read first). libheif applies the HEIF transforms (irot, imir,
 * clap) while decoding, and only those: EXIF orientation in a HEIC is informative (ISO/IEC
 * 23008-12), so it is not applied again. The answer is bare RGBA pixels, no metadata.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface HeicBounds {
  maxPixels: number;
  maxAspectRatio: number;
}

export type HeicResult =
  | { kind: 'pixels'; width: number; height: number; hasAlpha: boolean; data: Buffer }
  /** The declared size is past a bound: nothing was decoded. */
  | { kind: 'refused'; width: number; height: number }
  | { kind: 'corrupt' };

export const DECODE_TIMEOUT_MS = 30_000;
const DECODER_IDLE_MS = 30_000;

// Plain JavaScript run with `eval`, so the same code works from the sources (tsx, vitest) and
// from the build, with no separate worker file to locate.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// libheif-js reports parse failures with console.log; the answer says it instead.
console.log = () => {};
const libheif = require(workerData.libheif);
function decodeOne(image) {
  const width = image.get_width();
  const height = image.get_height();
  return new Promise((resolve) => {
    image.display({ data: new Uint8ClampedArray(width * height * 4), width, height }, (out) => resolve(out ? { width, height, data: out.data } : undefined));
  });
}
parentPort.on('message', async ({ id, bytes, maxPixels, maxAspectRatio }) => {
  const decoder = new libheif.HeifDecoder();
  let images = [];
  try {
    images = decoder.decode(new Uint8Array(bytes));
    const image = images.find((i) => i.is_primary()) ?? images[0];
    if (!image) return parentPort.postMessage({ id, kind: 'corrupt' });
    const width = image.get_width();
    const height = image.get_height();
    if (!(width > 0 && height > 0)) return parentPort.postMessage({ id, kind: 'corrupt' });
    if (width * height > maxPixels || Math.max(width, height) > maxAspectRatio * Math.min(width, height)) {
      return parentPort.postMessage({ id, kind: 'refused', width, height });
    }
    const out = await decodeOne(image);
    if (!out) return parentPort.postMessage({ id, kind: 'corrupt' });
    const hasAlpha = image.has_alpha_channel();
    parentPort.postMessage({ id, kind: 'pixels', width: out.width, height: out.height, hasAlpha, data: out.data.buffer }, [out.data.buffer]);
  } catch {
    parentPort.postMessage({ id, kind: 'corrupt' });
  } finally {
    for (const image of images) image.free();
    if (decoder.decoder) libheif.heif_context_free(decoder.decoder);
  }
});
`;

interface Answer {
  id: number;
  kind: HeicResult['kind'];
  width?: number;
  height?: number;
  hasAlpha?: boolean;
  data?: ArrayBuffer;
}

const libheifPath = createRequire(import.meta.url).resolve('libheif-js/wasm-bundle');

let worker: Worker | undefined;
let idle: NodeJS.Timeout | undefined;
let nextId = 0;
let tail: Promise<unknown> = Promise.resolve();

function decoderWorker(): Worker {
  if (!worker) {
    const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { libheif: libheifPath } });
    // A decoder waiting for work must not keep the process alive.
    started.unref();
    started.on('exit', () => {
      if (worker === started) worker = undefined;
    });
    worker = started;
  }
  return worker;
}

function endWorker(): void {
  const current = worker;
  worker = undefined;
  if (current) void current.terminate();
}

function decodeNow(bytes: Buffer, bounds: HeicBounds, timeoutMs: number): Promise<HeicResult> {
  clearTimeout(idle);
  const current = decoderWorker();
  const id = (nextId += 1);
  return new Promise<HeicResult>((resolve) => {
    let done = false;
    const finish = (result: HeicResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      current.off('message', onMessage);
      current.off('error', onFailure);
      current.off('exit', onFailure);
      idle = setTimeout(endWorker, DECODER_IDLE_MS).unref();
      resolve(result);
    };
    // A decode past its time, or a worker that died (out of memory, say): the image is
    // refused as undecodable and the next one gets a fresh worker.
    const timer = setTimeout(() => {
      endWorker();
      finish({ kind: 'corrupt' });
    }, timeoutMs);
    const onFailure = () => {
      if (worker === current) endWorker();
      finish({ kind: 'corrupt' });
    };
    const onMessage = (answer: Answer) => {
      if (answer.id !== id) return;
      if (answer.kind === 'pixels' && answer.data && answer.width && answer.height) {
        finish({ kind: 'pixels', width: answer.width, height: answer.height, hasAlpha: answer.hasAlpha === true, data: Buffer.from(answer.data) });
      } else if (answer.kind === 'refused' && answer.width && answer.height) {
        finish({ kind: 'refused', width: answer.width, height: answer.height });
      } else finish({ kind: 'corrupt' });
    };
    current.on('message', onMessage);
    current.once('error', onFailure);
    current.once('exit', onFailure);
    // A copy is sent: the caller's buffer may be a slice of a larger pool.
    const copy = Uint8Array.from(bytes).buffer;
    current.postMessage({ id, bytes: copy, maxPixels: bounds.maxPixels, maxAspectRatio: bounds.maxAspectRatio }, [copy]);
  });
}

/** Decodes one HEIC to RGBA pixels, oriented, after checking its declared size against `bounds`. */
export function decodeHeic(bytes: Buffer, bounds: HeicBounds, timeoutMs = DECODE_TIMEOUT_MS): Promise<HeicResult> {
  const run = tail.then(() => decodeNow(bytes, bounds, timeoutMs));
  tail = run.catch(() => undefined);
  return run;
}
