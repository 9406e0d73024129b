/**
 * `npm run bench:uploads`: profile reads while four 12-megapixel uploads are processed, with the
 * images decoded in the API's process (MEDIA_WORKER=inline, as before) and in the image process
 * (the default: nice 10, one libvips thread), side by side on one table, in interleaved rounds:
 * per round and mode, reads alone, then reads while four uploads run back to back. Reports
 * p50/p99 per mode and the ratio busy p99 / idle p99 (goal: at most 1.5 with the image process),
 * and a lone upload's answer time (the answer comes once every variant is stored).
 *
 * The readers run in this process (as in bench:media) against the API in this process; the load
 * average is printed beside each figure, the machine being shared. BENCH_QUICK=1: shorter rounds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ensureTable } from '../src/admin/table.js';
import { createLocalBlobStore } from '../src/blobs/index.js';
import { loadConfig } from '../src/config.js';
import { createClients } from '../src/engine/client.js';
import { startEmbeddedEngine } from '../src/engine/embedded.js';
import { buildApp } from '../src/http/app.js';
import { createCursorCodec } from '../src/patterns/index.js';
import { percentile } from './stats.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 1 : 2;
const READ_SECONDS = QUICK ? 3 : 6;
const READERS = 8;
const UPLOADERS = 4;
const MODES = ['inline', 'process'] as const;
type Mode = (typeof MODES)[number];

const engine = await startEmbeddedEngine();
const clients = createClients({ endpoint: engine.endpoint, local: true });
const table = 'bench-uploads';
const photosDir = await mkdtemp(join(tmpdir(), 'qp-bench-uploads-'));
await ensureTable(clients.client, table);
const db = { doc: clients.patterns, table, cursors: createCursorCodec('bench-uploads-cursors-0123456789') };
const settings = {
  DYNAMODB_ENDPOINT: engine.endpoint,
  JWT_SECRET: 'bench-uploads-jwt-secret-0123456789abcdef',
  TABLE_NAME: table,
  PHOTOS_DIR: photosDir,
  RATE_LIMIT_AUTH: '0',
  RATE_LIMIT_WRITES: '0',
  MAX_UPLOAD_BYTES: String(40 * 1024 * 1024),
  UPLOADS_PER_HOUR: '100000',
  STORAGE_QUOTA_BYTES: String(1024 ** 4),
  // Above the four uploaders: a slot is released just after its answer, as the next upload may start.
  UPLOADS_PER_USER: '8',
  WEB_DIR: '',
};
const apps = {} as Record<Mode, { base: string; close(): Promise<void> }>;
for (const mode of MODES) {
  const app = await buildApp({ db, client: clients.client, config: loadConfig({ ...settings, MEDIA_WORKER: mode }), blobs: createLocalBlobStore(photosDir) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  apps[mode] = { base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, close: () => app.close() };
}
const signUp = async (username: string) => {
  const response = await fetch(`${apps.process.base}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, name: username, email: `${username}@example.com`, birthdate: '1990-01-01', password: `password-${username}` }),
  });
  return ((await response.json()) as { session: { accessToken: string } }).session.accessToken;
};
const uploader = await signUp('uploader');
const reader = await signUp('reader');

// A photo-like 12 MP JPEG: a gradient under sensor-like noise.
const photo = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#6a8fb5', noise: { type: 'gaussian', mean: 128, sigma: 24 } } })
  .jpeg({ quality: 90 })
  .toBuffer();

const upload = async (base: string) => {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'photo.jpg');
  const started = performance.now();
  const response = await fetch(`${base}/v1/users/uploader/photos`, { method: 'POST', headers: { authorization: `Bearer ${uploader}` }, body: form });
  await response.arrayBuffer();
  if (response.status !== 201) throw new Error(`upload answered ${response.status}`);
  return performance.now() - started;
};
const readFor = async (base: string, seconds: number) => {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: READERS }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const response = await fetch(`${base}/v1/users/reader`, { headers: { authorization: `Bearer ${reader}` } });
        await response.arrayBuffer();
        if (response.status === 200) latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
};

const samples = Object.fromEntries(MODES.map((m) => [m, { idle: [] as number[], busy: [] as number[], lone: [] as number[], uploads: 0, load: [] as number[] }])) as Record<
  Mode,
  { idle: number[]; busy: number[]; lone: number[]; uploads: number; load: number[] }
>;
for (const mode of MODES) await upload(apps[mode].base); // warm-up: the image process starts
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of round % 2 ? [...MODES].reverse() : MODES) {
    const s = samples[mode];
    const { base } = apps[mode];
    s.lone.push(await upload(base));
    s.idle.push(...(await readFor(base, READ_SECONDS)));
    let stop = false;
    const uploaders = Array.from({ length: UPLOADERS }, async () => {
      while (!stop) {
        await upload(base);
        s.uploads += 1;
      }
    });
    s.busy.push(...(await readFor(base, READ_SECONDS)));
    stop = true;
    await Promise.all(uploaders);
    s.load.push(loadavg()[0]!);
    process.stderr.write(`[uploads] round ${round + 1} ${mode} done\n`);
  }
}
for (const mode of MODES) await apps[mode].close();
await engine.stop();
await rm(photosDir, { recursive: true, force: true });

const p = (values: number[], q: number) => percentile([...values].sort((a, b) => a - b), q);
const f = (n: number) => n.toFixed(1);
const lines = [
  `## Reads under uploads (\`npm run bench:uploads\`, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
  '',
  `Profile reads (${READERS} concurrent readers) alone, then while ${UPLOADERS} clients upload 12 MP JPEGs back to back; ${ROUNDS} interleaved rounds of ${READ_SECONDS} s per phase and mode. ` +
    'A lone upload is answered once every variant is stored (the photo is ready).',
  '',
  '| images decoded | reads p50 idle (ms) | p99 idle | p50 under uploads | p99 under uploads | **p99 ratio** (goal <= 1.5) | uploads done | lone 12 MP upload, median (ms) | load avg |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...MODES.map((mode) => {
    const s = samples[mode];
    const ratio = p(s.busy, 99) / p(s.idle, 99);
    return `| ${mode === 'inline' ? 'in the API process (MEDIA_WORKER=inline)' : 'image process, nice 10, 1 thread (default)'} | ${f(p(s.idle, 50))} | ${f(p(s.idle, 99))} | ${f(p(s.busy, 50))} | ${f(p(s.busy, 99))} | **${ratio.toFixed(2)}** | ${s.uploads} | ${f(p(s.lone, 50))} | ${s.load.map(f).join(', ')} |`;
  }),
  '',
];
process.stdout.write(lines.join('\n') + '\n');
