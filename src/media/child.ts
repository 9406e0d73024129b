/**
 * The image process (src/media/isolated.ts starts it): runs processImage for its parent, one
 * message per image, at the priority and thread count the parent gave it. With `store`, it
 * also writes the variants to the local blob store under the image id the parent chose and
 * answers with their keys and sizes only, so the bytes never cross into the API process.
 * Exits with its parent (IPC disconnect).
 */
import sharp from 'sharp';
import { createLocalBlobStore } from '../blobs/index.js';
import { DomainError } from '../errors.js';
import type { StoredImage } from '../schema/entities.js';
import { processImage, type ProcessedImage, type ProcessLimits, type VariantSpec } from './process.js';
import { storeImage } from './store.js';

export type ToImageProcess = { id: number; input: string; specs: readonly VariantSpec[]; limits: ProcessLimits; store?: { root: string; imageId: string } };
export type FromImageProcess =
  | { id: number; ok: true; result: ProcessedImage }
  | { id: number; ok: true; stored: StoredImage }
  | { id: number; ok: false; error: { kind?: DomainError['kind']; code?: DomainError['code']; message: string } };

// One libvips thread per pipeline: the process's share of the cores is its libuv pool (UV_THREADPOOL_SIZE).
sharp.concurrency(1);

async function handle(message: ToImageProcess): Promise<FromImageProcess> {
  const result = await processImage(message.input, message.specs, message.limits);
  if (!message.store) return { id: message.id, ok: true, result };
  return { id: message.id, ok: true, stored: await storeImage(createLocalBlobStore(message.store.root), result, message.store.imageId) };
}

process.on('message', (message: ToImageProcess) => {
  handle(message).then(
    (answer) => process.send?.(answer),
    (error: unknown) => {
      const e = error instanceof DomainError ? { kind: error.kind, code: error.code, message: error.message } : { message: error instanceof Error ? error.message : String(error) };
      process.send?.({ id: message.id, ok: false, error: e } satisfies FromImageProcess);
    },
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
