/**
 * `npm run bench:engine [-- --quick] [-- --records N]`: DynamoDB Local's CPU per request with and
 * without the stream-record indexes (src/engine/stream-index.ts), side by side in one run.
 *
 * Three engines in turn: none (`-inMemory`, as before any index), the first index only (by stream
 * and sequence: the set before the shard indexes) and every index (the embedded engine as it
 * starts, file-backed in a scratch directory). Each serves PutItem, GetItem, Query, a 2-item
 * TransactWriteItems and a GetRecords poll at the tail of the table's stream (as the stream worker
 * polls: nothing new, after the phases before it wrote ~5,000 records) on a stream-enabled table,
 * 16 in flight; the JVM's CPU (all threads, from /proc schedstat) over each phase divided by its
 * requests. Measured fresh, then again on a table made after N stream records were written to
 * tables created and deleted in between (DynamoDB Local keeps those records too).
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients } from '../src/engine/client.js';
import { startEmbeddedEngine } from '../src/engine/embedded.js';
import { resolveIsolation } from '../src/engine/isolation.js';
import { launchJvm } from '../src/engine/jvm.js';
import { DATABASE_FILE, dropStreamIndex, STREAM_INDEXES } from '../src/engine/stream-index.js';
import { cpuSeconds, engineJvm } from './system.js';

const quick = process.argv.includes('--quick');
const recordsAt = process.argv.indexOf('--records');
const RECORDS = recordsAt > 0 ? Number(process.argv[recordsAt + 1]) : quick ? 4_000 : 12_000;
const REQUESTS = quick ? 400 : 1_600;
const IN_FLIGHT = 16;
const PER_TABLE = 400;

/** The JVM among the supervisor shell's children. */
function jvmPid(supervisor: number): number {
  const pid = engineJvm(supervisor);
  if (pid === undefined) throw new Error('no JVM found under the engine');
  return pid;
}

interface BenchEngine {
  endpoint: string;
  supervisor: number;
  stop(): Promise<void>;
}

type Variant = 'none' | 'first' | 'all';
const VARIANTS: Record<Variant, string> = { none: 'no index', first: 'first index only', all: 'every index' };

/** An engine of the variant: `first` runs on a directory the embedded engine indexed, less the shard indexes. */
async function startVariant(variant: Variant): Promise<BenchEngine> {
  if (variant !== 'first') {
    const engine = await startEmbeddedEngine({ streamIndex: variant === 'all' });
    return { endpoint: engine.endpoint, supervisor: engine.pid, stop: () => engine.stop() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'qp-bench-engine-'));
  const indexed = await startEmbeddedEngine({ dbPath: dir });
  await indexed.stop();
  await dropStreamIndex(join(dir, DATABASE_FILE), Object.keys(STREAM_INDEXES).filter((name) => name !== 'qp_us_stream'));
  // Launched directly: the embedded engine's start would add the dropped indexes back.
  const jvm = await launchJvm({ java: process.env.JAVA_BIN ?? 'java', dbPath: dir, isolation: resolveIsolation('none'), socketPath: '', tmpDir: dir, startTimeoutMs: 120_000 });
  const port = 'port' in jvm.target ? jvm.target.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    supervisor: jvm.pid,
    async stop() {
      await jvm.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function createStreamTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
}

async function inFlight(count: number, call: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await call(next++);
    }),
  );
}

type Op = 'PutItem' | 'GetItem' | 'Query' | 'Transact (2 items)' | 'GetRecords (tail)';
const OPS: Op[] = ['PutItem', 'GetItem', 'Query', 'Transact (2 items)', 'GetRecords (tail)'];

/** A GetRecords at the stream's tail, as a worker polls it: one iterator chain per caller in flight. */
async function tailPoller(streams: DynamoDBStreamsClient, client: DynamoDBClient, table: string): Promise<(i: number) => Promise<unknown>> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  const StreamArn = Table?.LatestStreamArn;
  const shard = (await streams.send(new DescribeStreamCommand({ StreamArn }))).StreamDescription?.Shards?.at(-1)?.ShardId;
  const chains = await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => (await streams.send(new GetShardIteratorCommand({ StreamArn, ShardId: shard, ShardIteratorType: 'LATEST' }))).ShardIterator),
  );
  return async (i) => {
    const chain = i % IN_FLIGHT;
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: chains[chain] }));
    chains[chain] = page.NextShardIterator;
  };
}

/** JVM CPU milliseconds per request of each operation. */
async function measure(client: DynamoDBClient, streams: DynamoDBStreamsClient, jvm: number, table: string, round: string): Promise<Record<Op, number>> {
  const item = (i: number) => ({ PK: { S: `USER#u${i % 50}` }, SK: { S: `PHOTO#${round}#${i}` }, body: { S: 'x'.repeat(100) } });
  const calls: Record<Exclude<Op, 'GetRecords (tail)'>, (i: number) => Promise<unknown>> = {
    PutItem: (i) => client.send(new PutItemCommand({ TableName: table, Item: item(i) })),
    GetItem: (i) => client.send(new GetItemCommand({ TableName: table, Key: { PK: item(i).PK, SK: item(i).SK } })),
    Query: (i) => client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': item(i).PK }, Limit: 10 })),
    'Transact (2 items)': (i) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { ...item(i), SK: { S: `TX#${round}#${i}#a` } } } },
            { Put: { TableName: table, Item: { ...item(i), SK: { S: `TX#${round}#${i}#b` } } } },
          ],
        }),
      ),
  };
  const result = {} as Record<Op, number>;
  for (const op of OPS) {
    // After the writes before it: the poll finds nothing new at the end of their records.
    const call = op === 'GetRecords (tail)' ? await tailPoller(streams, client, table) : calls[op];
    await inFlight(50, call); // warm-up
    const before = cpuSeconds(jvm) ?? NaN;
    await inFlight(REQUESTS, call);
    result[op] = (((cpuSeconds(jvm) ?? NaN) - before) * 1000) / REQUESTS;
  }
  return result;
}

/** RECORDS stream records, PER_TABLE at a time into tables created and deleted. */
async function accumulate(client: DynamoDBClient): Promise<void> {
  for (let t = 0; t * PER_TABLE < RECORDS; t++) {
    const name = `bench-engine-filler-${t}`;
    await createStreamTable(client, name);
    const batches = Array.from({ length: Math.ceil(PER_TABLE / 25) }, (_, b) => b);
    await inFlight(batches.length, (b) =>
      client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [name]: Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: { PK: { S: `F#${b}` }, SK: { S: `${i}` }, body: { S: 'y'.repeat(100) } } } })),
          },
        }),
      ),
    );
    await client.send(new DeleteTableCommand({ TableName: name }));
  }
}

async function variant(which: Variant): Promise<{ fresh: Record<Op, number>; grown: Record<Op, number> }> {
  const engine = await startVariant(which);
  const { client } = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: 60_000 });
  const streams = new DynamoDBStreamsClient({ endpoint: engine.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const jvm = jvmPid(engine.supervisor);
    await createStreamTable(client, 'bench-engine');
    const fresh = await measure(client, streams, jvm, 'bench-engine', 'fresh');
    await accumulate(client);
    // A table made after the records, as each test file's tables are after the files before it:
    // the engine's lookup walks the records in sequence order to reach a late stream's own.
    await createStreamTable(client, 'bench-engine-after');
    const grown = await measure(client, streams, jvm, 'bench-engine-after', 'grown');
    return { fresh, grown };
  } finally {
    client.destroy();
    streams.destroy();
    await engine.stop();
  }
}

const load = loadavg().map((n) => n.toFixed(2)).join(' ');
process.stdout.write(`bench:engine: ${REQUESTS} requests per operation, ${IN_FLIGHT} in flight; ${RECORDS} stream records accumulated; ${cpus().length} cores, load ${load}\n`);
const results = [] as { which: Variant; fresh: Record<Op, number>; grown: Record<Op, number> }[];
for (const which of Object.keys(VARIANTS) as Variant[]) results.push({ which, ...(await variant(which)) });
const fmt = (n: number) => n.toFixed(2);
const lines = [
  `| JVM CPU ms per request | ${results.map(({ which }) => `${VARIANTS[which]}, fresh | ${VARIANTS[which]}, after ${RECORDS} records`).join(' | ')} |`,
  `|---|${results.map(() => '---:|---:').join('|')}|`,
  ...OPS.map((op) => `| ${op} | ${results.map((r) => `${fmt(r.fresh[op])} | ${fmt(r.grown[op])}`).join(' | ')} |`),
];
process.stdout.write(`${lines.join('\n')}\nload at end: ${loadavg().map((n) => n.toFixed(2)).join(' ')}\n`);
