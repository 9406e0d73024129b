/**
 * `npm run bench:feed`: the home feed's costs and lag on the embedded engine (in memory).
 *
 * - an author with FOLLOWERS followers (10,000) posts: fan-out requests, write capacity, and
 *   the time until the first and the last follower's feed holds the photo;
 * - a celebrity above the threshold posts: what is written, and what a follower's feed page costs;
 * - end-to-end lag from post to feed (p50/p99) for an ordinary author, the worker polling as
 *   `npm start` does;
 * - the capacity of a feed page, a follow (backfill), an unfollow and a photo deletion;
 * - fan-out lag p50/p99 of the 10k author beside the engine's own BatchWriteItem time for the
 *   same 10,000 items, and the lag of small authors' posts while that fan-out runs;
 * - catch-up throughput (records/s, followers/s) of a worker started behind a backlog;
 * - a fresh `npm start` (the service as a child process, sample data loaded): /ready to a new
 *   photo in a follower's feed;
 * - the feed page's requests with 0, 1 and 25 big accounts followed.
 *
 * Prints a Markdown section for BENCHMARKS.md. `--quick` runs a smaller version (1,000 followers);
 * `--fanout` only the fan-out measures (section 5); `--profile` first sets raw writes and fan-outs
 * side by side (JVM and bench CPU, requests, BatchWriteItem in flight, time to the first write).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { loadConfig, type DerivedConfig } from '../src/config/index.js';
import { StreamConsumer, type DerivedView, type RecordTimes } from '../src/derived/consumer.js';
import { batchWrite, batchWriter, derivedDb, sharedReads, type DerivedWrite } from '../src/derived/store/index.js';
import { createStreamsClient, type StreamRecord } from '../src/derived/stream.js';
import { bigAuthorsItem, feedEntryItem } from '../src/derived/views/feed.js';
import { createWorker, VIEWS, type Worker } from '../src/derived/worker.js';
import { ensureTable } from '../src/admin/table.js';
import { createClients } from '../src/engine/client.js';
import { freePort, startEmbeddedEngine } from '../src/engine/embedded.js';
import { attachMetrics, requestCounts, type Metrics } from '../src/engine/metrics.js';
import { observeCalls } from '../src/engine/observe.js';
import { cpuSeconds, engineJvm } from './system.js';
import { createCursorCodec, createUser, deletePhoto, followUser, getFeed, unfollowUser, uploadPhoto, type Db } from '../src/patterns/index.js';
import { Friendship, Photo, User } from '../src/schema/entities/index.js';
import { derivedKeys, keys } from '../src/schema/keys.js';

const quick = process.argv.includes('--quick');
/** `--fanout`: only the fan-out beside the raw writes, and small authors' lag during it (while tuning). */
const fanoutOnly = process.argv.includes('--fanout') || process.argv.includes('--profile');
/** `--profile`: where the fan-out's time goes beside the raw writes (CPU, requests, writes in flight), then section 5. */
const profileFanout = process.argv.includes('--profile');
const FOLLOWERS = quick ? 1_000 : 10_000;
// Just above the author: it is fanned out, and the celebrity (followed by every fan and one
// more) is one follower past the threshold.
const THRESHOLD = FOLLOWERS + 1;
const CELEBRITY_FOLLOWERS = THRESHOLD;
const LAG_POSTS = quick ? 20 : 100;
/** Posts of the 10k author timed, each with small authors posting while it fans out. */
const FANOUT_POSTS = quick ? 2 : 5;
const POSTS_DURING = 6;
/** Photos written while the worker is stopped: the backlog it then catches up on. */
const BACKLOG = quick ? 300 : 1_000;

const user = (username: string, followers: number, following: number) => ({
  ...User.encode({ username, name: `User ${username}`, email: `${username}@example.com`, birthdate: '1990-01-01', address: '', status: '', interests: [], followers, following }),
});
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function summary(metrics: Metrics): { requests: string; capacity: number } {
  const snapshot = metrics.snapshot();
  const requests = Object.entries(snapshot).map(([op, m]) => `${m.requests} ${op}`).join(' + ');
  const capacity = Object.values(snapshot).reduce((sum, m) => sum + m.capacityUnits, 0);
  return { requests: requests || 'none', capacity: Math.round(capacity * 10) / 10 };
}

/** Moves every view's checkpoints past what is in the stream without applying it (set-up data). */
async function skipStream(db: Db, clients: ReturnType<typeof createClients>): Promise<void> {
  const streams = createStreamsClient(clients.client);
  const derived = derivedDb(db);
  const settings = loadConfig({}).derived;
  const noop: DerivedView[] = VIEWS.map((make) => ({ name: make({ db, derived, settings }).name, apply: () => Promise.resolve() }));
  const consumer = new StreamConsumer({ client: clients.client, streams, db, derived, reads: sharedReads(db) }, noop, settings);
  while ((await consumer.pass()) > 0);
  await consumer.stop();
  streams.destroy();
}

/** Polls one feed entry with GetItem until it exists; returns when it appeared (epoch ms). */
async function appears(db: Db, reader: string, author: string, timestamp: string, timeoutMs = 600_000): Promise<number> {
  const derived = derivedDb(db);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await derived.doc.send(new GetCommand({ TableName: derived.table, Key: derivedKeys.feedEntry(reader, author, timestamp) }));
    if (found.Item) return Date.now();
    if (Date.now() > deadline) throw new Error(`feed entry of ${reader} never appeared`);
    await sleep(5);
  }
}

/** One small author's post: its photo's key, when the upload was sent and answered, when a follower's feed held it. */
/** The worker's views, in the order it applies them (the profile's rows). */
const VIEW_NAMES: string[] = [];

interface PostTrace {
  key: { PK: string; SK: string };
  at: number;
  uploaded: number;
  seen: number;
}

/** Where a small post's lag goes: p50 / p99 of each phase, in each condition. */
function profile(out: (line?: string) => void, traced: Map<string, RecordTimes>, conditions: [string, PostTrace[]][]): void {
  type Phase = [string, (p: PostTrace, t: RecordTimes) => number];
  const feedEnd = (t: RecordTimes) => t.started + (t.views.feed ?? NaN);
  const phases: Phase[] = [
    ['the upload request', (p) => p.uploaded - p.at],
    ['upload answered to the GetRecords that read it (poll wait)', (p, t) => t.readStart - p.uploaded],
    ['GetRecords', (_, t) => t.readEnd - t.readStart],
    ['read to applied (waiting in the lane behind earlier records)', (_, t) => t.started - t.readEnd],
    ["the feed view (the first: writes the followers' entries)", (_, t) => t.views.feed ?? NaN],
    ["feed written to seen by the follower's poll (every 10 ms)", (p, t) => p.seen - feedEnd(t)],
    ['**total**', (p) => p.seen - p.at],
    ...VIEW_NAMES.filter((view) => view !== 'feed').map((view): Phase => [`after it, not in the lag: the ${view} view`, (_, t) => t.views[view] ?? NaN]),
  ];
  const column = (posts: PostTrace[], measure: (p: PostTrace, t: RecordTimes) => number) => {
    const values = posts.flatMap((p) => {
      const t = traced.get(`${p.key.PK} ${p.key.SK}`);
      return t ? [measure(p, t)] : [];
    });
    values.sort((x, y) => x - y);
    return `${pct(values, 50)} / ${pct(values, 99)} ms`;
  };
  out("Where a small author's post waits (p50 / p99 of each phase; times taken in the worker by `onApplied`):");
  out();
  out(`| phase | ${conditions.map(([label, posts]) => `${label} (${posts.length})`).join(' | ')} |`);
  out(`|---|${conditions.map(() => '---:').join('|')}|`);
  for (const [label, measure] of phases) out(`| ${label} | ${conditions.map(([, posts]) => column(posts, measure)).join(' | ')} |`);
  out();
}

/**
 * One reader's poll for many feed entries: a BatchGetItem of every entry awaited, every 10 ms,
 * resolving each with the time it was first found. Small posts' lags are timed this way, not
 * by a 5 ms GetItem loop per post: six such loops during a fan-out were ~1,000 requests/s into
 * the same engine, more load than the small record being measured.
 */
function feedWatcher(db: Db) {
  const derived = derivedDb(db);
  const pending = new Map<string, { key: { PK: string; SK: string }; found: (at: number) => void }>();
  let polling = false;
  async function poll(): Promise<void> {
    polling = true;
    while (pending.size > 0) {
      const wanted = [...pending.values()].slice(0, 100).map((p) => p.key);
      const result = await derived.doc.send(new BatchGetCommand({ RequestItems: { [derived.table]: { Keys: wanted } } }));
      const at = Date.now();
      for (const item of result.Responses?.[derived.table] ?? []) {
        const id = `${String(item.PK)} ${String(item.SK)}`;
        pending.get(id)?.found(at);
        pending.delete(id);
      }
      await sleep(10);
    }
    polling = false;
  }
  return (reader: string, author: string, timestamp: string): Promise<number> =>
    new Promise((resolve) => {
      const key = derivedKeys.feedEntry(reader, author, timestamp);
      pending.set(`${key.PK} ${key.SK}`, { key, found: resolve });
      if (!polling) void poll();
    });
}

/** What one run (raw writes or a fan-out) cost, from its start to the last follower's item seen. */
interface RunProfile {
  ms: number;
  jvmCpu: number;
  benchCpu: number;
  /** Requests by operation on the worker's client; GetRecords counted by the consumer's reads. */
  requests: Record<string, number>;
  /** From the start to the first BatchWriteItem sent; from the last one answered to the item seen. */
  beforeFirstWrite: number;
  afterLastWrite: number;
  /** Between the first write sent and the last answered: mean BatchWriteItem in flight, time below the limit, time with none. */
  meanInFlight: number;
  belowLimitMs: number;
  noneMs: number;
  /** The follower Queries: their time each (ms). */
  queryMs: number[];
  /** Milliseconds from the start: marks of the run (the upload answered) and each operation's first request sent. */
  marks: Record<string, number>;
}

/**
 * Watches the worker's client for one run: requests by operation, BatchWriteItem in flight over
 * time, Query times. `stop` gives what happened between `start` (performance.now()) and `end`.
 */
function runWatcher(client: Parameters<typeof observeCalls>[0], jvm: number, concurrency: number) {
  let events: [number, number][] = [];
  let requests: Record<string, number> = {};
  let queryMs: number[] = [];
  let marks: Record<string, number> = {};
  const detach = observeCalls(client, {
    before(operation, input) {
      requests[operation] = (requests[operation] ?? 0) + 1;
      marks[`first ${operation} sent`] ??= Math.round(performance.now() - start);
      if (operation === 'BatchWriteItem') events.push([performance.now(), 1]);
      return input;
    },
    after(operation, _input, _output, _error, startedAt) {
      if (operation === 'BatchWriteItem') events.push([performance.now(), -1]);
      if (operation === 'Query') queryMs.push(Math.round(performance.now() - startedAt));
    },
  });
  let start = 0;
  let jvm0 = 0;
  let bench0 = process.cpuUsage();
  return {
    detach,
    begin() {
      events = [];
      requests = {};
      queryMs = [];
      marks = {};
      start = performance.now();
      jvm0 = cpuSeconds(jvm) ?? NaN;
      bench0 = process.cpuUsage();
    },
    mark(label: string) {
      marks[label] = Math.round(performance.now() - start);
    },
    end(extra: Record<string, number> = {}): RunProfile {
      const end = performance.now();
      const bench = process.cpuUsage(bench0);
      const writes = events.filter(([at]) => at >= start);
      const first = writes[0]?.[0] ?? end;
      const last = writes.at(-1)?.[0] ?? end;
      let inFlight = 0;
      let area = 0;
      let below = 0;
      let none = 0;
      let previous = first;
      for (const [at, delta] of writes) {
        const span = at - previous;
        area += inFlight * span;
        if (inFlight < concurrency) below += span;
        if (inFlight === 0) none += span;
        inFlight += delta;
        previous = at;
      }
      return {
        ms: Math.round(end - start),
        jvmCpu: (cpuSeconds(jvm) ?? NaN) - jvm0,
        benchCpu: (bench.user + bench.system) / 1e6,
        requests: { ...requests, ...extra },
        beforeFirstWrite: Math.round(first - start),
        afterLastWrite: Math.round(end - last),
        meanInFlight: last > first ? area / (last - first) : 0,
        belowLimitMs: Math.round(below),
        noneMs: Math.round(none),
        queryMs,
        marks,
      };
    },
  };
}

/** The embedded engine's JVM, or its supervisor when none is found. */
const jvmPid = (pid: number): number => engineJvm(pid) ?? pid;

function profileRows(out: (line?: string) => void, runs: [string, RunProfile[]][]): void {
  const median = (values: number[]) => pct([...values].sort((x, y) => x - y), 50);
  const cell = (list: RunProfile[], f: (r: RunProfile) => number, digits = 0) => list.map(f).map((v) => v.toFixed(digits)).join(' / ') + ` (median ${median(list.map(f)).toFixed(digits)})`;
  out(`| per run (${runs.map(([label]) => label).join(' | ')}) | ${runs.map(([label]) => label).join(' | ')} |`);
  out(`|---|${runs.map(() => '---').join('|')}|`);
  const rows: [string, (r: RunProfile) => number, number][] = [
    ['time, start to the last item seen (ms)', (r) => r.ms, 0],
    ['JVM CPU (s)', (r) => r.jvmCpu, 2],
    ['bench process CPU (s: writer, worker, app client, poll)', (r) => r.benchCpu, 2],
    ['start to the first BatchWriteItem sent (ms)', (r) => r.beforeFirstWrite, 0],
    ['last BatchWriteItem answered to the item seen (ms)', (r) => r.afterLastWrite, 0],
    ['mean BatchWriteItem in flight, first sent to last answered', (r) => r.meanInFlight, 2],
    ['time below the write limit in flight (ms)', (r) => r.belowLimitMs, 0],
    ['time with no write in flight (ms)', (r) => r.noneMs, 0],
  ];
  for (const [label, f, digits] of rows) out(`| ${label} | ${runs.map(([, list]) => cell(list, f, digits)).join(' | ')} |`);
  out(`| requests (last run) | ${runs.map(([, list]) => Object.entries(list.at(-1)?.requests ?? {}).map(([op, n]) => `${n} ${op}`).join(' + ')).join(' | ')} |`);
  out(`| marks, ms from the start (last run) | ${runs.map(([, list]) => Object.entries(list.at(-1)?.marks ?? {}).sort((a, b) => a[1] - b[1]).map(([label, ms]) => `${label} ${ms}`).join(', ')).join(' | ')} |`);
  out(`| follower Query times (ms, last run) | ${runs.map(([, list]) => (list.at(-1)?.queryMs ?? []).join(', ') || '-').join(' | ')} |`);
  out();
}

async function main(): Promise<void> {
  const started = Date.now();
  // In memory, without the stream-record index: the bench's tables all predate their records,
  // so the engine's walk to a stream's records stays short, and memory costs a write half the
  // CPU a file does (BENCHMARKS.md, "Embedded engine").
  const engine = await startEmbeddedEngine({ streamIndex: false });
  const app = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: 30_000 });
  const workerClients = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: 30_000 });
  const table = 'bench-feed';
  await ensureTable(app.client, table);
  const cursors = createCursorCodec('bench-feed-cursor-secret-0123456789');
  const db: Db = { doc: app.doc, table, cursors };
  const workerDb: Db = { doc: workerClients.doc, table, cursors };
  const lines: string[] = [];
  const out = (line = '') => {
    lines.push(line);
    process.stderr.write(`${line}\n`);
  };

  // Set-up: an author with FOLLOWERS followers, a celebrity followed by all of them and one more, ten small authors.
  const author = 'author10k';
  const celebrity = 'celebrity';
  const fans = Array.from({ length: FOLLOWERS + 1 }, (_, i) => `fan${String(i).padStart(5, '0')}`);
  const authorFans = fans.slice(0, FOLLOWERS);
  const smallAuthors = Array.from({ length: 10 }, (_, i) => `small${i}`);
  const setup: DerivedWrite[] = [
    { put: user(author, FOLLOWERS, 0) },
    { put: user(celebrity, CELEBRITY_FOLLOWERS, 0) },
    ...smallAuthors.map((a) => ({ put: user(a, 10, 0) })),
    ...fans.map((f, i) => ({ put: user(f, 0, (i < FOLLOWERS ? 2 : 1) + (i < 10 ? 10 : 0)) })),
    ...authorFans.map((f) => ({ put: { ...Friendship.encode({ followedUser: author, followingUser: f, timestamp: '2024-01-01T00:00:00' }) } })),
    ...fans.map((f) => ({ put: { ...Friendship.encode({ followedUser: celebrity, followingUser: f, timestamp: '2024-01-01T00:00:00' }) } })),
    ...smallAuthors.flatMap((a) => fans.slice(0, 10).map((f) => ({ put: { ...Friendship.encode({ followedUser: a, followingUser: f, timestamp: '2024-01-01T00:00:00' }) } }))),
  ];
  const setupStart = Date.now();
  await batchWrite(db, setup, 16);
  await skipStream(db, app);
  // The celebrity's followers learn to merge it (what the worker does when a user crosses the threshold).
  await batchWrite(derivedDb(db), fans.flatMap((f) => [{ put: { ...derivedKeys.celebrityFollow(f, celebrity), author: celebrity } }, { put: bigAuthorsItem(f, [celebrity]) }]), 16);
  process.stderr.write(`set-up: ${setup.length} items in ${((Date.now() - setupStart) / 1000).toFixed(1)} s\n`);

  const settings: DerivedConfig = { ...loadConfig({}).derived, fanoutThreshold: THRESHOLD };
  const workerMetrics = attachMetrics(workerClients.client);
  const appMetrics = attachMetrics(app.client);
  // Where each small post's time goes in the worker (section 5's profile), by the photo's key.
  const traced = new Map<string, RecordTimes>();
  VIEW_NAMES.push(...VIEWS.map((make) => make({ db, derived: derivedDb(db), settings }).name));
  const onApplied = (record: StreamRecord, times: RecordTimes) => {
    const keys = record.dynamodb?.Keys;
    if (record.eventName === 'INSERT' && keys?.PK?.S?.startsWith('USER#small') && keys.SK?.S) traced.set(`${keys.PK.S} ${keys.SK.S}`, times);
  };
  // As `npm start` wires them (src/main.ts): the API's writes wake every worker started here.
  const wakeOn = [app.doc];
  let worker: Worker = createWorker({ client: workerClients.client, db: workerDb, settings, onApplied, wakeOn });

  out(`## Feed: fan-out, lag and capacity (\`npm run bench:feed\`${quick ? ' --quick' : ''})`);
  out();
  out(`Measured on ${new Date().toISOString().slice(0, 10)}: embedded DynamoDB Local in memory, the worker in the bench process polling every ${settings.pollMs} ms and woken by the API's writes (as \`npm start\`), fan-out threshold ${THRESHOLD} (FEED_FANOUT_THRESHOLD; 5,000 by default), ${settings.fanoutConcurrency} BatchWriteItem in flight per fan-out. Capacity is what DynamoDB Local reports (ReturnConsumedCapacity TOTAL); feed entries are ~100-byte items, 1 WCU each.`);
  out();

  if (!fanoutOnly) {
    // 1. The 10k author posts.
    workerMetrics.reset();
    const t0 = Date.now();
    const photo = await uploadPhoto(db, { username: author, location: 'file:///bench.png' });
    const firstAt = await appears(db, fans[0]!, author, photo.timestamp);
    const lastAt = await appears(db, authorFans[authorFans.length - 1]!, author, photo.timestamp);
    await worker.drain(600_000);
    const fanOut = summary(workerMetrics);
    out('| scenario | what the worker did | capacity (units) | time |');
    out('|---|---|---:|---|');
    out(`| author with ${FOLLOWERS.toLocaleString('en')} followers posts | ${fanOut.requests} | ${fanOut.capacity} | first follower's feed after ${firstAt - t0} ms, last (fan-out complete) after ${((lastAt - t0) / 1000).toFixed(1)} s |`);

    // 2. The celebrity posts.
    workerMetrics.reset();
    const t1 = Date.now();
    const celebPhoto = await uploadPhoto(db, { username: celebrity, location: 'file:///celebrity.png' });
    await appears(db, celebrity, celebrity, celebPhoto.timestamp);
    await worker.drain(600_000);
    const celeb = summary(workerMetrics);
    out(`| celebrity (${CELEBRITY_FOLLOWERS.toLocaleString('en')} followers, at the threshold) posts | ${celeb.requests} | ${celeb.capacity} | nothing to fan out: in every follower's next feed read at once (${Date.now() - t1} ms to apply) |`);
    out();

    // 3. Per-operation request costs, measured on the app's client (reads) and the worker's (derived writes).
    await worker.stop();
    const reader = fans[0]!; // follows the 10k author, the celebrity and the ten small authors
    for (const a of smallAuthors) await uploadPhoto(db, { username: a, location: 'file:///s.png' });
    worker = createWorker({ client: workerClients.client, db: workerDb, settings, autoStart: false });
    await worker.drain(600_000);
    out('| operation | requests | capacity (units) |');
    out('|---|---|---:|');
    appMetrics.reset();
    const page = await getFeed(db, reader, { limit: 10 });
    const feedPage = summary(appMetrics);
    out(`| feed page of ${page.items.length} (reader follows 1 celebrity) | ${feedPage.requests} | ${feedPage.capacity} |`);
    appMetrics.reset();
    await getFeed(db, reader, { limit: 10, cursor: page.nextCursor });
    const nextPage = summary(appMetrics);
    out(`| next feed page | ${nextPage.requests} | ${nextPage.capacity} |`);
    const newcomer = fans[FOLLOWERS]!;
    appMetrics.reset();
    await followUser(db, newcomer, smallAuthors[0]!);
    const followRequest = summary(appMetrics);
    workerMetrics.reset();
    await worker.drain();
    const follow = summary(workerMetrics);
    out(`| follow: the request / the worker's backfill (${'1 photo'}) + activity + counters | ${followRequest.requests} / ${follow.requests} | ${followRequest.capacity} / ${follow.capacity} |`);
    appMetrics.reset();
    await unfollowUser(db, newcomer, smallAuthors[0]!);
    const unfollowRequest = summary(appMetrics);
    workerMetrics.reset();
    await worker.drain();
    const unfollow = summary(workerMetrics);
    out(`| unfollow: the request / the worker's removal | ${unfollowRequest.requests} / ${unfollow.requests} | ${unfollowRequest.capacity} / ${unfollow.capacity} |`);
    appMetrics.reset();
    await deletePhoto(db, author, photo.timestamp);
    const deleteRequest = summary(appMetrics);
    workerMetrics.reset();
    await worker.drain(600_000);
    const removal = summary(workerMetrics);
    out(`| delete a photo of the ${FOLLOWERS.toLocaleString('en')}-follower author: the request / the worker's removal from every feed | ${deleteRequest.requests} / ${removal.requests} | ${deleteRequest.capacity} / ${removal.capacity} |`);
    await worker.stop();
    out();

    // 4. End-to-end lag, post to feed, for an author with 10 followers, the worker running as in npm start.
    worker = createWorker({ client: workerClients.client, db: workerDb, settings, onApplied, wakeOn });
    await worker.drain();
    const lags: number[] = [];
    for (let i = 0; i < LAG_POSTS; i++) {
      const a = smallAuthors[i % smallAuthors.length]!;
      const posted = Date.now();
      const p = await uploadPhoto(db, { username: a, location: 'file:///lag.png' });
      lags.push((await appears(db, fans[9]!, a, p.timestamp)) - posted);
      await sleep(Math.random() * 100);
    }
    lags.sort((x, y) => x - y);
    out(`End-to-end lag from post (the upload request) to the photo in a follower's feed, ${LAG_POSTS} posts by authors with 10 followers, one at a time with random gaps: **p50 ${pct(lags, 50)} ms, p99 ${pct(lags, 99)} ms, max ${lags.at(-1)} ms** (the worker polls every ${settings.pollMs} ms when idle, which dominates).`);
    out();
  }
  // 5. Fan-out lag of the 10k author beside the engine's own floor for the same writes, measured
  // in turns (raw, fan-out alone, fan-out with small authors posting, with and without the
  // fan-out yielding to them) so load on the shared machine weighs on each alike; all are
  // timed by the same poll of the last item.
  const fanLags: number[] = [];
  const idleSmallLags: number[] = [];
  const raw: number[] = [];
  const idleTraces: PostTrace[] = [];
  /** The worker as it runs (yielding, 50 ms poll during a fan-out), without the yield, and without either (as before). */
  const conditions = [
    { label: 'the fan-out yielding, 50 ms poll (the worker as it runs)', fanoutYields: true, detachedPollMs: undefined },
    { label: 'not yielding, 50 ms poll', fanoutYields: false, detachedPollMs: undefined },
    { label: `not yielding, ${settings.pollMs} ms poll (as before)`, fanoutYields: false, detachedPollMs: settings.pollMs },
  ].map((c) => ({ ...c, fan: [] as number[], small: [] as number[], traces: [] as PostTrace[] }));
  type Condition = (typeof conditions)[number];
  const loads: number[] = [];
  const derivedWorker = derivedDb(workerDb);
  const seenInFeed = feedWatcher(db);
  /**
   * The raw floor's writes: the items the fan-out writes (feedEntryItem: the same attributes and
   * TTL), the author's feed then every follower's in the same order, under another author; the
   * same batchWriter, 25 a request, as many in flight.
   */
  const writeRaw = async (writes: DerivedWrite[]) => {
    const writer = batchWriter(derivedWorker, settings.fanoutConcurrency);
    await writer.add(writes);
    await writer.done();
  };
  const rawWrites = (timestamp: string) => ['bench-raw', ...authorFans].map((f) => ({ put: feedEntryItem(f, 'raw', timestamp, settings.feedTtlDays) }));
  /** The worker from now on, as in the condition. */
  const useWorker = async (condition: Pick<Condition, 'fanoutYields' | 'detachedPollMs'>) => {
    await worker.stop();
    const { fanoutYields, detachedPollMs } = condition;
    worker = createWorker({ client: workerClients.client, db: workerDb, settings, onApplied, wakeOn, fanoutYields, ...(detachedPollMs === undefined ? {} : { detachedPollMs }) });
    await worker.drain(600_000);
  };
  /** The 10k author posts and small authors post while it fans out. */
  const fanOutWithSmallPosts = async (i: number, condition: Condition) => {
    const posted = Date.now();
    const p = await uploadPhoto(db, { username: author, location: `file:///fan${i}.png` });
    const last = appears(db, authorFans[authorFans.length - 1]!, author, p.timestamp);
    const during: Promise<void>[] = [];
    for (let k = 0; k < POSTS_DURING; k++) {
      await sleep(150 + Math.random() * 200);
      const a = smallAuthors[k % smallAuthors.length]!;
      const at = Date.now();
      const sp = await uploadPhoto(db, { username: a, location: 'file:///during.png' });
      const uploaded = Date.now();
      during.push(
        seenInFeed(fans[9]!, a, sp.timestamp).then((seen) => {
          condition.small.push(seen - at);
          condition.traces.push({ key: keys.photo(a, sp.timestamp), at, uploaded, seen });
        }),
      );
    }
    condition.fan.push((await last) - posted);
    await Promise.all(during);
    await worker.drain(600_000);
    loads.push(loadavg()[0]!);
  };
  if (profileFanout) {
    // Raw writes and fan-outs in turns, each watched on the worker's client and timed to the last item seen.
    await worker.stop();
    let reads = 0;
    const profiled = createWorker({ client: workerClients.client, db: workerDb, settings, wakeOn, onRead: (event) => void (event === 'start' && reads++) });
    await profiled.drain(600_000);
    const watch = runWatcher(workerClients.client, jvmPid(engine.pid), settings.fanoutConcurrency);
    const rawRuns: RunProfile[] = [];
    const fanRuns: RunProfile[] = [];
    for (let i = 0; i < FANOUT_POSTS; i++) {
      const ts = `2019-01-01T00:00:0${i}`;
      const writes = rawWrites(ts);
      watch.begin();
      const rawLast = appears(db, authorFans[authorFans.length - 1]!, 'raw', ts);
      await writeRaw(writes);
      await rawLast;
      rawRuns.push(watch.end());
      reads = 0;
      watch.begin();
      const p = await uploadPhoto(db, { username: author, location: `file:///profile${i}.png` });
      watch.mark('upload answered');
      await appears(db, authorFans[authorFans.length - 1]!, author, p.timestamp);
      fanRuns.push(watch.end({ 'GetRecords (reads)': reads }));
      await profiled.drain(600_000);
    }
    watch.detach();
    await profiled.stop();
    worker = createWorker({ client: workerClients.client, db: workerDb, settings, onApplied, wakeOn });
    out(`Where the fan-out's time goes beside the raw writes (${FANOUT_POSTS} of each, in turns; CPU from /proc schedstat (JVM) and process.cpuUsage (bench); load average ${loadavg()[0]!.toFixed(1)}):`);
    out();
    profileRows(out, [
      ['raw BatchWriteItem', rawRuns],
      ['fan-out (post to last feed)', fanRuns],
    ]);
  }
  for (let i = 0; i < FANOUT_POSTS; i++) {
    const writes = rawWrites(`2020-01-01T00:00:0${i}`);
    const t = Date.now();
    const rawLast = appears(db, authorFans[authorFans.length - 1]!, 'raw', `2020-01-01T00:00:0${i}`);
    await writeRaw(writes);
    raw.push((await rawLast) - t);

    // The same small authors' posts with no fan-out running: what the lag during one is compared with.
    for (let k = 0; k < POSTS_DURING; k++) {
      const a = smallAuthors[k % smallAuthors.length]!;
      const at = Date.now();
      const sp = await uploadPhoto(db, { username: a, location: 'file:///idle.png' });
      const uploaded = Date.now();
      const seen = await seenInFeed(fans[9]!, a, sp.timestamp);
      idleSmallLags.push(seen - at);
      idleTraces.push({ key: keys.photo(a, sp.timestamp), at, uploaded, seen });
      await sleep(Math.random() * 100);
    }

    const alone = Date.now();
    const solo = await uploadPhoto(db, { username: author, location: `file:///solo${i}.png` });
    fanLags.push((await appears(db, authorFans[authorFans.length - 1]!, author, solo.timestamp)) - alone);
    await worker.drain(600_000);

    // Each condition in turns, the first one rotating.
    for (let c = 0; c < conditions.length; c++) {
      const condition = conditions[(i + c) % conditions.length]!;
      await useWorker(condition);
      await fanOutWithSmallPosts(i, condition);
    }
    await useWorker(conditions[0]!);
  }
  for (const list of [fanLags, idleSmallLags, raw, ...conditions.flatMap((c) => [c.fan, c.small])]) list.sort((x, y) => x - y);
  const p3 = (list: number[]) => `${pct(list, 50)} ms | ${pct(list, 95)} ms | ${pct(list, 99)} ms`;
  out(`| measure (${FANOUT_POSTS} posts of the ${FOLLOWERS.toLocaleString('en')}-follower author in each condition, in turns; load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} during, ${loadavg()[0]!.toFixed(1)} at the end) | p50 | p95 | p99 |`);
  out('|---|---:|---:|---:|');
  out(`| the engine's own BatchWriteItem of the same ${(FOLLOWERS + 1).toLocaleString('en')} feed entries (the same items, 25 a request, ${settings.fanoutConcurrency} in flight as the fan-out, no worker) | ${p3(raw)} |`);
  out(`| fan-out lag: post to the last follower's feed | ${p3(fanLags)} |`);
  out(`| ratio fan-out / raw writes | ${(pct(fanLags, 50) / pct(raw, 50)).toFixed(2)}x | ${(pct(fanLags, 95) / pct(raw, 95)).toFixed(2)}x | ${(pct(fanLags, 99) / pct(raw, 99)).toFixed(2)}x |`);
  for (const c of conditions) out(`| fan-out lag with small authors posting meanwhile, ${c.label} | ${p3(c.fan)} |`);
  for (const c of conditions) out(`| lag of a small author's post (10 followers) made while the fan-out runs, ${c.label} (${c.small.length} posts) | ${p3(c.small)} |`);
  out(`| the same posts with no fan-out running (${idleSmallLags.length} posts) | ${p3(idleSmallLags)} |`);
  out();
  profile(out, traced, [...conditions.map((c): [string, PostTrace[]] => [`during the fan-out, ${c.label}`, c.traces]), ['no fan-out running', idleTraces]]);

  if (!fanoutOnly) {
    // 6. Catch-up: a backlog of photos by small authors (10 followers each) written while no worker runs.
    await worker.stop();
    const backlog = Array.from({ length: BACKLOG }, (_, i) => ({
      put: { ...Photo.encode({ username: smallAuthors[i % smallAuthors.length]!, timestamp: `2025-06-01T00:00:${String(i).padStart(5, '0')}`, location: 'file:///b.png', reactions: { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 } }) },
    }));
    await batchWrite(db, backlog, 16);
    const catchUpStart = Date.now();
    worker = createWorker({ client: workerClients.client, db: workerDb, settings, autoStart: false });
    await worker.drain(600_000);
    const catchUpSeconds = (Date.now() - catchUpStart) / 1000;
    await worker.stop();
    out(`Catch-up: a worker started behind ${BACKLOG.toLocaleString('en')} photo records (authors with 10 followers: 11 feed entries each) applies them in ${catchUpSeconds.toFixed(1)} s: **${Math.round(BACKLOG / catchUpSeconds)} records/s, ${Math.round((BACKLOG * 11) / catchUpSeconds)} followers/s** (one record at a time per shard, in order; a single fan-out runs at ${Math.round((FOLLOWERS + 1) / (pct(fanLags, 50) / 1000))} followers/s).`);
    out();

    // 7. Feed page cost with 0, 1 and 25 big accounts followed (big: followers at the threshold).
    const bigs = Array.from({ length: 25 }, (_, i) => `bigb${String(i).padStart(2, '0')}`);
    await batchWrite(db, bigs.map((b) => ({ put: user(b, THRESHOLD, 0) })), 16);
    const readers = { none: 'readnone', one: 'readone', many: 'readmany' };
    await batchWrite(db, Object.values(readers).map((r) => ({ put: user(r, 0, 0) })), 16);
    for (const a of smallAuthors) for (const r of Object.values(readers)) await followUser(db, r, a);
    await followUser(db, readers.one, bigs[0]!);
    for (const b of bigs) await followUser(db, readers.many, b);
    for (const b of bigs) await uploadPhoto(db, { username: b, location: 'file:///big.png' });
    worker = createWorker({ client: workerClients.client, db: workerDb, settings, autoStart: false });
    await worker.drain(600_000);
    await worker.stop();
    out('| feed page of 10 | first page | next page |');
    out('|---|---|---|');
    for (const [label, reader] of [['0 big accounts', readers.none], ['1 big account', readers.one], ['25 big accounts', readers.many]] as const) {
      appMetrics.reset();
      const first = await getFeed(db, reader, { limit: 10 });
      const one = requestCounts(appMetrics.snapshot());
      appMetrics.reset();
      await getFeed(db, reader, { limit: 10, ...(first.nextCursor ? { cursor: first.nextCursor } : {}) });
      const two = requestCounts(appMetrics.snapshot());
      const total = (counts: Record<string, number>) => `${Object.values(counts).reduce((n, c) => n + c, 0)} (${Object.entries(counts).map(([op, c]) => `${c} ${op}`).join(' + ')})`;
      out(`| ${label} | ${total(one)} | ${total(two)} |`);
    }
    out();

    // 8. A fresh npm start: the service as a child process on this engine, sample data loaded at its start.
    const fresh = await freshStart(engine.endpoint, cursors);
    out(`Fresh \`npm start\` (sample data loaded and derived at start, ${fresh.startSeconds.toFixed(1)} s to /ready): a photo posted after /ready (two accounts made, a follow, the upload) is in the follower's feed **${fresh.readyToFeed} ms after /ready**, ${fresh.uploadToFeed} ms after the upload returned.`);
    out();
  }
  out(`Whole run: ${((Date.now() - started) / 1000).toFixed(0)} s.`);

  await worker.stop();
  workerMetrics.detach();
  appMetrics.detach();
  app.client.destroy();
  workerClients.client.destroy();
  await engine.stop();
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Starts src/main.ts on a new table of the bench's engine, waits for /ready, then times a new photo to a follower's feed. */
async function freshStart(endpoint: string, cursors: Db['cursors']): Promise<{ startSeconds: number; readyToFeed: number; uploadToFeed: number }> {
  const table = 'bench-start';
  const dir = await mkdtemp(join(tmpdir(), 'qp-bench-start-'));
  const port = await freePort();
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, DYNAMODB_ENDPOINT: endpoint, TABLE_NAME: table, PORT: String(port), DATA_DIR: dir, LOG_LEVEL: 'warn', RATE_LIMIT_AUTH: '0', RATE_LIMIT_WRITES: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const clients = createClients({ endpoint, local: true, requestTimeoutMs: 30_000 });
  try {
    const deadline = Date.now() + 600_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/ready`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the service never became ready');
      await sleep(20);
    }
    const ready = Date.now();
    const db: Db = { doc: clients.doc, table, cursors };
    for (const name of ['benchposter', 'benchreader']) await createUser(db, { username: name, name: `Bench ${name}`, email: `${name}@example.com`, birthdate: '1990-01-01' });
    await followUser(db, 'benchreader', 'benchposter');
    const photo = await uploadPhoto(db, { username: 'benchposter', location: 'file:///fresh.png' });
    const uploaded = Date.now();
    const seen = await appears(db, 'benchreader', 'benchposter', photo.timestamp, 120_000);
    return { startSeconds: (ready - t0) / 1000, readyToFeed: seen - ready, uploadToFeed: seen - uploaded };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
    clients.client.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
