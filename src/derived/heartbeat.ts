/**
 * Where the worker's status is visible from other processes: each view's consumer status,
 * written every few seconds to WORKERSTATUS / <view> in the derived table. `/ready` and the
 * CLI read it when the worker runs elsewhere (`quick-photos worker`).
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { call, type Db } from '../patterns/db.js';
import { derivedKeys, derivedRanges } from '../schema/keys.js';
import { summarize, type ConsumerStatus, type WorkerStatus } from './consumer.js';
import { derivedDb } from './store.js';

export const HEARTBEAT_MS = 5_000;

export async function writeHeartbeat(derived: Db, views: ConsumerStatus[]): Promise<void> {
  const updatedAt = new Date().toISOString();
  await Promise.all(
    views.map((status) =>
      call(derived, 'writeHeartbeat', () => derived.doc.send(new PutCommand({ TableName: derived.table, Item: { ...derivedKeys.workerStatus(status.view), status, updatedAt } }))),
    ),
  );
}

export interface RemoteWorkerStatus extends WorkerStatus {
  /** The oldest heartbeat's time; a worker that stopped leaves a stale one. */
  updatedAt: string | undefined;
  /** True when a heartbeat is older than three periods: the worker is down or stuck. */
  stale: boolean;
}

/** Query `PK = WORKERSTATUS` on the derived table: one request. */
export async function readHeartbeat(db: Db, now = Date.now()): Promise<RemoteWorkerStatus> {
  const derived = derivedDb(db);
  const result = await call(derived, 'readHeartbeat', () =>
    derived.doc.send(
      new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.workerStatus().pk } }),
    ),
  );
  const items = result.Items ?? [];
  const views = items.map((i) => i.status as ConsumerStatus);
  const times = items.map((i) => String(i.updatedAt)).sort();
  const updatedAt = times[0];
  const stale = updatedAt === undefined || now - Date.parse(updatedAt) > 3 * HEARTBEAT_MS;
  return { ...summarize(views), ...(views.length === 0 ? { lagSeconds: null } : {}), updatedAt, stale };
}
