/**
 * The table's change stream, read through the DynamoDB Streams API (the same endpoint for
 * DynamoDB Local, its own for AWS): find the stream, list its shards, read a shard in order.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';

export type { StreamRecord };

export interface ShardInfo {
  shardId: string;
  parentShardId: string | undefined;
  /** A closed shard (split or rolled over) has an ending sequence number; its children follow it. */
  closed: boolean;
}

export interface StreamRef {
  arn: string;
  /** Unique per stream of a table: checkpoints of a dropped and re-created table never apply. */
  label: string;
}

/** A streams client with the same endpoint, region and credentials as the table's client. */
export function createStreamsClient(client: DynamoDBClient): DynamoDBStreamsClient {
  const { config } = client;
  return new DynamoDBStreamsClient({
    region: config.region,
    credentials: config.credentials,
    maxAttempts: config.maxAttempts,
    requestHandler: config.requestHandler,
    // A custom endpoint (DynamoDB Local) serves the Streams API too; on AWS the SDK resolves its own.
    ...(config.isCustomEndpoint && config.endpoint ? { endpoint: config.endpoint } : {}),
  });
}

/** The table's current stream, or undefined when streams are off. */
export async function findStream(client: DynamoDBClient, tableName: string): Promise<StreamRef | undefined> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table?.StreamSpecification?.StreamEnabled || !Table.LatestStreamArn) return undefined;
  return { arn: Table.LatestStreamArn, label: Table.LatestStreamLabel ?? Table.LatestStreamArn.split('/').at(-1) ?? 'stream' };
}

/** Every shard of the stream (DescribeStream, paged by ExclusiveStartShardId). */
export async function listShards(streams: DynamoDBStreamsClient, arn: string): Promise<ShardInfo[]> {
  const shards: Shard[] = [];
  let start: string | undefined;
  do {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: start }));
    shards.push(...(StreamDescription?.Shards ?? []));
    start = StreamDescription?.LastEvaluatedShardId;
  } while (start);
  return inReadOrder(
    shards
      .filter((s): s is Shard & { ShardId: string } => typeof s.ShardId === 'string')
      .map((s) => ({ shardId: s.ShardId, parentShardId: s.ParentShardId, closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined })),
  );
}

/**
 * Parents before their children (a split closes one shard and opens two; a rollover, one),
 * otherwise in listing order, so that one pass can read a parent to its end and then its
 * children. A shard whose parent is no longer listed (trimmed after 24 hours) is a root.
 */
export function inReadOrder(shards: readonly ShardInfo[]): ShardInfo[] {
  const listed = new Map(shards.map((shard) => [shard.shardId, shard]));
  const ordered: ShardInfo[] = [];
  const placed = new Set<string>();
  const place = (shard: ShardInfo, path: Set<string>) => {
    if (placed.has(shard.shardId) || path.has(shard.shardId)) return;
    path.add(shard.shardId);
    const parent = shard.parentShardId === undefined ? undefined : listed.get(shard.parentShardId);
    if (parent) place(parent, path);
    placed.add(shard.shardId);
    ordered.push(shard);
  };
  for (const shard of shards) place(shard, new Set());
  return ordered;
}

/** An iterator just after the checkpoint, or at the oldest record the stream still holds. */
export async function shardIterator(streams: DynamoDBStreamsClient, arn: string, shardId: string, after: string | undefined): Promise<string | undefined> {
  const { ShardIterator } = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: arn,
      ShardId: shardId,
      ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
    }),
  );
  return ShardIterator;
}

export interface RecordBatch {
  records: StreamRecord[];
  /** Undefined once a closed shard has been read to its end. */
  next: string | undefined;
}

export async function readRecords(streams: DynamoDBStreamsClient, iterator: string, limit: number): Promise<RecordBatch> {
  const result = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
  return { records: result.Records ?? [], next: result.NextShardIterator };
}
