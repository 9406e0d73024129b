/**
 * `npm run bench:engine [-- --quick] [-- --records N]`: DynamoDB Local's CPU per request with and
 * without the stream-record index (src/engine/stream-index.ts), side by side in one run.
 *
 * For each variant an in-memory embedded engine (indexed: file-backed in a scratch directory;
 * unindexed: `-inMemory`, as before the index) serves PutItem, GetItem, Query and a 2-item
 * TransactWriteItems on a stream-enabled table, 16 in flight; the JVM's CPU (all threads, from
 * /proc schedstat) over each phase divided by its requests. Measured fresh, then again after N
 * stream records written to tables created and deleted in between (DynamoDB Local keeps those
 * records too).
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { loadavg, cpus } from 'node:os';
import { createClients } from '../src/engine/client.js';
import { startEmbeddedEngine, type EmbeddedEngine } from '../src/engine/embedded.js';
import { cpuSeconds, engineJvm } from './system.js';

const quick = process.argv.includes('--quick');
const recordsAt = process.argv.indexOf('--records');
const RECORDS = recordsAt > 0 ? Number(process.argv[recordsAt + 1]) : quick ? 4_000 : 12_000;
const REQUESTS = quick ? 400 : 1_600;
const IN_FLIGHT = 16;
const PER_TABLE = 400;

/** The JVM among the supervisor shell's children. */
function jvmPid(engine: EmbeddedEngine): number {
  const pid = engineJvm(engine.pid);
  if (pid === undefined) throw new Error('no JVM found under the engine');
  return pid;
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

type Op = 'PutItem' | 'GetItem' | 'Query' | 'Transact (2 items)';
const OPS: Op[] = ['PutItem', 'GetItem', 'Query', 'Transact (2 items)'];

/** JVM CPU milliseconds per request of each operation. */
async function measure(client: DynamoDBClient, jvm: number, table: string, round: string): Promise<Record<Op, number>> {
  const item = (i: number) => ({ PK: { S: `USER#u${i % 50}` }, SK: { S: `PHOTO#${round}#${i}` }, body: { S: 'x'.repeat(100) } });
  const calls: Record<Op, (i: number) => Promise<unknown>> = {
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
    await inFlight(50, calls[op]); // warm-up
    const before = cpuSeconds(jvm) ?? NaN;
    await inFlight(REQUESTS, calls[op]);
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

async function variant(streamIndex: boolean): Promise<{ fresh: Record<Op, number>; grown: Record<Op, number> }> {
  const engine = await startEmbeddedEngine({ streamIndex });
  const { client } = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: 60_000 });
  try {
    const jvm = jvmPid(engine);
    await createStreamTable(client, 'bench-engine');
    const fresh = await measure(client, jvm, 'bench-engine', 'fresh');
    await accumulate(client);
    // A table made after the records, as each test file's tables are after the files before it:
    // the engine's lookup walks the records in sequence order to reach a late stream's own.
    await createStreamTable(client, 'bench-engine-after');
    const grown = await measure(client, jvm, 'bench-engine-after', 'grown');
    return { fresh, grown };
  } finally {
    client.destroy();
    await engine.stop();
  }
}

const load = loadavg().map((n) => n.toFixed(2)).join(' ');
process.stdout.write(`bench:engine: ${REQUESTS} requests per operation, ${IN_FLIGHT} in flight; ${RECORDS} stream records accumulated; ${cpus().length} cores, load ${load}\n`);
const without = await variant(false);
const withIndex = await variant(true);
const fmt = (n: number) => n.toFixed(2);
const lines = [
  `| JVM CPU ms per request | no index, fresh | no index, after ${RECORDS} records | index, fresh | index, after ${RECORDS} records |`,
  '|---|---:|---:|---:|---:|',
  ...OPS.map((op) => `| ${op} | ${fmt(without.fresh[op])} | ${fmt(without.grown[op])} | ${fmt(withIndex.fresh[op])} | ${fmt(withIndex.grown[op])} |`),
];
process.stdout.write(`${lines.join('\n')}\nload at end: ${loadavg().map((n) => n.toFixed(2)).join(' ')}\n`);
