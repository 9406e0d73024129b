/**
 * `npm run bench:uploads`: profile reads while four 12-megapixel uploads are processed, one
 * row per way of running image work, side by side in interleaved rounds: per round and mode,
 * lone uploads (answered once every variant is stored; their CPU in the API and the image
 * process), reads alone, then reads while four clients upload back to back. Reports p50/p99 per mode, the ratio busy p99 / idle p99 (goal:
 * at most 1.5), and the CPU each process took while the uploads ran.
 *
 * As a server sees it: every mode's API is a process of its own (bench/api-server.ts, with
 * its image process under it), the readers and the uploaders are two more
 * (bench/upload-load.ts), and DynamoDB Local a fifth (bench/engine-host.ts); this process only
 * sets up and counts. CPU is read from /proc (schedstat, all threads) per process, and the
 * machine's busy time from /proc/stat, whose excess over ours is other work on a shared machine.
 *
 * BENCH_QUICK=1: one short round. BENCH_UPLOAD_MODES=inline,idle: only those modes (inline,
 * nice10, nice19, idle-ipc, idle).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ensureTable } from '../src/admin/table.js';
import { createClients } from '../src/engine/client.js';
import { percentile } from './stats.js';
import { childPids, cpuSeconds } from './system.js';
import type { FromClients, ToClients } from './upload-load.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 1 : 2;
const READ_SECONDS = QUICK ? 3 : 6;
const LONE = QUICK ? 1 : 2;
const READERS = 8;
const UPLOADERS = 4;

interface Mode {
  name: string;
  label: string;
  env: Record<string, string>;
}
const ALL_MODES: Mode[] = [
  { name: 'inline', label: 'in the API process (`MEDIA_WORKER=inline`)', env: { MEDIA_WORKER: 'inline' } },
  // The three scheduling choices with the variant bytes sent back, as before; the last row keeps them in the image process.
  { name: 'nice10', label: 'image process, nice 10, variant bytes back to the API process (the former default)', env: { MEDIA_SCHED: 'nice', MEDIA_NICE: '10', BENCH_STORE_IN_API: '1' } },
  { name: 'nice19', label: 'image process, nice 19, variant bytes back to the API process', env: { MEDIA_SCHED: 'nice', MEDIA_NICE: '19', BENCH_STORE_IN_API: '1' } },
  { name: 'idle-ipc', label: 'image process, SCHED_IDLE, variant bytes back to the API process (as with S3)', env: { MEDIA_SCHED: 'idle', BENCH_STORE_IN_API: '1' } },
  { name: 'idle', label: 'image process, SCHED_IDLE, variants written by the image process (default)', env: { MEDIA_SCHED: 'idle' } },
];
const wanted = process.env.BENCH_UPLOAD_MODES?.split(',');
const MODES = wanted ? ALL_MODES.filter((m) => wanted.includes(m.name)) : ALL_MODES;
const log = (message: string) => process.stderr.write(`[uploads ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

const children: ChildProcess[] = [];
const start = <T>(script: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; first: T }> => {
  const child = fork(new URL(script, import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env } });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', (first: T) => resolve({ child, first }));
    child.once('exit', (code) => reject(new Error(`${script} exited: ${code}`)));
  });
};
const descendants = (pid: number): number[] => [pid, ...childPids(pid).flatMap(descendants)];
const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
/** The machine's busy CPU seconds so far (all cores): /proc/stat less idle and iowait. */
const machineBusy = (): number => {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ
};

log('starting DynamoDB Local');
const engineHost = await start<{ endpoint: string }>('./engine-host.ts');
const endpoint = engineHost.first.endpoint;
const table = 'bench-uploads';
const setup = createClients({ endpoint, local: true });
await ensureTable(setup.client, table);
setup.destroy();
const workDir = await mkdtemp(join(tmpdir(), 'qp-bench-uploads-'));
const settings: Record<string, string> = {
  DYNAMODB_ENDPOINT: endpoint,
  JWT_SECRET: randomBytes(32).toString('base64url'),
  CURSOR_SECRET: randomBytes(32).toString('base64url'),
  TABLE_NAME: table,
  PHOTOS_DIR: join(workDir, 'photos'),
  RATE_LIMIT_AUTH: '0',
  RATE_LIMIT_WRITES: '0',
  MAX_UPLOAD_BYTES: String(40 * 1024 * 1024),
  UPLOADS_PER_HOUR: '100000',
  STORAGE_QUOTA_BYTES: String(1024 ** 4),
  // Above the four uploaders: a slot is released just after its answer, as the next upload may start.
  UPLOADS_PER_USER: '8',
  WEB_DIR: '',
};
const apis: Record<string, { pid: number; base: string }> = {};
for (const mode of MODES) {
  const { child, first } = await start<{ port: number }>('./api-server.ts', { ...settings, ...mode.env });
  apis[mode.name] = { pid: child.pid ?? -1, base: `http://127.0.0.1:${first.port}` };
}
const readersProcess = fork(new URL('./upload-load.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'] });
const uploadersProcess = fork(new URL('./upload-load.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'] });
children.push(readersProcess, uploadersProcess);
const ask = <T extends FromClients['type']>(child: ChildProcess, message: ToClients, type: T): Promise<Extract<FromClients, { type: T }>> =>
  new Promise((resolve, reject) => {
    child.once('message', (answer: FromClients) => (answer.type === type ? resolve(answer as Extract<FromClients, { type: T }>) : reject(new Error(JSON.stringify(answer)))));
    child.send(message);
  });

const base0 = apis[MODES[0]!.name]!.base;
const signUp = async (username: string) => {
  const response = await fetch(`${base0}/v1/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, name: username, email: `${username}@example.com`, birthdate: '1990-01-01', password: `password-${username}` }),
  });
  return ((await response.json()) as { session: { accessToken: string } }).session.accessToken;
};
const uploader = await signUp('uploader');
const reader = await signUp('reader');

// A photo-like 12 MP JPEG: a gradient under sensor-like noise.
const photo = join(workDir, 'photo.jpg');
await writeFile(
  photo,
  await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#6a8fb5', noise: { type: 'gaussian', mean: 128, sigma: 24 } } })
    .jpeg({ quality: 90 })
    .toBuffer(),
);
const uploadJob = (base: string) => ({ base, token: uploader, path: '/v1/users/uploader/photos', photo });
const readJob = (base: string) => ({ type: 'read', base, token: reader, path: '/v1/users/reader', readers: READERS, seconds: READ_SECONDS }) as const;

interface Samples {
  idle: number[];
  busy: number[];
  lone: number[];
  /** CPU milliseconds a lone upload took in the API process and in the image process. */
  loneCpu: { api: number[]; image: number[] };
  uploads: number;
  load: number[];
  /** CPU seconds while the uploads ran, per process, and the wall seconds they ran. */
  cpu: { api: number; image: number; engine: number; readers: number; uploaders: number; machine: number; wall: number };
  policies: Set<string>;
}
const samples: Record<string, Samples> = Object.fromEntries(
  MODES.map((m) => [m.name, { idle: [], busy: [], lone: [], loneCpu: { api: [], image: [] }, uploads: 0, load: [], cpu: { api: 0, image: 0, engine: 0, readers: 0, uploaders: 0, machine: 0, wall: 0 }, policies: new Set() }]),
);
const POLICY_NAMES: Record<string, string> = { '0': 'SCHED_OTHER', '5': 'SCHED_IDLE' };
const policyOf = (pid: number): string => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return `${POLICY_NAMES[fields[38]!] ?? fields[38]} nice ${fields[16]}`;
  } catch {
    return 'gone';
  }
};

for (const mode of MODES) await ask(uploadersProcess, { type: 'upload-once', ...uploadJob(apis[mode.name]!.base) }, 'uploaded'); // warm-up: the image process starts
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of round % 2 ? [...MODES].reverse() : MODES) {
    const s = samples[mode.name]!;
    const api = apis[mode.name]!;
    const imagePids = () => descendants(api.pid).slice(1);
    for (let i = 0; i < LONE; i++) {
      const [apiBefore, imageBefore] = [cpuSeconds(api.pid) ?? 0, cpuOf(imagePids())];
      s.lone.push((await ask(uploadersProcess, { type: 'upload-once', ...uploadJob(api.base) }, 'uploaded')).ms);
      s.loneCpu.api.push(((cpuSeconds(api.pid) ?? 0) - apiBefore) * 1000);
      s.loneCpu.image.push((cpuOf(imagePids()) - imageBefore) * 1000);
    }
    s.idle.push(...(await ask(readersProcess, readJob(api.base), 'latencies')).values);
    uploadersProcess.send({ type: 'upload-start', ...uploadJob(api.base), uploaders: UPLOADERS } satisfies ToClients);
    const counters = () => ({
      api: cpuSeconds(api.pid) ?? 0,
      image: cpuOf(imagePids()),
      engine: cpuOf(descendants(engineHost.child.pid ?? -1)),
      readers: cpuSeconds(readersProcess.pid ?? -1) ?? 0,
      uploaders: cpuSeconds(uploadersProcess.pid ?? -1) ?? 0,
      machine: machineBusy(),
      wall: performance.now() / 1000,
    });
    const before = counters();
    s.busy.push(...(await ask(readersProcess, readJob(api.base), 'latencies')).values);
    const after = counters();
    for (const pid of imagePids()) s.policies.add(policyOf(pid));
    for (const key of Object.keys(before) as (keyof typeof before)[]) s.cpu[key] += after[key] - before[key];
    s.uploads += (await ask(uploadersProcess, { type: 'upload-stop' }, 'stopped')).uploads;
    s.load.push(loadavg()[0]!);
    log(`round ${round + 1} ${mode.name} done`);
  }
}
for (const child of children.reverse()) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.disconnect();
  await exited;
}
await rm(workDir, { recursive: true, force: true });

const p = (values: number[], q: number) => percentile([...values].sort((a, b) => a - b), q);
const f = (n: number) => n.toFixed(1);
const cores = (seconds: number, wall: number) => (seconds / wall).toFixed(2);
// Reads alone are the same work in every mode (no image is processed): pooled, their p99 is a steadier denominator on a shared machine.
const pooledIdle = p(MODES.flatMap((m) => samples[m.name]!.idle), 99);
const lines = [
  `## Reads under uploads (\`npm run bench:uploads\`, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
  '',
  `Profile reads (${READERS} concurrent readers) alone, then while ${UPLOADERS} clients upload 12 MP JPEGs back to back; ${ROUNDS} interleaved rounds of ${READ_SECONDS} s per phase and mode, ${LONE} lone upload(s) per round. ` +
    'The API, the readers, the uploaders and DynamoDB Local are four processes (the image process runs under the API). ' +
    'A lone upload is answered once every variant is stored (the photo is ready). ' +
    'The second ratio divides by the p99 of the reads alone of all modes, pooled (the same work in every mode), steadier when other work shares the machine. ' +
    'A lone upload\'s CPU: median milliseconds it took in the API process and in the image process (from /proc, all threads). ' +
    'CPU under uploads: cores each process used while the four uploaders ran (CPU seconds / wall seconds); "other" is the rest of the machine (other work on a shared machine).',
  '',
  '| images decoded | reads p50 idle (ms) | p99 idle | p50 under uploads | p99 under uploads | **p99 ratio** (goal <= 1.5) | ratio to the pooled idle p99 | uploads done | lone 12 MP upload, median (ms) | its CPU (ms): API | image process | CPU under uploads (cores): API | image process | DynamoDB Local | readers | uploaders | other | load avg |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...MODES.map((mode) => {
    const s = samples[mode.name]!;
    const { cpu } = s;
    const ratio = p(s.busy, 99) / p(s.idle, 99);
    const other = cpu.machine - cpu.api - cpu.image - cpu.engine - cpu.readers - cpu.uploaders;
    return (
      `| ${mode.label} | ${f(p(s.idle, 50))} | ${f(p(s.idle, 99))} | ${f(p(s.busy, 50))} | ${f(p(s.busy, 99))} | **${ratio.toFixed(2)}** | ${(p(s.busy, 99) / pooledIdle).toFixed(2)} | ${s.uploads} | ${f(p(s.lone, 50))} | ${p(s.loneCpu.api, 50).toFixed(0)} | ${p(s.loneCpu.image, 50).toFixed(0)} ` +
      `| ${cores(cpu.api, cpu.wall)} | ${cores(cpu.image, cpu.wall)} | ${cores(cpu.engine, cpu.wall)} | ${cores(cpu.readers, cpu.wall)} | ${cores(cpu.uploaders, cpu.wall)} | ${cores(Math.max(0, other), cpu.wall)} ` +
      `| ${s.load.map(f).join(', ')} |`
    );
  }),
  '',
  `Image processes seen under uploads: ${MODES.filter((m) => samples[m.name]!.policies.size > 0).map((m) => `${m.name}: ${[...samples[m.name]!.policies].join(', ')}`).join('; ')}.`,
  '',
];
process.stdout.write(lines.join('\n') + '\n');
