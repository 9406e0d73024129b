/** What every view is built with. */
import type { DerivedConfig } from '../../config.js';
import type { Db } from '../../patterns/db.js';

export interface ViewContext {
  /** The main table, for reads of the current state. */
  db: Db;
  /** The derived table, where the view writes. */
  derived: Db;
  settings: Pick<DerivedConfig, 'fanoutThreshold' | 'fanoutConcurrency' | 'feedTtlDays' | 'activityTtlDays'>;
}

/** Photos a new follower's feed receives from the followed user (the rest is older than a feed page or two). */
export const BACKFILL_PHOTOS = 20;
