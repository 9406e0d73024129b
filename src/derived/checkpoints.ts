/**
 * Per-view, per-shard positions in the stream, stored in the derived table. A checkpoint is
 * written only after every record up to it has been applied, so a crash replays at most the
 * batch in flight (harmless: derived writes are idempotent) and never skips one.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { call, type Db } from '../patterns/db.js';
import { derivedKeys } from '../schema/keys.js';

export interface Checkpoint {
  /** The last sequence number applied; undefined means "from the oldest record". */
  sequenceNumber: string | undefined;
  /** The shard is closed and read to its end: its children may start. */
  finished: boolean;
}

export async function readCheckpoint(derived: Db, view: string, streamLabel: string, shardId: string): Promise<Checkpoint> {
  const result = await call(derived, () =>
    derived.doc.send(new GetCommand({ TableName: derived.table, Key: derivedKeys.checkpoint(view, streamLabel, shardId), ConsistentRead: true })),
  );
  const item = result.Item;
  return {
    sequenceNumber: typeof item?.sequenceNumber === 'string' ? item.sequenceNumber : undefined,
    finished: item?.finished === true,
  };
}

export async function writeCheckpoint(derived: Db, view: string, streamLabel: string, shardId: string, checkpoint: Checkpoint): Promise<void> {
  await call(derived, () =>
    derived.doc.send(
      new PutCommand({
        TableName: derived.table,
        Item: {
          ...derivedKeys.checkpoint(view, streamLabel, shardId),
          view,
          shardId,
          ...(checkpoint.sequenceNumber ? { sequenceNumber: checkpoint.sequenceNumber } : {}),
          finished: checkpoint.finished,
          updatedAt: new Date().toISOString(),
        },
      }),
    ),
  );
}
