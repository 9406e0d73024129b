/**
 * Per-shard positions in the stream and the lease on each shard, one item per shard in the
 * derived table (CHECKPOINT#stream / <streamLabel>#<shardId>). One reader per shard per
 * deployment: a worker reads a shard only while it holds the shard's lease, and every
 * checkpoint write is conditional on still holding it, so two worker processes never both
 * advance a shard. A lease lasts `leaseMs` from its last renewal; a worker that dies stops
 * renewing and a standby takes the shard over once it expires (clocks are assumed to agree
 * to well within a lease).
 *
 * A checkpoint is written only after every record up to it has been applied to every view,
 * so a crash replays at most the batch in flight (harmless: derived writes are idempotent).
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { call, conditional, isConditionFailure, type Db } from '../../patterns/db.js';
import { derivedKeys } from '../../schema/keys.js';
import type { RawItem } from '../../schema/entity.js';
import { compareSequence } from '../records.js';

/** The reader's name in checkpoint keys; the per-view readers before it used their view's name. */
export const READER = 'stream';
/** Checkpoints of the one-consumer-per-view releases: a shard without a lease starts from the oldest of them. */
const LEGACY_READERS = ['feed', 'activity', 'directory'];

export interface Checkpoint {
  /** The last sequence number applied; undefined means "from the oldest record". */
  sequenceNumber: string | undefined;
  /** The shard is closed and read to its end: its children may start. */
  finished: boolean;
}

export interface Lease extends Checkpoint {
  /** Epoch ms (the holder's clock) until which no one else may take the shard. */
  until: number;
}

const toCheckpoint = (item: RawItem | undefined): Checkpoint => ({
  sequenceNumber: typeof item?.sequenceNumber === 'string' ? item.sequenceNumber : undefined,
  finished: item?.finished === true,
});

export async function readCheckpoint(derived: Db, reader: string, streamLabel: string, shardId: string): Promise<Checkpoint & { exists: boolean }> {
  const result = await call(derived, 'readCheckpoint', () =>
    derived.doc.send(new GetCommand({ TableName: derived.table, Key: derivedKeys.checkpoint(reader, streamLabel, shardId), ConsistentRead: true })),
  );
  return { ...toCheckpoint(result.Item), exists: result.Item !== undefined };
}

/**
 * Takes (or renews) the shard's lease: UpdateItem conditional on the lease being free,
 * expired or already ours. Undefined when another worker holds it.
 */
export async function acquireLease(derived: Db, streamLabel: string, shardId: string, owner: string, leaseMs: number): Promise<Lease | undefined> {
  const now = Date.now();
  let item: RawItem | undefined;
  try {
    const result = await call(derived, 'acquireLease', () =>
      derived.doc.send(
        new UpdateCommand({
          TableName: derived.table,
          Key: derivedKeys.checkpoint(READER, streamLabel, shardId),
          UpdateExpression: 'SET #owner = :me, leaseUntil = :until, shardId = :shard, updatedAt = :at',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR #owner = :me OR leaseUntil < :now',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':me': owner, ':until': now + leaseMs, ':shard': shardId, ':at': new Date(now).toISOString(), ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    item = result.Attributes as RawItem | undefined;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
  const checkpoint = toCheckpoint(item);
  if (checkpoint.sequenceNumber === undefined && !checkpoint.finished && item?.migrated !== true) {
    // First lease on this shard: carry on from where every per-view reader had got to.
    const legacy = await Promise.all(LEGACY_READERS.map((view) => readCheckpoint(derived, view, streamLabel, shardId)));
    if (legacy.every((c) => c.exists)) {
      const sequences = legacy.map((c) => c.sequenceNumber);
      checkpoint.finished = legacy.every((c) => c.finished);
      checkpoint.sequenceNumber = sequences.includes(undefined) ? undefined : (sequences as string[]).sort(compareSequence)[0];
    }
    if (!(await saveCheckpoint(derived, streamLabel, shardId, owner, checkpoint, leaseMs, true))) return undefined;
  }
  return { ...checkpoint, until: now + leaseMs };
}

/** Writes the checkpoint and renews the lease, if still ours; false when another worker took the shard. */
export async function saveCheckpoint(
  derived: Db,
  streamLabel: string,
  shardId: string,
  owner: string,
  checkpoint: Checkpoint,
  leaseMs: number,
  migrated = false,
): Promise<boolean> {
  const now = Date.now();
  return conditional(derived, 'saveCheckpoint', () =>
    derived.doc.send(
      new UpdateCommand({
        TableName: derived.table,
        Key: derivedKeys.checkpoint(READER, streamLabel, shardId),
        UpdateExpression: `SET ${checkpoint.sequenceNumber ? 'sequenceNumber = :seq, ' : ''}finished = :finished, leaseUntil = :until, updatedAt = :at${migrated ? ', migrated = :true' : ''}`,
        ConditionExpression: '#owner = :me',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: {
          ':me': owner,
          ':finished': checkpoint.finished,
          ':until': now + leaseMs,
          ':at': new Date(now).toISOString(),
          ...(checkpoint.sequenceNumber ? { ':seq': checkpoint.sequenceNumber } : {}),
          ...(migrated ? { ':true': true } : {}),
        },
      }),
    ),
  );
}

/** Gives the shard up at once (a clean stop), so a standby need not wait for the lease to expire. */
export async function releaseLease(derived: Db, streamLabel: string, shardId: string, owner: string): Promise<void> {
  // Taken over meanwhile: nothing of ours to give up.
  await conditional(derived, 'releaseLease', () =>
    derived.doc.send(
      new UpdateCommand({
        TableName: derived.table,
        Key: derivedKeys.checkpoint(READER, streamLabel, shardId),
        UpdateExpression: 'SET leaseUntil = :zero',
        ConditionExpression: '#owner = :me',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':me': owner, ':zero': 0 },
      }),
    ),
  );
}
