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
 * `--fanout` only the fan-out measures (section 5).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { loadConfig, type DerivedConfig } from '../src/config.js';
import { StreamConsumer, type DerivedView } from '../src/derived/consumer.js';
import { batchWrite, derivedDb, type DerivedWrite } from '../src/derived/store/index.js';
import { createStreamsClient } from '../src/derived/stream.js';
import { bigAuthorsItem } from '../src/derived/views/feed.js';
import { createWorker, VIEWS, type Worker } from '../src/derived/worker.js';
import { ensureTable } from '../src/admin/table.js';
import { createClients } from '../src/engine/client.js';
import { freePort, startEmbeddedEngine } from '../src/engine/embedded.js';
import { attachMetrics, requestCounts, type Metrics } from '../src/engine/metrics.js';
import { createCursorCodec, createUser, deletePhoto, followUser, getFeed, unfollowUser, uploadPhoto, type Db } from '../src/patterns/index.js';
import { Friendship, Photo, User } from '../src/schema/entities/index.js';
import { derivedKeys } from '../src/schema/keys.js';

const quick = process.argv.includes('--quick');
/** `--fanout`: only the fan-out beside the raw writes, and small authors' lag during it (while tuning). */
const fanoutOnly = process.argv.includes('--fanout');
const FOLLOWERS = quick ? 1_000 : 10_000;
// Just above the author: it is fanned out, and the celebrity (followed by every fan and one
// more) is one follower past the threshold.
const THRESHOLD = FOLLOWERS + 1;
const CELEBRITY_FOLLOWERS = THRESHOLD;
const LAG_POSTS = quick ? 20 : 100;
/** Posts of the 10k author timed, each with small authors posting while it fans out. */
const FANOUT_POSTS = quick ? 2 : 5;
const POSTS_DURING = 4;
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
  const consumer = new StreamConsumer({ client: clients.client, streams, db, derived }, noop, settings);
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

async function main(): Promise<void> {
  const started = Date.now();
  const engine = await startEmbeddedEngine();
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
  let worker: Worker = createWorker({ client: workerClients.client, db: workerDb, settings });

  out(`## Feed: fan-out, lag and capacity (\`npm run bench:feed\`${quick ? ' --quick' : ''})`);
  out();
  out(`Measured on ${new Date().toISOString().slice(0, 10)}: embedded DynamoDB Local in memory, the worker in the bench process polling every ${settings.pollMs} ms (as \`npm start\`), fan-out threshold ${THRESHOLD} (FEED_FANOUT_THRESHOLD; 5,000 by default), ${settings.fanoutConcurrency} BatchWriteItem in flight per fan-out. Capacity is what DynamoDB Local reports (ReturnConsumedCapacity TOTAL); feed entries are ~100-byte items, 1 WCU each.`);
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
    worker = createWorker({ client: workerClients.client, db: workerDb, settings });
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
  // in turns (raw, fan-out alone, fan-out with small authors posting) so load on the shared
  // machine weighs on each alike; both are timed by the same poll of the last item.
  const fanLags: number[] = [];
  const busyFanLags: number[] = [];
  const smallLags: number[] = [];
  const idleSmallLags: number[] = [];
  const raw: number[] = [];
  const derivedWorker = derivedDb(workerDb);
  for (let i = 0; i < FANOUT_POSTS; i++) {
    const writes = ['bench-raw', ...authorFans].map((f) => ({ put: { ...derivedKeys.feedEntry(f, 'raw', `2020-01-01T00:00:0${i}`), author: 'raw' } }));
    const t = Date.now();
    const rawLast = appears(db, authorFans[authorFans.length - 1]!, 'raw', `2020-01-01T00:00:0${i}`);
    await batchWrite(derivedWorker, writes, settings.fanoutConcurrency);
    raw.push((await rawLast) - t);

    // The same small authors' posts with no fan-out running: what the lag during one is compared with.
    for (let k = 0; k < POSTS_DURING; k++) {
      const a = smallAuthors[k % smallAuthors.length]!;
      const at = Date.now();
      const sp = await uploadPhoto(db, { username: a, location: 'file:///idle.png' });
      idleSmallLags.push((await appears(db, fans[9]!, a, sp.timestamp)) - at);
      await sleep(Math.random() * 100);
    }

    const alone = Date.now();
    const solo = await uploadPhoto(db, { username: author, location: `file:///solo${i}.png` });
    fanLags.push((await appears(db, authorFans[authorFans.length - 1]!, author, solo.timestamp)) - alone);
    await worker.drain(600_000);

    const posted = Date.now();
    const p = await uploadPhoto(db, { username: author, location: `file:///fan${i}.png` });
    const last = appears(db, authorFans[authorFans.length - 1]!, author, p.timestamp);
    const during: Promise<void>[] = [];
    for (let k = 0; k < POSTS_DURING; k++) {
      await sleep(150 + Math.random() * 200);
      const a = smallAuthors[k % smallAuthors.length]!;
      const at = Date.now();
      const sp = await uploadPhoto(db, { username: a, location: 'file:///during.png' });
      during.push(appears(db, fans[9]!, a, sp.timestamp).then((seen) => void smallLags.push(seen - at)));
    }
    busyFanLags.push((await last) - posted);
    await Promise.all(during);
    await worker.drain(600_000);
  }
  for (const list of [fanLags, busyFanLags, smallLags, idleSmallLags, raw]) list.sort((x, y) => x - y);
  out(`| measure (${FANOUT_POSTS} posts of the ${FOLLOWERS.toLocaleString('en')}-follower author, in turns with the raw writes; load average ${loadavg()[0]!.toFixed(1)} at the end) | p50 | p99 |`);
  out('|---|---:|---:|');
  out(`| the engine's own BatchWriteItem of the same ${(FOLLOWERS + 1).toLocaleString('en')} items (${settings.fanoutConcurrency} in flight, no worker) | ${pct(raw, 50)} ms | ${pct(raw, 99)} ms |`);
  out(`| fan-out lag: post to the last follower's feed | ${pct(fanLags, 50)} ms | ${pct(fanLags, 99)} ms |`);
  out(`| ratio fan-out / raw writes | ${(pct(fanLags, 50) / pct(raw, 50)).toFixed(2)}x | ${(pct(fanLags, 99) / pct(raw, 99)).toFixed(2)}x |`);
  out(`| fan-out lag with small authors posting meanwhile | ${pct(busyFanLags, 50)} ms | ${pct(busyFanLags, 99)} ms |`);
  out(`| lag of a small author's post (10 followers) made while the fan-out runs (${smallLags.length} posts) | ${pct(smallLags, 50)} ms | ${pct(smallLags, 99)} ms |`);
  out(`| the same, no fan-out running (${idleSmallLags.length} posts, in turns with the above) | ${pct(idleSmallLags, 50)} ms | ${pct(idleSmallLags, 99)} ms |`);
  out();

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
