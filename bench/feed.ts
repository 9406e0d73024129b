/**
 * `npm run bench:feed`: the home feed's costs and lag on the embedded engine (in memory).
 *
 * - an author with FOLLOWERS followers (10,000) posts: fan-out requests, write capacity, and
 *   the time until the first and the last follower's feed holds the photo;
 * - a celebrity above the threshold posts: what is written, and what a follower's feed page costs;
 * - end-to-end lag from post to feed (p50/p99) for an ordinary author, the worker polling as
 *   `npm start` does;
 * - the capacity of a feed page, a follow (backfill), an unfollow and a photo deletion.
 *
 * Prints a Markdown section for BENCHMARKS.md. `--quick` runs a smaller version (1,000 followers).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { loadConfig, type DerivedConfig } from '../src/config.js';
import { StreamConsumer, type DerivedView } from '../src/derived/consumer.js';
import { batchWrite, derivedDb, type DerivedWrite } from '../src/derived/store.js';
import { createStreamsClient } from '../src/derived/stream.js';
import { createWorker, VIEWS, type Worker } from '../src/derived/worker.js';
import { ensureTable } from '../src/admin/table.js';
import { createClients } from '../src/engine/client.js';
import { startEmbeddedEngine } from '../src/engine/embedded.js';
import { attachMetrics, type Metrics } from '../src/engine/metrics.js';
import { createCursorCodec, deletePhoto, followUser, getFeed, unfollowUser, uploadPhoto, type Db } from '../src/patterns/index.js';
import { encodeFriendship, encodeUser } from '../src/schema/items.js';
import { derivedKeys } from '../src/schema/keys.js';

const quick = process.argv.includes('--quick');
const FOLLOWERS = quick ? 1_000 : 10_000;
// Just above the author: it is fanned out, and the celebrity (followed by every fan and one
// more) is one follower past the threshold.
const THRESHOLD = FOLLOWERS + 1;
const CELEBRITY_FOLLOWERS = THRESHOLD;
const LAG_POSTS = quick ? 20 : 100;

const user = (username: string, followers: number, following: number) => ({
  ...encodeUser({ username, name: `User ${username}`, email: `${username}@example.com`, birthdate: '1990-01-01', address: '', status: '', interests: [], followers, following }),
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
    ...authorFans.map((f) => ({ put: { ...encodeFriendship({ followedUser: author, followingUser: f, timestamp: '2024-01-01T00:00:00' }) } })),
    ...fans.map((f) => ({ put: { ...encodeFriendship({ followedUser: celebrity, followingUser: f, timestamp: '2024-01-01T00:00:00' }) } })),
    ...smallAuthors.flatMap((a) => fans.slice(0, 10).map((f) => ({ put: { ...encodeFriendship({ followedUser: a, followingUser: f, timestamp: '2024-01-01T00:00:00' }) } }))),
  ];
  const setupStart = Date.now();
  await batchWrite(db, setup, 16);
  await skipStream(db, app);
  // The celebrity's followers learn to merge it (what the worker does when a user crosses the threshold).
  await batchWrite(derivedDb(db), fans.map((f) => ({ put: { ...derivedKeys.celebrityFollow(f, celebrity), author: celebrity } })), 16);
  process.stderr.write(`set-up: ${setup.length} items in ${((Date.now() - setupStart) / 1000).toFixed(1)} s\n`);

  const settings: DerivedConfig = { ...loadConfig({}).derived, fanoutThreshold: THRESHOLD };
  const workerMetrics = attachMetrics(workerClients.client);
  const appMetrics = attachMetrics(app.client);
  let worker: Worker = createWorker({ client: workerClients.client, db: workerDb, settings });

  out(`## Feed: fan-out, lag and capacity (\`npm run bench:feed\`${quick ? ' --quick' : ''})`);
  out();
  out(`Measured on ${new Date().toISOString().slice(0, 10)}: embedded DynamoDB Local in memory, the worker in the bench process polling every ${settings.pollMs} ms (as \`npm start\`), fan-out threshold ${THRESHOLD} (FEED_FANOUT_THRESHOLD; 5,000 by default), ${settings.fanoutConcurrency} BatchWriteItem in flight per fan-out. Capacity is what DynamoDB Local reports (ReturnConsumedCapacity TOTAL); feed entries are ~100-byte items, 1 WCU each.`);
  out();

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
  out(`Whole run: ${((Date.now() - started) / 1000).toFixed(0)} s.`);

  await worker.stop();
  workerMetrics.detach();
  appMetrics.detach();
  app.client.destroy();
  workerClients.client.destroy();
  await engine.stop();
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
