/** What every view is built with. */
import type { DerivedConfig } from '../../config/index.js';
import type { Db } from '../../patterns/db.js';
import { keys, type ItemKey } from '../../schema/keys.js';

export interface ViewContext {
  /** The main table, for reads of the current state. */
  db: Db;
  /** The derived table, where the view writes. */
  derived: Db;
  settings: Pick<DerivedConfig, 'fanoutThreshold' | 'fanoutConcurrency' | 'feedTtlDays' | 'activityTtlDays' | 'push'>;
  /** False: write no event log entries (data loaded at start, which no open stream waits to hear). */
  events?: boolean;
}

/** Photos a new follower's feed receives from the followed user (the rest is older than a feed page or two). */
export const BACKFILL_PHOTOS = 20;

/**
 * A main-table item a derived item stands for: while it is missing, the derived item is stray
 * (doctor removes it). Each view states its items' requirements beside the code that writes them.
 */
export interface Requirement {
  key: ItemKey;
  reason: string;
}

/** `reader` still follows `author`. */
export const following = (reader: string, author: string): Requirement => ({ key: keys.friendship(author, reader), reason: `${reader} no longer follows ${author}` });

/** Where a view that tells of activity (activity, mentions) hands its items instead of writing them: the push view's use. */
export type ActivitySink = (item: Record<string, unknown> & { PK: string; SK: string }) => Promise<void>;
