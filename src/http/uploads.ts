/**
 * Upload mechanics shared by the multipart and direct-upload routes: a gate bounding uploads
 * in flight (per user and in total), and streaming a body to a temporary file with a size
 * bound and an idle timeout, so no upload is ever held in memory or open forever.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../errors.js';
import { storageError } from '../blobs/index.js';
import { HttpError } from './errors.js';

export const uploadErrors = {
  inProgress: (max: number) => new DomainError('busy', 'UPLOAD_IN_PROGRESS', `At most ${max} uploads at once per user; wait for one to finish.`),
  busy: () => new DomainError('unavailable', 'UPLOADS_BUSY', 'The service is receiving as many uploads as it can; retry shortly.'),
  timeout: (ms: number) => new HttpError(408, 'UPLOAD_TIMEOUT', `The upload sent nothing for ${ms} ms and was cut off; retry it.`),
  tooLarge: (limit: number) => new HttpError(413, 'PAYLOAD_TOO_LARGE', `The file is larger than the limit of ${limit} bytes.`),
  malformed: (why: string) => new HttpError(400, 'MALFORMED_MULTIPART', `The multipart body is malformed (${why}); send multipart/form-data with a boundary and a file field.`),
};

export interface UploadGate {
  /** Takes a slot or throws 429 UPLOAD_IN_PROGRESS / 503 UPLOADS_BUSY; the returned release is idempotent. */
  acquire(username: string): () => void;
  readonly inFlight: number;
}

export function createUploadGate(perUser: number, total: number): UploadGate {
  const byUser = new Map<string, number>();
  let inFlight = 0;
  return {
    get inFlight() {
      return inFlight;
    },
    acquire(username) {
      const mine = byUser.get(username) ?? 0;
      if (mine >= perUser) throw uploadErrors.inProgress(perUser);
      if (inFlight >= total) throw uploadErrors.busy();
      byUser.set(username, mine + 1);
      inFlight += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight -= 1;
        const left = (byUser.get(username) ?? 1) - 1;
        if (left > 0) byUser.set(username, left);
        else byUser.delete(username);
      };
    },
  };
}

export interface ReceivedFile {
  path: string;
  bytes: number;
  /** Removes the temporary file (never throws). */
  remove(): Promise<void>;
}

/**
 * Streams `body` into a new temporary file. Fails with 413 past `limit` bytes (when the
 * source does not enforce it itself), 408 after `idleMs` without data; any failure removes
 * the partial file. Source errors pass through `mapError` (malformed multipart, say).
 */
export async function receiveToFile(
  body: Readable,
  options: { dir: string; limit: number; idleMs: number; mapError?: (error: unknown) => unknown },
): Promise<ReceivedFile> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const path = join(options.dir, randomUUID());
  const remove = () => rm(path, { force: true }).catch(() => undefined);
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > options.limit) return callback(uploadErrors.tooLarge(options.limit));
      arm();
      callback(null, chunk);
    },
  });
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const error = uploadErrors.timeout(options.idleMs);
      guard.destroy(error);
      body.destroy(error);
    }, options.idleMs);
  };
  arm();
  try {
    await pipeline(body, guard, createWriteStream(path, { mode: 0o600 }));
  } catch (error) {
    await remove();
    if (error instanceof HttpError || error instanceof DomainError) throw error;
    const mapped = storageError(error);
    if (mapped !== error) throw mapped;
    throw options.mapError ? options.mapError(error) : error;
  } finally {
    clearTimeout(timer);
  }
  return { path, bytes, remove };
}
