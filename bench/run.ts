/**
 * `npm run bench`: the API against the engine's own limit, on one embedded in-memory engine.
 *
 * 1. Bulk load a generated dataset (>= 100k items) with loadItems, and the same items with raw
 *    BatchWriteItem at the same concurrency into a fresh table.
 * 2. Scale: first-page latency and cost of recent photos and followers with partitions of
 *    10 to 100,000 items.
 * 3. Every access pattern served over HTTP, measured with autocannon (in its own process)
 *    against the API (auth, validation and request logging on), and side by side the raw SDK
 *    call(s) the pattern makes, at concurrency 1 and 16; order alternates to cancel drift.
 * 4. DynamoDB requests and consumed capacity per pattern, from the SDK middleware.
 * 5. Where a read pattern is below 0.9 of raw: a CPU profile of the API process under load.
 *
 * Results go to BENCHMARKS.md (BENCH_OUTPUT=path elsewhere). BENCH_QUICK=1 is a smoke run (small data, short
 * runs) written to the temporary directory. BENCH_ONLY="get profile,react" runs only those patterns (and the control).
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import Fastify from 'fastify';
import { pino } from 'pino';
import { loadItems } from '../src/admin/load.js';
import { generateItems, type GeneratedItem } from '../src/admin/generate.js';
import { deleteTable, ensureTable } from '../src/admin/table.js';
import { createLocalBlobStore } from '../src/blobs/index.js';
import { loadConfig } from '../src/config.js';
import { createClients } from '../src/engine/client.js';
import { startEmbeddedEngine } from '../src/engine/embedded.js';
import { attachMetrics, type OperationMetrics } from '../src/engine/metrics.js';
import { buildApp } from '../src/http/app.js';
import { createCursorCodec, type Db } from '../src/patterns/index.js';
import { encodeFriendship, encodePhoto, encodeUser, type RawItem } from '../src/schema/items.js';
import { keys, ranges } from '../src/schema/keys.js';
import { canonicalTimestamp } from '../src/schema/timestamps.js';
import type { FromLoader, LoadJob, ToLoader } from './http-load.js';
import { CONTROL, SCENARIOS, type Fixture, type Scenario } from './scenarios.js';
import { childPids, cpuMeter, profile, type ProfileSummary } from './system.js';
import { closedLoop, fmt, merge, type RunStats } from './stats.js';

const QUICK = process.env.BENCH_QUICK === '1';
const P = QUICK
  ? { users: 200, seconds: 1.5, warmup: 0.5, scaleSizes: [10, 1_000, 5_000], scaleSeconds: 0.5, actors: 16, loadConcurrency: 8, profileSeconds: 1 }
  : { users: 2_100, seconds: 5, warmup: 1, scaleSizes: [10, 1_000, 100_000], scaleSeconds: 2, actors: 64, loadConcurrency: 8, profileSeconds: 3 };
const CONCURRENCY = [1, 16];
// A smoke run must not overwrite the committed figures.
const OUTPUT = process.env.BENCH_OUTPUT ?? (QUICK ? join(tmpdir(), 'quick-photos-bench-quick.md') : 'BENCHMARKS.md');

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const began = performance.now();

// ---------------------------------------------------------------------------------------------
// Engine and clients
// ---------------------------------------------------------------------------------------------
log(`${QUICK ? 'quick smoke run' : 'full run'}: starting the embedded engine (in memory)`);
const engine = await startEmbeddedEngine();
const jvmPid = childPids(engine.pid)[0] ?? engine.pid;
// Loading uses a patient client; the API and the raw runs share one with the service's defaults.
const loader = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: 60_000 });
const service = createClients({ endpoint: engine.endpoint, local: true });
const metrics = attachMetrics(service.client);
const table = 'bench';
const cursors = createCursorCodec(randomBytes(32).toString('base64url'));
const db: Db = { doc: service.doc, table, cursors };

// ---------------------------------------------------------------------------------------------
// 1. Bulk load
// ---------------------------------------------------------------------------------------------
log(`generating ${P.users} users' data (seed 42)`);
const items: GeneratedItem[] = [...generateItems({ users: P.users, seed: 42 })];
const lines = items.map((item) => JSON.stringify(item));
const photoCount = new Map<string, number>();
for (const item of items) if ('location' in item) photoCount.set(item.username, (photoCount.get(item.username) ?? 0) + 1);

async function rawBatchWrite(tableName: string, all: RawItem[], concurrency: number): Promise<number> {
  const chunks: RawItem[][] = [];
  for (let i = 0; i < all.length; i += 25) chunks.push(all.slice(i, i + 25));
  let next = 0;
  let requests = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let pending = chunks[next++]!.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** Math.min(attempt, 6)));
        requests++;
        const out = await loader.doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
        pending = (out.UnprocessedItems?.[tableName] ?? []).flatMap((r) => (r.PutRequest?.Item ? [{ PutRequest: { Item: r.PutRequest.Item } }] : []));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return requests;
}

interface BulkResult {
  name: string;
  items: number;
  seconds: number;
  requests: number;
}
const bulk: BulkResult[] = [];
await ensureTable(loader.client, table);
await ensureTable(loader.client, `${table}-raw`);
{
  // Raw first, then loadItems: a second run (BENCH_BULK_ORDER=loader-first) flips it.
  const loaderFirst = process.env.BENCH_BULK_ORDER === 'loader-first';
  const runLoader = async () => {
    log(`bulk: loadItems of ${items.length} items at concurrency ${P.loadConcurrency}`);
    const t = performance.now();
    const result = await loadItems(loader.doc, table, lines, { concurrency: P.loadConcurrency });
    if (result.badLines.length > 0 || result.written !== items.length) throw new Error(`loadItems wrote ${result.written} of ${items.length}`);
    bulk.push({ name: 'loadItems (JSON lines: parse, check, BatchWriteItem, retries)', items: result.written, seconds: (performance.now() - t) / 1000, requests: result.requests });
  };
  const runRaw = async () => {
    log(`bulk: raw BatchWriteItem of the same ${items.length} items at concurrency ${P.loadConcurrency}`);
    const t = performance.now();
    const requests = await rawBatchWrite(`${table}-raw`, items as unknown as RawItem[], P.loadConcurrency);
    bulk.push({ name: 'raw BatchWriteItem (ready objects, 25 per request)', items: items.length, seconds: (performance.now() - t) / 1000, requests });
  };
  if (loaderFirst) {
    await runLoader();
    await runRaw();
  } else {
    await runRaw();
    await runLoader();
  }
  await deleteTable(loader.client, `${table}-raw`);
}

// ---------------------------------------------------------------------------------------------
// 2. Scale partitions
// ---------------------------------------------------------------------------------------------
const BASE = Date.UTC(2020, 0, 1);
const scaleUser = (kind: string, n: number) => `scale-${kind}-${n}`;
function* scaleItems(): Generator<string> {
  for (const n of P.scaleSizes) {
    const base = { name: 'Scale', email: 'scale@example.com', birthdate: '1990-01-01', address: '', status: '', interests: [], following: 0 };
    yield JSON.stringify(encodeUser({ ...base, username: scaleUser('photos', n), followers: 0 }));
    for (let i = 0; i < n; i++) {
      const timestamp = canonicalTimestamp(new Date(BASE + i * 1000));
      yield JSON.stringify(encodePhoto({ username: scaleUser('photos', n), timestamp, location: `file:///scale/${i}.png`, reactions: { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 } }));
    }
    yield JSON.stringify(encodeUser({ ...base, username: scaleUser('followers', n), followers: n }));
    for (let i = 0; i < n; i++) {
      yield JSON.stringify(encodeFriendship({ followedUser: scaleUser('followers', n), followingUser: `fan-${i}`, timestamp: canonicalTimestamp(new Date(BASE + i * 1000)) }));
    }
  }
}
const scaleTotal = P.scaleSizes.reduce((sum, n) => sum + 2 * (n + 1), 0);
log(`scale: loading ${scaleTotal} items into partitions of ${P.scaleSizes.join(', ')}`);
const scaleLoad = await (async () => {
  const t = performance.now();
  const result = await loadItems(loader.doc, table, scaleItems(), { concurrency: P.loadConcurrency });
  return { items: result.written, seconds: (performance.now() - t) / 1000 };
})();

// ---------------------------------------------------------------------------------------------
// 3. The API, its accounts and the load generator
// ---------------------------------------------------------------------------------------------
const photosDir = await mkdtemp(join(tmpdir(), 'qp-bench-photos-'));
const logFile = join(photosDir, 'requests.log');
const config = loadConfig({
  DYNAMODB_ENDPOINT: engine.endpoint,
  TABLE_NAME: table,
  JWT_SECRET: randomBytes(32).toString('base64url'),
  ACCESS_TOKEN_TTL_SECONDS: '7200',
  RATE_LIMIT_AUTH: '0',
  RATE_LIMIT_WRITES: '0',
  PHOTOS_DIR: photosDir,
});
// Request logging as in production (pino, info level, one line per request), to a file.
const logger = pino({ level: 'info' }, pino.destination({ dest: logFile, sync: false }));
const app = await buildApp({ db, client: service.client, config, blobs: createLocalBlobStore(photosDir), logger });
await app.listen({ port: 0, host: '127.0.0.1' });
const port = (app.server.address() as { port: number }).port;
const url = `http://127.0.0.1:${port}`;

// The yardstick: the same GetItem behind a bare Fastify route, nothing else.
const bare = Fastify({ logger: false });
bare.get<{ Params: { username: string } }>('/bare/:username', async (request) => {
  const out = await service.doc.send(new GetCommand({ TableName: table, Key: keys.user(request.params.username) }));
  return out.Item ?? {};
});
await bare.listen({ port: 0, host: '127.0.0.1' });
const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;

log(`signing up ${P.actors} accounts through the API`);
const actors: Fixture['actors'] = [];
for (let i = 0; i < P.actors; i += 4) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(4, P.actors - i) }, async (_, j) => {
      const username = `bench-actor-${i + j}`;
      const response = await fetch(`${url}/v1/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, name: 'Bench Actor', email: `${username}@example.com`, birthdate: '1990-01-01', password: `password-${username}` }),
      });
      const body = (await response.json()) as { session?: { accessToken: string } };
      if (response.status !== 201 || !body.session) throw new Error(`sign-up failed: ${response.status} ${JSON.stringify(body)}`);
      return { username, token: body.session.accessToken };
    }),
  );
  actors.push(...batch);
}

const fixture: Fixture = {
  users: items.flatMap((item) =>
    'followers' in item && item.followers > 0 && item.following > 0 && (photoCount.get(item.username) ?? 0) > 0 ? [item.username] : [],
  ),
  photos: items.flatMap((item) => ('location' in item ? [{ owner: item.username, timestamp: item.timestamp }] : [])),
  actors,
};
log(`fixture: ${fixture.users.length} users, ${fixture.photos.length} photos, ${actors.length} actors`);

const child: ChildProcess = fork(new URL('./http-load.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'] });
let loaderExit: ((code: number | null) => void) | undefined;
child.on('exit', (code) => loaderExit?.(code));
function ask(message: ToLoader): Promise<FromLoader | { type: 'ready' }> {
  return new Promise((resolve, reject) => {
    loaderExit = (code) => reject(new Error(`load generator exited (${code})`));
    child.once('message', (answer: FromLoader | { type: 'ready' }) => resolve(answer));
    child.send(message);
  });
}
await ask({ type: 'init', fixture });
const cpu = cpuMeter({ node: process.pid, loader: child.pid ?? -1, engine: jvmPid });

let k = 0;
async function apiRun(scenario: Scenario, connections: number, seconds: number): Promise<RunStats> {
  const job: LoadJob = { url: scenario === CONTROL ? bareUrl : url, scenario: scenario.name, connections, seconds, kStart: k };
  const answer = await ask({ type: 'run', job });
  if (answer.type !== 'result') throw new Error(answer.type === 'failed' ? answer.error : 'unexpected answer');
  k = answer.kEnd;
  return answer.stats;
}
function rawRun(scenario: Scenario, concurrency: number, seconds: number): Promise<RunStats> {
  return closedLoop(concurrency, seconds * 1000, () => scenario.raw(k++, fixture, db));
}

// ---------------------------------------------------------------------------------------------
// 4. Requests and capacity per pattern (one request each way, counted by the middleware)
// ---------------------------------------------------------------------------------------------
interface Counted {
  scenario: string;
  api: Record<string, OperationMetrics>;
  raw: Record<string, OperationMetrics>;
}
const counted: Counted[] = [];
for (const scenario of SCENARIOS) {
  const request = scenario.api(k++, fixture);
  metrics.reset();
  const response = await fetch(url + request.path, { method: request.method, headers: { authorization: `Bearer ${request.token}` } });
  await response.arrayBuffer();
  if (response.status >= 300) throw new Error(`${scenario.name}: ${request.method} ${request.path} answered ${response.status}`);
  const api = metrics.snapshot();
  metrics.reset();
  await scenario.raw(k++, fixture, db);
  counted.push({ scenario: scenario.name, api, raw: metrics.snapshot() });
}

// ---------------------------------------------------------------------------------------------
// 5. Throughput and latency, API versus raw
// ---------------------------------------------------------------------------------------------
interface Measured {
  scenario: Scenario;
  concurrency: number;
  api: RunStats;
  raw: RunStats;
  apiCores: Record<string, number>;
  rawCores: Record<string, number>;
}
const measured: Measured[] = [];
// BENCH_ONLY="get profile,react" narrows the run (the control always runs).
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const all = [...SCENARIOS.filter((s) => !only || only.includes(s.name)), CONTROL];
for (const [index, scenario] of all.entries()) {
  log(`${scenario.name}: warm-up`);
  await apiRun(scenario, 16, P.warmup);
  await rawRun(scenario, 16, P.warmup);
  for (const concurrency of CONCURRENCY) {
    // A-B-B-A in two halves per side: a linear drift during the pair weighs on both sides alike.
    const apiFirst = (index + concurrency) % 2 === 0;
    const order = apiFirst ? ['api', 'raw', 'raw', 'api'] : ['raw', 'api', 'api', 'raw'];
    const parts: Record<string, RunStats[]> = { api: [], raw: [] };
    const used: Record<string, { seconds: number; cores: Record<string, number> }[]> = { api: [], raw: [] };
    for (const side of order) {
      cpu.start();
      const t = performance.now();
      const stats = side === 'api' ? await apiRun(scenario, concurrency, P.seconds / 2) : await rawRun(scenario, concurrency, P.seconds / 2);
      const cores = cpu.stop();
      parts[side]!.push(stats);
      used[side]!.push({ seconds: (performance.now() - t) / 1000, cores });
    }
    const average = (list: { seconds: number; cores: Record<string, number> }[]) => {
      const total = list.reduce((sum, u) => sum + u.seconds, 0);
      const out: Record<string, number> = {};
      for (const u of list) for (const [name, c] of Object.entries(u.cores)) out[name] = (out[name] ?? 0) + (c * u.seconds) / total;
      return out;
    };
    const api = merge(parts.api!);
    const raw = merge(parts.raw!);
    const apiCores = average(used.api!);
    const rawCores = average(used.raw!);
    const row = { scenario, concurrency, api, raw, apiCores, rawCores };
    measured.push(row);
    log(
      `${scenario.name} c=${concurrency}: api ${fmt.rps(row.api.rps)}/s p50 ${fmt.ms(row.api.p50)} p99 ${fmt.ms(row.api.p99)} | raw ${fmt.rps(row.raw.rps)}/s p50 ${fmt.ms(row.raw.p50)} p99 ${fmt.ms(row.raw.p99)} | ratio ${fmt.ratio(row.api.rps / row.raw.rps)}` +
        (row.api.errors || row.raw.errors ? ` | errors api ${row.api.errors} raw ${row.raw.errors}: ${row.api.firstError ?? row.raw.firstError ?? ''}` : ''),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// 6. Scale: first page (limit 20) latency and cost by partition size
// ---------------------------------------------------------------------------------------------
interface ScaleRow {
  list: string;
  size: number;
  api: RunStats;
  raw: RunStats;
  capacity: number;
}
const scale: ScaleRow[] = [];
const scaleToken = actors[0]!.token;
for (const [list, kind] of [['recent photos', 'photos'], ['followers', 'followers']] as const) {
  for (const size of P.scaleSizes) {
    const username = scaleUser(kind, size);
    const path = `/v1/users/${username}/${kind}?limit=20`;
    const rawQuery = () => {
      const range = kind === 'photos' ? ranges.photosOf(username) : ranges.followersOf(username);
      return service.doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.prefix },
          ScanIndexForward: kind !== 'photos',
          Limit: 21,
        }),
      );
    };
    metrics.reset();
    const check = await fetch(url + path, { headers: { authorization: `Bearer ${scaleToken}` } });
    const body = (await check.json()) as { items: unknown[]; nextCursor?: string };
    if (check.status !== 200 || body.items.length !== Math.min(20, size)) throw new Error(`${path}: ${check.status}, ${body.items.length} items`);
    const capacity = Object.values(metrics.snapshot()).reduce((sum, m) => sum + m.capacityUnits, 0);
    const api = await closedLoop(1, P.scaleSeconds * 1000, async () => {
      const r = await fetch(url + path, { headers: { authorization: `Bearer ${scaleToken}` } });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(String(r.status));
    });
    const raw = await closedLoop(1, P.scaleSeconds * 1000, rawQuery);
    scale.push({ list, size, api, raw, capacity });
    log(`scale ${list} ${size}: api p50 ${fmt.ms(api.p50)} p99 ${fmt.ms(api.p99)}, raw p50 ${fmt.ms(raw.p50)}, ${capacity} RCU per page`);
  }
}

// ---------------------------------------------------------------------------------------------
// 7. Profiles of the API process for reads below 0.9 of raw (and the control for contrast)
// ---------------------------------------------------------------------------------------------
const profiles: { scenario: string; summary: ProfileSummary }[] = [];
const slowReads = measured.filter((m) => m.scenario.kind === 'read' && m.scenario !== CONTROL && m.api.rps / m.raw.rps < 0.9);
const toProfile = [...new Set(slowReads.map((m) => m.scenario))];
if (toProfile.length > 0) toProfile.push(CONTROL);
for (const scenario of toProfile) {
  log(`profiling the API process: ${scenario.name}`);
  const summary = await profile(async () => {
    await apiRun(scenario, 16, P.profileSeconds);
  });
  profiles.push({ scenario: scenario.name, summary });
}

// ---------------------------------------------------------------------------------------------
// Shut down and write the report
// ---------------------------------------------------------------------------------------------
child.disconnect();
await app.close();
await bare.close();
logger.flush();
const logBytes = (await stat(logFile)).size;
await rm(photosDir, { recursive: true, force: true });
metrics.detach();
service.client.destroy();
loader.client.destroy();
await engine.stop();
const totalSeconds = (performance.now() - began) / 1000;

// `java -version` prints to stderr.
const java = spawnSync(process.env.JAVA_BIN ?? 'java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0]?.trim() || 'Java (version unknown)';

const ops = (m: Record<string, OperationMetrics>) =>
  Object.entries(m)
    .map(([op, v]) => `${op} ×${v.requests}`)
    .join(' + ') || '-';
const cap = (m: Record<string, OperationMetrics>) => Object.values(m).reduce((sum, v) => sum + v.capacityUnits, 0);
const coresText = (c: Record<string, number>) =>
  ['node', 'loader', 'engine'].map((name) => (c[name] === undefined ? '-' : c[name].toFixed(2))).join(' / ');

const perRequest = (cores: number | undefined, rps: number) => (cores === undefined ? '-' : ((cores * 1000) / rps).toFixed(2));

const md: string[] = [];
md.push('# Benchmarks', '');
md.push(
  `Measured by \`npm run bench\`${QUICK ? ' (BENCH_QUICK=1: a smoke run with small data and short runs; not the reference figures)' : ''} ` +
    `on ${new Date().toISOString().slice(0, 10)}, ${totalSeconds.toFixed(0)} s in all.`,
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${java}, ` +
    'DynamoDB Local (in memory) as the embedded engine.',
  '',
  '## Read this first',
  '',
  `- **${cpus().length} cores are shared** by the engine's JVM, the API (with the raw runner, never at the same time) and the load generator ` +
    '(autocannon in its own process). Absolute figures say more about this machine and DynamoDB Local than about DynamoDB; ' +
    '**the ratios, measured side by side in one run on one engine, are what count.**',
  '- API and raw runs alternate order per pattern and concurrency, so drift (JIT, engine caches, table growth) does not favour one side.',
  '- The API runs as in production: bearer-token authentication on every request (JWT HS256 verify), TypeBox validation of params, ' +
    'query and response, helmet headers, and pino request logging at info level (written to a file; ' +
    `${(logBytes / 2 ** 20).toFixed(0)} MiB of logs in this run).`,
  '- "Raw" is the same DynamoDB call(s) the pattern makes (same key condition, page size, transaction items), sent with the same ' +
    'DocumentClient in a closed loop of N workers; the API side is autocannon with N connections. Latencies are per request, ' +
    'in milliseconds, nearest-rank percentiles over every request of the run.',
  '- Writes use a fresh target per request (many actors reacting to many photos, following many users), so every write succeeds ' +
    'and none contends with another in flight.',
  `- Each side runs ${P.seconds} s per cell, in two halves ordered A-B-B-A, after a ${P.warmup} s warm-up per pattern. ` +
    '"Cores" is CPU time per wall-clock second of the run: bench/API process / load generator / engine JVM; ' +
    '"CPU ms/req" divides that by the requests served (the node column is the API process in API runs, the raw loop in raw runs).',
  '',
);

md.push('## Throughput and latency: API versus raw SDK', '');
md.push('| pattern | c | API req/s | API p50 | API p99 | raw req/s | raw p50 | raw p99 | API/raw | cores API run | cores raw run | node CPU ms/req API / raw | engine CPU ms/req API / raw |');
md.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|');
for (const m of measured) {
  const errs = m.api.errors || m.raw.errors ? ` (errors: API ${m.api.errors}, raw ${m.raw.errors})` : '';
  md.push(
    `| ${m.scenario.name}${errs} | ${m.concurrency} | ${fmt.rps(m.api.rps)} | ${fmt.ms(m.api.p50)} | ${fmt.ms(m.api.p99)} | ` +
      `${fmt.rps(m.raw.rps)} | ${fmt.ms(m.raw.p50)} | ${fmt.ms(m.raw.p99)} | **${fmt.ratio(m.api.rps / m.raw.rps)}** | ${coresText(m.apiCores)} | ${coresText(m.rawCores)} | ` +
      `${perRequest(m.apiCores.node, m.api.rps)} / ${perRequest(m.rawCores.node, m.raw.rps)} | ${perRequest(m.apiCores.engine, m.api.rps)} / ${perRequest(m.rawCores.engine, m.raw.rps)} |`,
  );
}
md.push('');
const readRows = measured.filter((m) => m.scenario.kind === 'read' && m.scenario !== CONTROL);
const below = readRows.filter((m) => m.api.rps / m.raw.rps < 0.9);
md.push(
  below.length === 0
    ? 'Every read pattern reaches at least 0.9 of raw throughput at both concurrencies.'
    : `Read patterns below the 0.9 target: ${below.map((m) => `${m.scenario.name} at c=${m.concurrency} (${fmt.ratio(m.api.rps / m.raw.rps)})`).join(', ')}. See "Where the time goes".`,
  '',
);

md.push('## DynamoDB requests and consumed capacity per pattern', '');
md.push('Counted by the SDK middleware (src/engine/metrics.ts, ReturnConsumedCapacity=TOTAL) for one API request and one raw call; ' + 'test/request-counts.test.ts asserts the same counts on every `npm test`.', '');
md.push('| pattern | API: requests | API: capacity units | raw: requests | raw: capacity units |');
md.push('|---|---|---:|---|---:|');
for (const c of counted) md.push(`| ${c.scenario} | ${ops(c.api)} | ${cap(c.api)} | ${ops(c.raw)} | ${cap(c.raw)} |`);
md.push('', `No Scan on any request path: ${counted.every((c) => !('Scan' in c.api)) ? 'confirmed' : '**a Scan was seen**'}.`, '');

md.push('## Scale: first page (limit 20) by partition size', '');
md.push(
  `${scaleLoad.items.toLocaleString('en-US')} items loaded into the scale partitions with loadItems in ${scaleLoad.seconds.toFixed(1)} s ` +
    `(${fmt.int(scaleLoad.items / scaleLoad.seconds)} items/s). Latency at concurrency 1, ${P.scaleSeconds} s per cell.`,
  '',
);
md.push('| list | items in partition | API p50 | API p99 | raw p50 | raw p99 | capacity units per page |');
md.push('|---|---:|---:|---:|---:|---:|---:|');
for (const s of scale) md.push(`| ${s.list} | ${fmt.int(s.size)} | ${fmt.ms(s.api.p50)} | ${fmt.ms(s.api.p99)} | ${fmt.ms(s.raw.p50)} | ${fmt.ms(s.raw.p99)} | ${s.capacity} |`);
md.push('');

md.push('## Bulk load', '');
md.push(`The seeded generator's dataset (${P.users.toLocaleString('en-US')} users, seed 42: ${items.length.toLocaleString('en-US')} items), into fresh tables with the InvertedIndex, at concurrency ${P.loadConcurrency} (BatchWriteItem requests in flight), in the order listed.`, '');
md.push('| loader | items | seconds | items/s | BatchWriteItem requests |');
md.push('|---|---:|---:|---:|---:|');
for (const b of bulk) md.push(`| ${b.name} | ${fmt.int(b.items)} | ${b.seconds.toFixed(1)} | ${fmt.int(b.items / b.seconds)} | ${fmt.int(b.requests)} |`);
const [first, second] = bulk;
if (first && second) {
  const loaderRow = bulk.find((b) => b.name.startsWith('loadItems'))!;
  const rawRow = bulk.find((b) => b.name.startsWith('raw'))!;
  md.push('', `loadItems / raw: **${fmt.ratio(loaderRow.items / loaderRow.seconds / (rawRow.items / rawRow.seconds))}**.`);
}
md.push('');

if (profiles.length > 0) {
  md.push('## Where the time goes (CPU profile of the API process, concurrency 16)', '');
  md.push(
    'Sampled with the inspector profiler inside the API process during an extra run (not a measured one). ' +
      'Shares are of the busy samples; the load generator and the JVM are other processes.',
    '',
  );
  for (const p of profiles) {
    md.push(`### ${p.scenario} (busy ${(p.summary.busyShare * 100).toFixed(0)}% of the time)`, '');
    md.push('| area | share |', '|---|---:|');
    for (const a of p.summary.byArea) md.push(`| ${a.area} | ${(a.share * 100).toFixed(1)}% |`);
    md.push('', '| heaviest functions (self time) | share |', '|---|---:|');
    for (const f of p.summary.top) md.push(`| \`${f.fn.replace(/\|/g, '\\|')}\` | ${(f.share * 100).toFixed(1)}% |`);
    md.push('');
  }
}
md.push('<!-- ANALYSIS -->', '');

await writeFile(OUTPUT, md.join('\n'));
log(`wrote ${OUTPUT} (${totalSeconds.toFixed(0)} s)`);
