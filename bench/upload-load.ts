/**
 * The clients of `npm run bench:uploads`, in processes of their own so that building and
 * sending ~10 MB multipart bodies, or timing reads, never shares an event loop (or its CPU
 * accounting) with the API they measure. bench/uploads.ts forks one for the readers and one
 * for the uploaders and drives them over IPC.
 */
import { readFile } from 'node:fs/promises';
import { closedLoop } from './stats.js';

export type ToClients =
  | { type: 'read'; base: string; token: string; path: string; readers: number; seconds: number }
  | { type: 'upload-once'; base: string; token: string; path: string; photo: string }
  | { type: 'upload-start'; base: string; token: string; path: string; photo: string; uploaders: number }
  | { type: 'upload-stop' };

export type FromClients =
  | { type: 'latencies'; values: number[] }
  | { type: 'uploaded'; ms: number }
  | { type: 'stopped'; uploads: number }
  | { type: 'failed'; error: string };

const photos = new Map<string, Buffer>();
const photoBytes = async (path: string): Promise<Buffer> => {
  let bytes = photos.get(path);
  if (!bytes) photos.set(path, (bytes = await readFile(path)));
  return bytes;
};

async function upload(base: string, token: string, path: string, photo: string): Promise<number> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await photoBytes(photo))], { type: 'image/jpeg' }), 'photo.jpg');
  const started = performance.now();
  const response = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = await response.text();
  if (response.status !== 201) throw new Error(`upload answered ${response.status}: ${body.slice(0, 200)}`);
  return performance.now() - started;
}

/** The readers' closed loop (stats.ts, as the API benches run theirs); any failed read fails the phase. */
async function read(job: Extract<ToClients, { type: 'read' }>): Promise<number[]> {
  const run = await closedLoop(job.readers, job.seconds * 1000, async () => {
    const response = await fetch(`${job.base}${job.path}`, { headers: { authorization: `Bearer ${job.token}` } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`read answered ${response.status}`);
  });
  if (run.errors > 0) throw new Error(run.firstError);
  return run.samples;
}

let running: { stop: boolean; done: Promise<number> } | undefined;

const answer = (message: FromClients) => process.send?.(message);
const fail = (error: unknown) => answer({ type: 'failed', error: error instanceof Error ? error.message : String(error) });

process.on('message', (message: ToClients) => {
  if (message.type === 'read') read(message).then((values) => answer({ type: 'latencies', values }), fail);
  else if (message.type === 'upload-once') upload(message.base, message.token, message.path, message.photo).then((ms) => answer({ type: 'uploaded', ms }), fail);
  else if (message.type === 'upload-start') {
    const state = { stop: false, done: Promise.resolve(0) };
    let uploads = 0;
    state.done = Promise.all(
      Array.from({ length: message.uploaders }, async () => {
        while (!state.stop) {
          await upload(message.base, message.token, message.path, message.photo);
          uploads += 1;
        }
      }),
    ).then(() => uploads);
    // A failure is reported when the phase ends, with the uploads it stopped.
    running = state;
  } else if (message.type === 'upload-stop' && running) {
    const state = running;
    running = undefined;
    state.stop = true;
    state.done.then((uploads) => answer({ type: 'stopped', uploads }), fail);
  }
});
process.on('disconnect', () => process.exit(0));
