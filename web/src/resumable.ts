/**
 * The resumable direct upload from the browser: start, PUT each missing part to its URL (with
 * byte progress), ask which parts arrived, and go on from the first missing one. A failed part
 * is retried after an exponential backoff; after MAX_FAILURES failures in a row without a part
 * arriving the upload stops with the last error (never an endless loop). A refusal that a
 * retry cannot change (4xx but 408 and 429) stops at once.
 */
import { getResumableUpload, startResumableUpload, type ResumableUpload, type ResumableUploadRequest } from '@quick-photos/client';
import { backoff } from '../../src/backoff.js';
import { api } from './session.js';

export const MAX_FAILURES = 5;

/** A part PUT that failed: its status (0 when the connection dropped) and the body, when JSON. */
class PartFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`part upload failed (${status})`);
  }
}

const retriable = (error: unknown) => !(error instanceof PartFailure) || error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500;

/** PUTs one part with XMLHttpRequest (fetch reports no upload progress). */
function putPart(part: ResumableUpload['missing'][number], body: Blob, onBytes: (sent: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', part.url);
    // The browser sets Content-Length itself (and refuses a hand-set one).
    for (const [name, value] of Object.entries(part.headers)) if (name.toLowerCase() !== 'content-length') xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onBytes(event.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      let parsed: unknown;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        parsed = undefined;
      }
      reject(new PartFailure(xhr.status, parsed));
    };
    xhr.onerror = () => reject(new PartFailure(0, undefined));
    xhr.send(body);
  });
}

/** Sends `file` in parts; resolves with the upload id once every part arrived (complete it next). */
export async function uploadInParts(username: string, file: File, contentType: ResumableUploadRequest['contentType'], onProgress: (sent: number, total: number) => void): Promise<string> {
  let { data: upload } = await startResumableUpload({ client: api, path: { username }, body: { contentLength: file.size, contentType }, throwOnError: true });
  for (let failures = 0; ; ) {
    const stored = upload.received.reduce((sum, p) => sum + p.size, 0);
    onProgress(stored, file.size);
    if (upload.missing.length === 0) return upload.uploadId;
    let sent = 0;
    try {
      for (const part of upload.missing) {
        const from = (part.partNumber - 1) * upload.partSize;
        await putPart(part, file.slice(from, from + part.size), (bytes) => onProgress(stored + sent + bytes, file.size));
        sent += part.size;
        failures = 0;
      }
    } catch (error) {
      if (!retriable(error) || ++failures >= MAX_FAILURES) throw error instanceof PartFailure ? (error.body ?? error) : error;
      await backoff(failures, 500, 8_000);
    }
    // Which parts arrived: resume from the first missing one, with fresh URLs.
    ({ data: upload } = await getResumableUpload({ client: api, path: { username, uploadId: upload.uploadId }, throwOnError: true }));
  }
}
