/**
 * Where the worker's status is visible from other processes: each view's consumer status,
 * written every few seconds to WORKERSTATUS / <view> in the derived table. `/ready` and the
 * CLI read it when the worker runs elsewhere (`quick-photos worker`).
 */
import type { Db } from '../patterns/db.js';
import { summarize, type ConsumerStatus, type WorkerStatus } from './status.js';
import { derivedDb, putWorkerStatus, queryWorkerStatus } from './store/index.js';

export const HEARTBEAT_MS = 5_000;

export async function writeHeartbeat(derived: Db, views: ConsumerStatus[]): Promise<void> {
  await putWorkerStatus(derived, views, new Date().toISOString());
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
  const items = await queryWorkerStatus(derived);
  const views = items.map((i) => i.status as ConsumerStatus);
  const times = items.map((i) => String(i.updatedAt)).sort();
  const updatedAt = times[0];
  const stale = updatedAt === undefined || now - Date.parse(updatedAt) > 3 * HEARTBEAT_MS;
  return { ...summarize(views), ...(views.length === 0 ? { lagSeconds: null } : {}), updatedAt, stale };
}
