/**
 * Upload mechanics shared by the multipart and direct-upload routes: a gate bounding uploads
 * in flight (per user, in total, and a fair share so that a few users cannot take every place),
 * and streaming a body to a temporary file with a size bound, an idle timeout and a minimum
 * average rate, so no upload is ever held in memory or open for long.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IncomingMessage } from 'node:http';
import { finished, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../config/index.js';
import { DomainError } from '../errors.js';
import { storageError } from '../blobs/index.js';
import { HttpError } from './errors.js';

export const uploadErrors = {
  inProgress: (max: number) => new DomainError('busy', 'UPLOAD_IN_PROGRESS', `At most ${max} uploads at once per user; wait for one to finish.`),
  fairShare: () => new DomainError('busy', 'UPLOAD_IN_PROGRESS', 'The remaining upload places are kept for users not uploading yet; wait for one of yours to finish.'),
  busy: () => new DomainError('unavailable', 'UPLOADS_BUSY', 'The service is receiving as many uploads as it can; retry shortly.'),
  timeout: (ms: number) => new HttpError(408, 'UPLOAD_TIMEOUT', `The upload sent nothing for ${ms} ms and was cut off; retry it.`),
  tooSlow: (bytesPerSecond: number, windowMs: number) =>
    new HttpError(408, 'UPLOAD_TOO_SLOW', `The upload sent less than ${bytesPerSecond} bytes per second over ${windowMs} ms and was cut off; retry it on a better connection.`),
  tooLarge: (limit: number) => new HttpError(413, 'PAYLOAD_TOO_LARGE', `The file is larger than the limit of ${limit} bytes.`),
  malformed: (why: string) => new HttpError(400, 'MALFORMED_MULTIPART', `The multipart body is malformed (${why}); send multipart/form-data with a boundary and a file field.`),
};

export interface UploadGate {
  /** Takes a slot or throws 429 UPLOAD_IN_PROGRESS / 503 UPLOADS_BUSY; the returned release is idempotent. */
  acquire(username: string): () => void;
  readonly inFlight: number;
}

/**
 * At most `perUser` places per user and `total` in all; a user who holds a place already gets
 * another only while more than `reserved` stay free, so the last `reserved` places go only to
 * users with no upload in flight. Holding every place thus takes at least
 * `reserved + ceil((total - reserved) / perUser)` distinct users (12 by default), each
 * sending at least the minimum rate.
 */
export function createUploadGate(perUser: number, total: number, reserved = 0): UploadGate {
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
      if (mine > 0 && total - inFlight <= reserved) throw uploadErrors.fairShare();
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

/** A body slower than `bytesPerSecond` on average over any whole window of `windowMs` is cut off. */
export interface MinimumRate {
  bytesPerSecond: number;
  windowMs: number;
}

/** The configured minimum rate of client bodies (UPLOAD_MIN_BYTES_PER_SECOND over UPLOAD_RATE_WINDOW_MS). */
export const minimumRate = (config: Config): MinimumRate => ({ bytesPerSecond: config.media.uploadMinBytesPerSecond, windowMs: config.media.uploadRateWindowMs });

/**
 * Streams `body` into a new temporary file. Fails with 413 past `limit` bytes (when the
 * source does not enforce it itself), 408 UPLOAD_TIMEOUT after `idleMs` without data, 408
 * UPLOAD_TOO_SLOW below `minRate`; any failure removes the partial file. Source errors pass
 * through `mapError` (malformed multipart, say). A client's request body that is cut off is
 * left unread rather than destroyed, so that the answer still reaches the client.
 */
export async function receiveToFile(
  body: Readable,
  options: { dir: string; limit: number; idleMs: number; minRate?: MinimumRate | undefined; mapError?: (error: unknown) => unknown },
): Promise<ReceivedFile> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const path = join(options.dir, randomUUID());
  const remove = () => rm(path, { force: true }).catch(() => undefined);
  let bytes = 0;
  let idle: NodeJS.Timeout | undefined;
  let window: NodeJS.Timeout | undefined;
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > options.limit) return callback(uploadErrors.tooLarge(options.limit));
      arm();
      callback(null, chunk);
    },
  });
  const cut = (error: Error) => {
    body.unpipe(guard);
    guard.destroy(error);
  };
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => cut(uploadErrors.timeout(options.idleMs)), options.idleMs);
  };
  arm();
  const rate = options.minRate;
  if (rate && rate.bytesPerSecond > 0) {
    const least = (rate.bytesPerSecond * rate.windowMs) / 1000;
    let atWindowStart = 0;
    window = setInterval(() => {
      if (bytes - atWindowStart < least) cut(uploadErrors.tooSlow(rate.bytesPerSecond, rate.windowMs));
      atWindowStart = bytes;
    }, rate.windowMs);
  }
  // Piped by hand, not by pipeline(): pipeline would destroy a client's request on a cut-off.
  // The source's errors and early close reach the file's pipeline as pipeline would pass them.
  const stopWatching = finished(body, { writable: false }, (error) => {
    if (error) guard.destroy(error);
  });
  body.pipe(guard);
  try {
    await pipeline(guard, createWriteStream(path, { mode: 0o600 }));
  } catch (error) {
    body.unpipe(guard);
    // A stored file's stream or a multipart part is ours to close; a client's request is not.
    if (!(body instanceof IncomingMessage)) body.destroy();
    await remove();
    if (error instanceof HttpError || error instanceof DomainError) throw error;
    const mapped = storageError(error);
    if (mapped !== error) throw mapped;
    throw options.mapError ? options.mapError(error) : error;
  } finally {
    clearTimeout(idle);
    clearInterval(window);
    stopWatching();
  }
  return { path, bytes, remove };
}
