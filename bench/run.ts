/**
 * `npm run bench`: the API's CPU per request, measured the way that holds on shared cores.
 *
 * On one embedded in-memory engine, with a generated dataset:
 * 1. Two API processes (bench/api-server.ts: production settings, one with the lean DynamoDB
 *    client, one with the SDK's), each its own process so its CPU time is its own, read from
 *    /proc/<pid>/task/<tid>/schedstat. Load comes from autocannon in a third process.
 * 2. Per pattern: a warm-up, then several windows back to back, rotating through four
 *    configurations: the API (lean), the raw client calls the pattern makes (lean), and the same
 *    two with the SDK client (and, on a few patterns, with the SDK client untuned: before/after). Per window: server CPU per request (the API process, or this
 *    process for raw calls), load-generator CPU per request, engine CPU per request.
 *    The headline is the median over windows, with the spread; a window whose engine or load
 *    generator CPU per request rose by more than a quarter above its cell's quietest window is
 *    flagged (the machine was busy) and left out of the median.
 * 3. DynamoDB requests and capacity per pattern in a separate counting pass (the counting
 *    middleware changes the requests: it is never attached to a measured run).
 * 4. A CPU profile of the lean API process under load (get profile), top functions.
 *
 * Results go to BENCHMARKS.md (BENCH_OUTPUT=path elsewhere). BENCH_QUICK=1 is a smoke run
 * (small data, short windows) written to the temporary directory. BENCH_ONLY="get profile,react"
 * runs only those patterns.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadItems } from '../src/admin/load.js';
import { generateItems, type GeneratedItem } from '../src/admin/generate.js';
import { deriveLoaded } from '../src/admin/derive-initial.js';
import { ensureDerivedTable, ensureTable } from '../src/admin/table.js';
import type { Change } from '../src/derived/records.js';
import { buildViews } from '../src/derived/worker.js';
import { createTokenService } from '../src/http/auth.js';
import { createLocalBlobStore } from '../src/blobs/index.js';
import { loadConfig } from '../src/config/index.js';
import { createClients } from '../src/engine/client.js';
import { attachMetrics, type OperationMetrics } from '../src/engine/metrics.js';
import { buildApp } from '../src/http/app.js';
import { createCursorCodec, type Db } from '../src/patterns/index.js';
import type { FromLoader, LoadJob, ToLoader } from './http-load.js';
import { recordFeedCalls, SCENARIOS, type Fixture, type Scenario } from './scenarios.js';
import { closedLoop, fmt, type RunStats } from './stats.js';
import { childPids, cpuSeconds, summarizeProfileFile, type ProfileSummary } from './system.js';

/** `bare`: bench/bare-server.ts, the pattern's raw calls behind a bare Fastify route. */
type Side = 'api' | 'raw' | 'bare' | 'before';
/** `sdk-defaults`: the SDK client without the tuning in src/engine/client.ts. */
type Client = 'lean' | 'sdk' | 'sdk-defaults';
interface Config {
  side: Side;
  client: Client;
}

const QUICK = process.env.BENCH_QUICK === '1';
// The SDK client's columns (the reference) only when asked: a shorter run on shared cores.
const SDK = process.env.BENCH_SDK === '1';
const P = QUICK
  ? { users: 200, actors: 16, warmup: 0.3, window: 0.6, windows: 2, profileSeconds: Number(process.env.BENCH_PROFILE_SECONDS ?? 1) }
  : { users: 1_000, actors: 64, warmup: 1, window: 1.5, windows: 5, profileSeconds: Number(process.env.BENCH_PROFILE_SECONDS ?? 4) };
const CONNECTIONS = 16;
// A window's engine or load-generator CPU per request this far from its cell's median: flagged.
const NOISE = 0.25;
const OUTPUT = process.env.BENCH_OUTPUT ?? (QUICK ? join(tmpdir(), 'quick-photos-bench-quick.md') : 'BENCHMARKS.md');
const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const began = performance.now();
const loadBefore = loadavg();

// ---------------------------------------------------------------------------------------------
// Engine, data, API processes, load generator
// ---------------------------------------------------------------------------------------------
log(`${QUICK ? 'quick smoke run' : 'full run'}: starting the embedded engine (in memory)`);
const engineHost: ChildProcess = fork(new URL('./engine-host.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'] });
const engine = await new Promise<{ endpoint: string; pid: number }>((resolve, reject) => {
  engineHost.once('message', (m: { endpoint: string; pid: number }) => resolve(m));
  engineHost.once('exit', (code) => reject(new Error(`engine host exited: ${code}`)));
});
// The engine's CPU: the host process (its relay) and everything under it (supervisor, JVM,
// any relay inside the engine's namespace).
const descendants = (pid: number): number[] => [pid, ...childPids(pid).flatMap(descendants)];
const enginePids = descendants(engineHost.pid ?? -1);
if (!enginePids.includes(engine.pid)) throw new Error(`the engine (pid ${engine.pid}) is not under its host process`);
const engineCpu = (): number => enginePids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
const table = 'bench';
const loader = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: 60_000 });
await ensureTable(loader.client, table);
log(`generating and loading ${P.users} users' data (seed 42)`);
const items: GeneratedItem[] = [...generateItems({ users: P.users, seed: 42 })];
const loaded = await loadItems(loader.doc, table, items.map((item) => JSON.stringify(item)), { concurrency: 8 });
if (loaded.written !== items.length) throw new Error(`loaded ${loaded.written} of ${items.length}`);
const photoCount = new Map<string, number>();
for (const item of items) if ('location' in item) photoCount.set(item.username, (photoCount.get(item.username) ?? 0) + 1);

const workDir = await mkdtemp(join(tmpdir(), 'qp-bench-'));
const env: Record<string, string> = {
  DYNAMODB_ENDPOINT: engine.endpoint,
  TABLE_NAME: table,
  JWT_SECRET: randomBytes(32).toString('base64url'),
  CURSOR_SECRET: randomBytes(32).toString('base64url'),
  ACCESS_TOKEN_TTL_SECONDS: '7200',
  RATE_LIMIT_AUTH: '0',
  RATE_LIMIT_WRITES: '0',
  // A run posts more comments per actor than an hour's bound allows a person.
  COMMENTS_PER_HOUR: '1000000',
  PHOTOS_DIR: join(workDir, 'photos'),
};

// The feed page reads the derived table: its views are built from the loaded table, as the
// worker would from the stream (src/admin/derive-initial.ts), before anything is measured.
log('deriving the feeds and the other views of the loaded data');
await ensureDerivedTable(loader.client, table);
const loaderDb: Db = { doc: loader.patterns, table, cursors: createCursorCodec(env.CURSOR_SECRET!) };
const readerNames = new Set(items.flatMap((item) => ('following' in item && item.following >= 10 ? [item.username] : [])).slice(0, QUICK ? 8 : 32));
// Only the feed view, and only the readers' follows (each backfills the followed user's recent
// photos into the reader's feed): the whole dataset's fan-out would take minutes.
const feedOnly = (on: Db) =>
  buildViews(on, loadConfig(env).derived)
    .filter((view) => view.name === 'feed')
    .map((view) => ({ ...view, apply: (change: Change) => (change.kind.kind === 'friendship' && readerNames.has(change.kind.follower) ? view.apply(change) : Promise.resolve()) }));
await deriveLoaded(loaderDb, feedOnly);
const tokens = createTokenService(env.JWT_SECRET!, 7200);
const readers: Fixture['readers'] = [];
for (const username of readerNames) readers.push({ username, token: (await tokens.issue(username)).accessToken });

interface ApiProcess {
  child: ChildProcess;
  pid: number;
  url: string;
}
const children: ChildProcess[] = [];
/** BENCH_BEFORE_DIR: a checkout of an earlier commit (its src/ and bench/), whose API runs beside this one as `before`. */
const BEFORE_DIR = process.env.BENCH_BEFORE_DIR;
async function startApi(client: Client, root?: string): Promise<ApiProcess> {
  const child = fork(root ? join(root, 'bench/api-server.ts') : new URL('./api-server.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      ...env,
      DYNAMODB_CLIENT: client === 'lean' ? 'lean' : 'sdk',
      BENCH_SDK_DEFAULTS: client === 'sdk-defaults' ? '1' : '0',
      BENCH_LOG_FILE: join(workDir, `requests-${client}.log`),
    },
  });
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`API process (${client}) exited: ${code}`)));
  });
  return { child, pid: child.pid ?? -1, url: `http://127.0.0.1:${port}` };
}
const apis: Partial<Record<Client, ApiProcess>> = { lean: await startApi('lean') };
if (SDK) Object.assign(apis, { sdk: await startApi('sdk'), 'sdk-defaults': await startApi('sdk-defaults') });
const beforeApi = BEFORE_DIR ? await startApi('lean', BEFORE_DIR) : undefined;
const api = (client: Client): ApiProcess => apis[client] ?? (() => { throw new Error(`no API process for ${client}`); })();

log(`signing up ${P.actors} accounts through the API`);
const actors: Fixture['actors'] = [];
for (let i = 0; i < P.actors; i += 4) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(4, P.actors - i) }, async (_, j) => {
      const username = `bench-actor-${i + j}`;
      const response = await fetch(`${api('lean').url}/v1/accounts`, {
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
  users: items.flatMap((item) => ('followers' in item && item.followers > 0 && item.following > 0 && (photoCount.get(item.username) ?? 0) > 0 ? [item.username] : [])),
  photos: items.flatMap((item) => ('location' in item ? [{ owner: item.username, timestamp: item.timestamp }] : [])),
  actors,
  readers,
};
log(`fixture: ${fixture.users.length} users, ${fixture.photos.length} photos, ${actors.length} actors`);

const loadGen: ChildProcess = fork(new URL('./http-load.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'] });
children.push(loadGen);
function ask(message: ToLoader): Promise<FromLoader | { type: 'ready' }> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`load generator exited (${code})`));
    loadGen.once('exit', onExit);
    loadGen.once('message', (answer: FromLoader | { type: 'ready' }) => {
      loadGen.off('exit', onExit);
      resolve(answer);
    });
    loadGen.send(message);
  });
}
await ask({ type: 'init', fixture });

// The bare-framework control, given the fixture before it listens (it records the feed's calls).
const bareChild = fork(new URL('./bare-server.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env } });
children.push(bareChild);
bareChild.send({ type: 'init', fixture });
const bare = await new Promise<ApiProcess>((resolve, reject) => {
  bareChild.once('message', (m: { port: number }) => resolve({ child: bareChild, pid: bareChild.pid ?? -1, url: `http://127.0.0.1:${m.port}` }));
  bareChild.once('exit', (code) => reject(new Error(`bare server exited: ${code}`)));
});

// The raw side: the same clients the API processes use, in this process, no counting middleware.
const rawClients: Record<Client, ReturnType<typeof createClients>> = {
  lean: createClients({ endpoint: engine.endpoint, local: true, kind: 'lean' }),
  sdk: createClients({ endpoint: engine.endpoint, local: true, kind: 'sdk' }),
  'sdk-defaults': createClients({ endpoint: engine.endpoint, local: true, kind: 'sdk', sdkDefaults: true }),
};
const cursors = createCursorCodec(env.CURSOR_SECRET!);
const rawDb = (client: Client): Db => ({ doc: rawClients[client].patterns, table, cursors });
await recordFeedCalls(rawDb('lean'), readers);

// ---------------------------------------------------------------------------------------------
// Measured windows
// ---------------------------------------------------------------------------------------------
const CONFIGS: Config[] = [
  { side: 'api', client: 'lean' },
  { side: 'raw', client: 'lean' },
  { side: 'bare', client: 'lean' },
  ...(BEFORE_DIR ? ([{ side: 'before', client: 'lean' }] as const) : []),
  ...(SDK ? ([{ side: 'api', client: 'sdk' }, { side: 'raw', client: 'sdk' }] as const) : []),
];
// The SDK client as the SDK configures it (before its tuning), on a few patterns only (a read,
// a read of two calls, a write): the before/after of the tuning, measured in the same run.
const SDK_DEFAULTS_PATTERNS = new Set(['get profile', 'followed enriched', 'react']);
const configsFor = (scenario: Scenario): Config[] =>
  SDK && SDK_DEFAULTS_PATTERNS.has(scenario.name)
    ? [...CONFIGS, { side: 'api', client: 'sdk-defaults' }, { side: 'raw', client: 'sdk-defaults' }]
    : CONFIGS;
const configName = (c: Config) => `${c.side} ${c.client}`;

interface Window {
  requests: number;
  stats: RunStats;
  /** CPU microseconds per request: the server (API process, or this process for raw calls), load generator, engine. */
  server: number;
  loadGen: number;
  engine: number;
  /** The 1-minute load average at the window's end. */
  load: number;
  flagged?: boolean;
}

let k = 0;
/** The highest request number any pattern reached. */
let kHigh = 0;
async function runWindow(scenario: Scenario, config: Config, seconds: number): Promise<Window> {
  const server = config.side === 'api' ? api(config.client).pid : config.side === 'bare' ? bare.pid : config.side === 'before' ? (beforeApi?.pid ?? -1) : process.pid;
  const pids = { server, loadGen: loadGen.pid ?? -1, engine: -1 };
  const read = (name: keyof typeof pids) => (name === 'engine' ? engineCpu() : (cpuSeconds(pids[name]) ?? NaN));
  const before = { server: read('server'), loadGen: read('loadGen'), engine: read('engine') };
  let stats: RunStats;
  if (config.side !== 'raw') {
    const target = config.side === 'bare' ? bare : config.side === 'before' && beforeApi ? beforeApi : api(config.client);
    const job: LoadJob = { url: target.url, scenario: scenario.name, connections: CONNECTIONS, seconds, kStart: k, bare: config.side === 'bare' };
    const answer = await ask({ type: 'run', job });
    if (answer.type !== 'result') throw new Error(answer.type === 'failed' ? answer.error : 'unexpected answer');
    k = answer.kEnd;
    stats = answer.stats;
  } else {
    const db = rawDb(config.client);
    stats = await closedLoop(CONNECTIONS, seconds * 1000, () => scenario.raw(k++, fixture, db));
  }
  const requests = stats.samples.length;
  const per = (name: keyof typeof pids) => ((read(name) - before[name]) * 1e6) / Math.max(requests, 1);
  if (stats.errors > 0) log(`  ${scenario.name} ${configName(config)}: ${stats.errors} errors: ${stats.firstError ?? ''}`);
  return { requests, stats, server: per('server'), loadGen: per('loadGen'), engine: per('engine'), load: loadavg()[0]! };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Cell {
  scenario: Scenario;
  config: Config;
  windows: Window[];
}
const cells: Cell[] = [];
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.name));
for (const scenario of scenarios) {
  // Each pattern counts its requests from 0: a write's targets are unique only for the first
  // (actors x targets) values of k, and a repeated follow would measure the idempotent re-read.
  k = 0;
  log(`${scenario.name}: warm-up`);
  const configs = configsFor(scenario);
  for (const config of configs) await runWindow(scenario, config, P.warmup);
  const mine = configs.map((config) => ({ scenario, config, windows: [] as Window[] }));
  for (let w = 0; w < P.windows; w++) {
    // The order rotates each window, so no configuration always follows the same neighbour.
    for (let i = 0; i < configs.length; i++) {
      const index = (i + w) % configs.length;
      mine[index]!.windows.push(await runWindow(scenario, configs[index]!, P.window));
    }
  }
  kHigh = Math.max(kHigh, k);
  for (const cell of mine) {
    // The engine's and the load generator's CPU per request do the same work in every window
    // of a cell; contention for the cores (caches, run queues, wake-ups) only ever raises them.
    // So the quietest window is the reference, and a window that rose above it is flagged.
    const engineQuiet = Math.min(...cell.windows.map((w) => w.engine));
    const loadQuiet = Math.min(...cell.windows.map((w) => w.loadGen));
    for (const w of cell.windows) {
      const moved = (value: number, quiet: number) => quiet > 0 && value > quiet * (1 + NOISE);
      w.flagged = moved(w.engine, engineQuiet) || (cell.config.side !== 'raw' && moved(w.loadGen, loadQuiet));
    }
    cells.push(cell);
    const s = summary(cell);
    log(`  ${scenario.name} ${configName(cell.config)}: ${fmt.int(s.server)} us/req [${fmt.int(s.low)}-${fmt.int(s.high)}], ${fmt.rps(s.rps)} req/s, ${s.flagged} flagged`);
  }
}

function summary(cell: Cell) {
  const clean = cell.windows.filter((w) => !w.flagged);
  const used = clean.length > 0 ? clean : cell.windows;
  const servers = used.map((w) => w.server);
  const all = cell.windows.flatMap((w) => w.stats.samples).sort((a, b) => a - b);
  const at = (p: number) => all[Math.min(all.length - 1, Math.max(0, Math.ceil((p / 100) * all.length) - 1))] ?? NaN;
  return {
    server: median(servers),
    low: Math.min(...servers),
    high: Math.max(...servers),
    engine: median(used.map((w) => w.engine)),
    loadGen: median(used.map((w) => w.loadGen)),
    rps: median(used.map((w) => w.stats.rps)),
    load: median(used.map((w) => w.load)),
    p50: at(50),
    p99: at(99),
    flagged: cell.windows.length - clean.length,
    windows: cell.windows.length,
    errors: cell.windows.reduce((sum, w) => sum + w.stats.errors, 0),
  };
}
const findCell = (scenario: Scenario, side: Side, client: Client) => cells.find((c) => c.scenario === scenario && c.config.side === side && c.config.client === client);
const cellOf = (scenario: Scenario, side: Side, client: Client) => findCell(scenario, side, client)!;

// ---------------------------------------------------------------------------------------------
// Counting pass: requests and capacity per pattern, in-process, never during a measured window
// ---------------------------------------------------------------------------------------------
log('counting DynamoDB requests and capacity per pattern (separate pass)');
// Past every request number any pattern used: a write's raw call on a used target would fail
// its condition (the API's idempotent PUT would not notice).
k = kHigh;
const counting = createClients({ endpoint: engine.endpoint, local: true, kind: 'lean' });
const meter = attachMetrics(counting.lean!);
const countingApp = await buildApp({
  db: { doc: counting.patterns, table, cursors },
  client: counting.client,
  config: loadConfig({ ...env, METRICS_ENABLED: '0' }),
  blobs: createLocalBlobStore(join(workDir, 'photos')),
});
interface Counted {
  scenario: string;
  api: Record<string, OperationMetrics>;
  raw: Record<string, OperationMetrics>;
}
const counted: Counted[] = [];
for (const scenario of scenarios) {
  const request = scenario.api(k++, fixture);
  meter.reset();
  const response = await countingApp.inject({ method: request.method, url: request.path, headers: { authorization: `Bearer ${request.token}` }, ...(request.json === undefined ? {} : { payload: request.json as object }) });
  if (response.statusCode >= 300) throw new Error(`${scenario.name}: ${request.method} ${request.path} answered ${response.statusCode}`);
  const api = meter.snapshot();
  meter.reset();
  await scenario.raw(k++, fixture, { doc: counting.patterns, table, cursors });
  counted.push({ scenario: scenario.name, api, raw: meter.snapshot() });
}
await countingApp.close();
meter.detach();
counting.destroy();

// ---------------------------------------------------------------------------------------------
// Profile of the lean API process under load
// ---------------------------------------------------------------------------------------------
// BENCH_PROFILE="feed page" profiles another pattern.
const profiled = scenarios.find((s) => s.name === (process.env.BENCH_PROFILE ?? 'get profile')) ?? scenarios[0]!;
log(`profiling the lean API process: ${profiled.name}`);
const profilePath = join(workDir, 'api.cpuprofile');
const apiAsk = (message: object, expect: string) =>
  new Promise<void>((resolve) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== expect) return;
      api('lean').child.off('message', onMessage);
      resolve();
    };
    api('lean').child.on('message', onMessage);
    api('lean').child.send(message);
  });
await apiAsk({ type: 'profile-start' }, 'profiling');
await runWindow(profiled, { side: 'api', client: 'lean' }, P.profileSeconds);
await apiAsk({ type: 'profile-stop', path: profilePath }, 'profiled');
const profileSummary: ProfileSummary = summarizeProfileFile(profilePath);
// BENCH_PROFILE_OUT=path keeps the raw profile (open it in Chrome DevTools or speedscope).
if (process.env.BENCH_PROFILE_OUT) await copyFile(profilePath, process.env.BENCH_PROFILE_OUT);

// ---------------------------------------------------------------------------------------------
// Shut down and write the report
// ---------------------------------------------------------------------------------------------
for (const child of children) child.disconnect();
await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
for (const clients of Object.values(rawClients)) clients.destroy();
loader.destroy();
engineHost.disconnect();
await new Promise((resolve) => (engineHost.exitCode !== null ? resolve(null) : engineHost.once('exit', resolve)));
await rm(workDir, { recursive: true, force: true });
const totalSeconds = (performance.now() - began) / 1000;
const loadAfter = loadavg();
const java = spawnSync(process.env.JAVA_BIN ?? 'java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0]?.trim() || 'Java (version unknown)';

const us = (n: number) => (Number.isFinite(n) ? fmt.int(n) : '-');
const spread = (s: ReturnType<typeof summary>) => `${us(s.low)}-${us(s.high)}`;
const flags = (s: ReturnType<typeof summary>) => (s.flagged ? ` (${s.flagged}/${s.windows} flagged)` : '');
const ops = (m: Record<string, OperationMetrics>) => Object.entries(m).map(([op, v]) => `${op} ×${v.requests}`).join(' + ') || '-';
const cap = (m: Record<string, OperationMetrics>) => Object.values(m).reduce((sum, v) => sum + v.capacityUnits, 0);

const md: string[] = [];
md.push('# Benchmarks', '');
md.push(
  `Measured by \`npm run bench\`${QUICK ? ' (BENCH_QUICK=1: a smoke run with small data and short windows; not the reference figures)' : ''} ` +
    `on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${totalSeconds.toFixed(0)} s in all.`,
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${java}, ` +
    'DynamoDB Local (in memory) as the engine. ' +
    `Load average (1 min) ${loadBefore[0]!.toFixed(1)} at the start and ${loadAfter[0]!.toFixed(1)} at the end: ` +
    'the cores were shared with other work throughout, which is why everything below is CPU time per request (not wall time) ' +
    'and why the comparisons are between configurations measured side by side in the same run.',
  '',
);
md.push(
  '## Server CPU per request (the headline)',
  '',
  '- **API**: CPU time of the API process (bench/api-server.ts: authentication, TypeBox validation, security headers, ' +
    'one pino log line per request to a file, /metrics on), from `/proc/<pid>/task/<tid>/schedstat`, divided by the 2xx responses; ' +
    `autocannon (its own process) at ${CONNECTIONS} connections.`,
  '- **raw**: CPU time of a plain Node process sending the DynamoDB call(s) the pattern makes (same key conditions, page sizes and ' +
    `transaction items; the feed page replays the calls the pattern made for that reader) through the same client, ${CONNECTIONS} at a time, per call: the floor for that client.`,
  '- **bare**: a Fastify instance with nothing on it (bench/bare-server.ts: no hooks, no logging, no validation, no authentication) whose ' +
    "route makes the same raw calls and sends the answer as JSON, its own process, loaded by the same autocannon: the framework's floor. " +
    "**API - bare** is what the application's own layers cost.",
  '- **API - raw** is what the HTTP layer and the pattern code cost on top of the DynamoDB calls (goals from issue #25: 150 µs for a read, ' +
    '400 µs for the feed page, 300 µs for a write; 400 µs of API CPU for the profile read).',
  `- Each pattern: a ${P.warmup} s warm-up per configuration, then ${P.windows} windows of ${P.window} s per configuration, ` +
    'interleaved (the order rotates every window). Figures are medians over windows, with the range of the windows used; ' +
    `a window whose engine or load-generator CPU per request rose more than ${NOISE * 100}% above the quietest window of its cell is flagged ` +
    'and left out (the machine was busy: that work is the same in every window, only contention raises it). **load** is the median ' +
    '1-minute load average at the end of the API windows used.',
  '- The capacity-counting middleware is not attached to any measured run; requests and capacity are counted in a separate pass below.',
  '',
  ...(BEFORE_DIR ? [`- **before**: the API of an earlier commit (BENCH_BEFORE_DIR), its own process, in the same interleaved windows: the change measured side by side.`] : []),
  '',
  `| pattern | API CPU/req (µs) | raw calls (µs) | **API - raw** (goal) | bare Fastify (µs) | **API - bare** |${BEFORE_DIR ? ' API before (µs) | before - raw |' : ''} load |`,
  `|---|---:|---:|---:|---:|---:|${BEFORE_DIR ? '---:|---:|' : ''}---:|`,
);
const GOALS: Record<string, number> = { 'get profile': 150, 'feed page': 400, react: 300, follow: 300 };
for (const scenario of scenarios) {
  const a = summary(cellOf(scenario, 'api', 'lean'));
  const r = summary(cellOf(scenario, 'raw', 'lean'));
  const b = summary(cellOf(scenario, 'bare', 'lean'));
  const goal = GOALS[scenario.name];
  const over = a.server - r.server;
  const verdict = goal === undefined ? '' : ` (${goal}: ${over <= goal ? 'met' : 'not met'})`;
  md.push(
    `| ${scenario.name} (${scenario.kind}) | **${us(a.server)}** [${spread(a)}]${flags(a)} | ${us(r.server)} [${spread(r)}]${flags(r)} | **${us(over)}**${verdict} | ` +
      `${us(b.server)} [${spread(b)}]${flags(b)} | **${us(a.server - b.server)}** |` +
      (BEFORE_DIR ? (() => { const o = summary(cellOf(scenario, 'before', 'lean')); return ` ${us(o.server)} [${spread(o)}]${flags(o)} | ${us(o.server - r.server)} |`; })() : '') +
      ` ${a.load.toFixed(1)} |`,
  );
}
md.push('');
if (SDK) {
  md.push('### The SDK client beside the lean one (BENCH_SDK=1)', '', '| pattern | API, lean (µs/req) | API, SDK client (µs/req) | raw SDK call (µs/call) | lean / SDK (API) |', '|---|---:|---:|---:|---:|');
  for (const scenario of scenarios) {
    const a = summary(cellOf(scenario, 'api', 'lean'));
    const as = summary(cellOf(scenario, 'api', 'sdk'));
    const rs = summary(cellOf(scenario, 'raw', 'sdk'));
    md.push(`| ${scenario.name} | ${us(a.server)} | ${us(as.server)} [${spread(as)}]${flags(as)} | ${us(rs.server)} [${spread(rs)}]${flags(rs)} | ${fmt.ratio(a.server / as.server)} |`);
  }
  md.push('');
}

if (SDK) {
  md.push('## The SDK client before and after its tuning (DYNAMODB_CLIENT=sdk, the reference)', '');
  md.push(
    '"defaults": the SDK client as the SDK configures it; "tuned": as src/engine/client.ts builds it (a fixed endpoint, one-shot ' +
      'hashing, no logging or Lambda trace pass, the user agent computed once). Same windows and rules as above, in the same run.',
    '',
    '| pattern | API, SDK defaults (µs/req) | API, SDK tuned (µs/req) | tuned / defaults | raw, SDK defaults (µs/call) | raw, SDK tuned (µs/call) | tuned / defaults |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const scenario of scenarios) {
    const ad = findCell(scenario, 'api', 'sdk-defaults');
    const rd = findCell(scenario, 'raw', 'sdk-defaults');
    if (!ad || !rd) continue;
    const [a0, a1, r0, r1] = [summary(ad), summary(cellOf(scenario, 'api', 'sdk')), summary(rd), summary(cellOf(scenario, 'raw', 'sdk'))];
    md.push(
      `| ${scenario.name} (${scenario.kind}) | ${us(a0.server)} [${spread(a0)}]${flags(a0)} | ${us(a1.server)} [${spread(a1)}]${flags(a1)} | ${fmt.ratio(a1.server / a0.server)} | ` +
        `${us(r0.server)} [${spread(r0)}]${flags(r0)} | ${us(r1.server)} [${spread(r1)}]${flags(r1)} | ${fmt.ratio(r1.server / r0.server)} |`,
    );
  }
  md.push('');
}

md.push('## Throughput and latency (secondary)', '');
md.push(
  'From the same windows. On two shared cores the engine, the load generator and the API compete for CPU, so these figures ' +
    'move with the machine; CPU per request above is the stable measure.',
  '',
  '| pattern | config | req/s (median window) | p50 ms | p99 ms | engine µs/req | load generator µs/req | errors |',
  '|---|---|---:|---:|---:|---:|---:|---:|',
);
for (const cell of cells) {
  const s = summary(cell);
  md.push(`| ${cell.scenario.name} | ${configName(cell.config)} | ${fmt.rps(s.rps)} | ${fmt.ms(s.p50)} | ${fmt.ms(s.p99)} | ${us(s.engine)} | ${cell.config.side !== 'raw' ? us(s.loadGen) : '-'} | ${s.errors} |`);
}
md.push('');

md.push('## DynamoDB requests and consumed capacity per pattern', '');
md.push('Counted in a separate pass by the counting hook (src/engine/metrics.ts, ReturnConsumedCapacity=TOTAL) on the lean client, one API request and one raw call each; test/request-counts.test.ts asserts the same counts on both clients on every `npm test`.', '');
md.push('| pattern | API: requests | API: capacity units | raw: requests | raw: capacity units |', '|---|---|---:|---|---:|');
for (const c of counted) md.push(`| ${c.scenario} | ${ops(c.api)} | ${cap(c.api)} | ${ops(c.raw)} | ${cap(c.raw)} |`);
md.push('', `No Scan on any request path: ${counted.every((c) => !('Scan' in c.api)) ? 'confirmed' : '**a Scan was seen**'}.`, '');

md.push(`## Where the time goes: CPU profile of the lean API process (${profiled.name}, ${CONNECTIONS} connections, ${P.profileSeconds} s)`, '');
md.push(
  `V8's sampling profiler (as \`node --cpu-prof\`, 100 µs interval) inside the API process during an extra, unmeasured window; busy ${(profileSummary.busyShare * 100).toFixed(0)}% of the samples. Shares are of the busy samples.`,
  '',
);
md.push('| area | share |', '|---|---:|');
for (const a of profileSummary.byArea) md.push(`| ${a.area} | ${(a.share * 100).toFixed(1)}% |`);
md.push('', '| heaviest functions (self time) | share |', '|---|---:|');
for (const f of profileSummary.top) md.push(`| \`${f.fn.replace(/\|/g, '\\|')}\` | ${(f.share * 100).toFixed(1)}% |`);
md.push('', '<!-- ANALYSIS -->', '');

// The sections other benchmarks write (bench:media, bench:feed) start at this heading: kept as they are.
const OTHER_BENCHMARKS = '## Media pipeline';
const previous = await readFile(OUTPUT, 'utf8').catch(() => '');
const kept = previous.includes(OTHER_BENCHMARKS) ? previous.slice(previous.indexOf(OTHER_BENCHMARKS)) : '';
await writeFile(OUTPUT, [...md, ...(kept ? ['', kept] : [])].join('\n'));
log(`wrote ${OUTPUT} (${totalSeconds.toFixed(0)} s)`);
