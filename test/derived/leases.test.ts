/**
 * Two workers started together: one reads the shard, the other stands by. The reader freezes
 * in the middle of a fan-out (it never answers again, like a SIGSTOPped process); the standby
 * takes the shard over once the lease expires and finishes the work. Every feed ends exact,
 * and at no moment did two live workers read the shard (readers counted per shard). When the
 * frozen one wakes up, its lease is gone: it writes no checkpoint and reads no further.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointAtLatest } from '../../src/admin/derive-initial.js';
import { loadConfig } from '../../src/config/index.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { uploadPhoto } from '../../src/patterns/index.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { proofSize } from '../support/proofs.js';
import { authorWithFollowers, expectedEntries, feedEntries, intercept, until } from './support.js';

// Four feed BatchWriteItems a fan-out (more at full size): the holder freezes at its third, mid fan-out.
const FOLLOWERS = proofSize(100, 200);
const LEASE_MS = 1_500;
const settings = { ...loadConfig({}).derived, fanoutConcurrency: 1, pollMs: 20, leaseMs: LEASE_MS };
let db: TestDb;
let followers: string[];

/** Readers of each shard right now, counting live workers only; the most ever seen. */
const reading = new Map<string, Set<string>>();
let mostAtOnce = 0;

interface Node {
  name: string;
  worker: Worker;
  dead: boolean;
  wake: () => void;
}
const nodes: Node[] = [];
let armed = false;

function startNode(name: string): Node {
  let writes = 0;
  let wake = () => undefined as void;
  const frozen = new Promise<void>((resolve) => (wake = resolve));
  const node: Node = { name, dead: false, wake: () => wake(), worker: undefined as unknown as Worker };
  const doc = intercept(db.doc, '*', async (command) => {
    if (node.dead) await frozen;
    if (command !== 'BatchWriteCommand' || !armed || ++writes !== 3 || nodes.some((n) => n.dead)) return;
    // Frozen mid fan-out: this worker stops counting as a reader and never answers again (until woken).
    node.dead = true;
    for (const readers of reading.values()) readers.delete(name);
    await frozen;
  });
  node.worker = createWorker({
    client: db.client,
    db: { ...db, doc },
    settings,
    onRead: (event, shardId) => {
      if (node.dead) return;
      const readers = reading.get(shardId) ?? new Set<string>();
      reading.set(shardId, readers);
      if (event === 'start') readers.add(name);
      else readers.delete(name);
      mostAtOnce = Math.max(mostAtOnce, readers.size);
    },
  });
  nodes.push(node);
  return node;
}

const holding = (node: Node) => node.worker.status().views[0]!.shards > 0;

beforeAll(async () => {
  db = await createTestDb();
  followers = await authorWithFollowers(db, 'author', FOLLOWERS);
  // Checkpoints past the set-up: the workers read the shard from there (no feed entries in it).
  await checkpointAtLatest(db.client, db, settings);
}, 60_000);

afterAll(async () => {
  for (const node of nodes) node.wake();
  await Promise.all(nodes.map((n) => n.worker.stop()));
  await db.drop();
});

describe('two workers, one frozen mid fan-out', () => {
  it('the standby takes over within the lease; every feed is exact; never two readers of a shard', { timeout: 180_000 }, async () => {
    const a = startNode('a');
    const b = startNode('b');
    // One of them reads the shard; the other stands by.
    await until(() => holding(a) || holding(b), 60_000, 'a shard holder');
    const first = holding(a) ? a : b;
    const standby = first === a ? b : a;
    await first.worker.drain(120_000);
    expect(holding(standby)).toBe(false);

    armed = true;
    const one = await uploadPhoto(db, { username: 'author', location: 'file:///1.png' });
    await until(() => first.dead, 60_000, 'the holder to freeze mid fan-out');
    const atFreeze = (await feedEntries(db)).length;
    expect(atFreeze).toBeGreaterThan(0);
    expect(atFreeze).toBeLessThan(FOLLOWERS + 1);

    // Takeover: the lease expires LEASE_MS after its last renewal; the bound leaves room for a busy machine.
    await until(() => holding(standby), LEASE_MS + 30_000, 'the standby to take the shard over');
    const two = await uploadPhoto(db, { username: 'author', location: 'file:///2.png' });
    await standby.worker.drain(120_000);

    const expected = expectedEntries(['author', ...followers], 'author', [one.timestamp, two.timestamp]);
    const actual = await feedEntries(db);
    expect(actual.length).toBe(expected.length);
    expect(new Set(actual)).toEqual(new Set(expected));
    expect(mostAtOnce).toBe(1);

    // The frozen worker wakes: its lease is gone, so it checkpoints nothing and lets the shard be.
    first.wake();
    await until(() => !holding(first) && first.worker.status().views[0]!.lastError === undefined, 30_000, 'the woken worker to notice');
    const three = await uploadPhoto(db, { username: 'author', location: 'file:///3.png' });
    await standby.worker.drain(120_000);
    expect(holding(standby)).toBe(true);
    expect(holding(first)).toBe(false);
    expect(new Set(await feedEntries(db))).toEqual(new Set(expectedEntries(['author', ...followers], 'author', [one.timestamp, two.timestamp, three.timestamp])));
  });
});
