/**
 * Two worker processes started together against one DynamoDB Local: one reads the shard, the
 * other stands by. The reader is killed with SIGKILL in the middle of a fan-out; the standby
 * takes the shard over once the lease expires and finishes the work. Every feed ends exact,
 * and no shard was ever read by two processes at once: each process reports when it starts and
 * ends reading a shard (fixtures/worker-process.ts), and no two processes' reading intervals
 * of a shard overlap (a killed process's last one ends at its death). The shard's lease record
 * names the survivor.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointAtLatest } from '../../src/admin/derive-initial.js';
import { derivedDb, READER } from '../../src/derived/store/index.js';
import { findStream, listShards, createStreamsClient } from '../../src/derived/stream.js';
import { uploadPhoto } from '../../src/patterns/index.js';
import { derivedKeys } from '../../src/schema/keys.js';
import { createTestDb, isAlive, type TestDb } from '../support/db.js';
import { proofSize } from '../support/proofs.js';
import { engineEndpoint } from '../support/engine.js';
import { authorWithFollowers, expectedEntries, feedEntries, until } from './support.js';

// Four feed BatchWriteItems a fan-out (more at full size): the reader hangs before its third, mid fan-out.
const FOLLOWERS = proofSize(100, 300);
const LEASE_MS = 1_500;
let db: TestDb;
let followers: string[];
let dir: string;

interface Proc {
  child: ChildProcess;
  owner?: string;
  hung: boolean;
  killedAt?: number;
  /** Per shard, [start, end] intervals of reading (end undefined while open). */
  reads: Map<string, [number, number | undefined][]>;
}
const procs: Proc[] = [];

function startProcess(): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/derived/fixtures/worker-process.ts'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { PATH: process.env.PATH, DYNAMODB_ENDPOINT: engineEndpoint(), TABLE_NAME: db.table, LEASE_MS: String(LEASE_MS), HANG_AT_FEED_WRITE: '3', HANG_MARKER: join(dir, 'hung') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const proc: Proc = { child, hung: false, reads: new Map() };
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as { event: string; at: number; shardId?: string; owner?: string };
    if (message.event === 'ready') proc.owner = message.owner;
    else if (message.event === 'hung') proc.hung = true;
    else if (message.shardId) {
      const intervals = proc.reads.get(message.shardId) ?? [];
      proc.reads.set(message.shardId, intervals);
      if (message.event === 'start') intervals.push([message.at, undefined]);
      else if (intervals.at(-1)) intervals.at(-1)![1] = message.at;
    }
  });
  procs.push(proc);
  return proc;
}

const reading = (proc: Proc) => [...proc.reads.values()].some((intervals) => intervals.length > 0);

/** Readers of a shard at once, at most, over the whole run (intervals of different processes). */
function mostReadersAtOnce(): number {
  const events: [number, number][] = [];
  for (const proc of procs) {
    for (const intervals of proc.reads.values()) {
      for (const [start, end] of intervals) {
        events.push([start, 1], [end ?? proc.killedAt ?? Date.now(), -1]);
      }
    }
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, delta] of events) most = Math.max(most, (now += delta));
  return most;
}

beforeAll(async () => {
  db = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'qp-takeover-'));
  followers = await authorWithFollowers(db, 'author', FOLLOWERS);
  // Checkpoints past the set-up: the processes read the shard from there (no feed entries in it).
  await checkpointAtLatest(db.client, db, { leaseMs: LEASE_MS });
}, 60_000);

afterAll(async () => {
  for (const proc of procs) if (proc.child.pid && isAlive(proc.child.pid)) proc.child.kill('SIGKILL');
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('two worker processes, one killed mid fan-out', () => {
  it('the other takes over; every feed is exact; no shard read by two processes at once', { timeout: 180_000 }, async () => {
    const a = startProcess();
    const b = startProcess();
    await until(() => a.owner !== undefined && b.owner !== undefined, 60_000, 'both processes to start');
    // One of them reads the shard; the other stands by.
    await until(() => reading(a) || reading(b), 60_000, 'a shard reader');
    const first = reading(a) ? a : b;
    const standby = first === a ? b : a;

    const one = await uploadPhoto(db, { username: 'author', location: 'file:///1.png' });
    await until(() => first.hung, 60_000, 'the reader to be in the middle of the fan-out');
    const atKill = (await feedEntries(db)).length;
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(FOLLOWERS + 1);
    first.killedAt = Date.now();
    first.child.kill('SIGKILL');
    await new Promise((resolve) => (first.child.exitCode === null && first.child.signalCode === null ? first.child.once('exit', resolve) : resolve(undefined)));

    // Takeover once the lease expires; the bound leaves room for a busy machine.
    await until(() => reading(standby), LEASE_MS + 30_000, 'the standby to take the shard over');
    const two = await uploadPhoto(db, { username: 'author', location: 'file:///2.png' });
    const expected = new Set(expectedEntries(['author', ...followers], 'author', [one.timestamp, two.timestamp]));
    await until(async () => (await feedEntries(db)).length >= expected.size, 60_000, 'both photos in every feed').catch(async (error: unknown) => {
      // Say where it stood: how far the fan-outs got, and what the survivor was reading.
      const reads = JSON.stringify(Object.fromEntries([...standby.reads].map(([shard, intervals]) => [shard, intervals.length])));
      throw new Error(`${error instanceof Error ? error.message : String(error)}: ${(await feedEntries(db)).length} of ${expected.size} entries; the survivor's reads per shard ${reads}`);
    });
    const actual = await feedEntries(db);
    expect(actual.length).toBe(expected.size);
    expect(new Set(actual)).toEqual(expected);

    expect(mostReadersAtOnce()).toBe(1);
    expect(standby.child.exitCode).toBeNull();
    // The lease records name the survivor.
    const streams = createStreamsClient(db.client);
    const stream = await findStream(db.client, db.table);
    const shards = await listShards(streams, stream!.arn);
    streams.destroy();
    const derived = derivedDb(db);
    for (const shard of shards.filter((s) => !s.closed)) {
      const lease = await derived.doc.send(new GetCommand({ TableName: derived.table, Key: derivedKeys.checkpoint(READER, stream!.label, shard.shardId) }));
      expect(lease.Item?.owner).toBe(standby.owner);
    }
  });
});
