/**
 * The image process (src/media/isolated.ts starts it): runs processImage for its parent, one
 * message per image, at the priority and thread count the parent gave it. Exits with its
 * parent (IPC disconnect).
 */
import sharp from 'sharp';
import { DomainError } from '../errors.js';
import { processImage, type ProcessLimits, type VariantSpec } from './process.js';

export type ToImageProcess = { id: number; input: string; specs: readonly VariantSpec[]; limits: ProcessLimits };
export type FromImageProcess =
  | { id: number; ok: true; result: Awaited<ReturnType<typeof processImage>> }
  | { id: number; ok: false; error: { kind?: DomainError['kind']; code?: DomainError['code']; message: string } };

// One libvips thread per pipeline: the process's share of the cores is its libuv pool (UV_THREADPOOL_SIZE).
sharp.concurrency(1);

process.on('message', (message: ToImageProcess) => {
  processImage(message.input, message.specs, message.limits).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies FromImageProcess),
    (error: unknown) => {
      const e = error instanceof DomainError ? { kind: error.kind, code: error.code, message: error.message } : { message: error instanceof Error ? error.message : String(error) };
      process.send?.({ id: message.id, ok: false, error: e } satisfies FromImageProcess);
    },
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
