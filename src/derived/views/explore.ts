/**
 * The Explore view: recent public photos, for people who do not follow their authors. One entry
 * per photo, `EXPLORE#<shard>` / `<photoTimestamp>#<author>` (the shard a hash of the author, so
 * posting spreads over EXPLORE_SHARDS partitions and one author's entries share one), written
 * when a public, active author posts and deleted when the photo goes (deleted, taken down,
 * the account emptied). An author going private, suspended or being deleted loses every entry;
 * coming back (public again, unsuspended) backfills the newest photos. Bounded by count, not
 * age (so a quiet app still shows its older photos): every partition is trimmed to its newest
 * EXPLORE_KEEP_PER_SHARD entries, one photo in EXPLORE_TRIM_EVERY triggering the trim.
 * Every write is a Put or Delete of a key computed from the photo, and a trim converges, so a
 * replay changes nothing. Blocks and follows are the reader's: the read filters them.
 */
import { derivedKeys, exploreShard, derivedRanges } from '../../schema/keys.js';
import type { RawItem } from '../../schema/entity.js';
import { ExploreEntry } from '../../schema/entities/index.js';
import type { DerivedView } from '../apply.js';
import type { Change } from '../records.js';
import { forEachPhotoPage, recentPhotoTimestamps } from '../../patterns/photos.js';
import { isPubliclyListed, listingState } from '../../patterns/users.js';
import { batchWrite, trimPartition } from '../store/index.js';
import { BACKFILL_PHOTOS, type ViewContext } from './context.js';

/** Entries a trim keeps per Explore partition (between trims the posts since the last one come on top: about 64 on average). */
export const EXPLORE_KEEP_PER_SHARD = 2_500;
/** One photo in this many (by a hash of its key, so a replay trims at the same photo) trims its partition. */
export const EXPLORE_TRIM_EVERY = 64;

export const exploreEntryItem = (author: string, timestamp: string): RawItem => ExploreEntry.encode({ author, photoTimestamp: timestamp });

function trimsAfter(author: string, timestamp: string): boolean {
  let hash = 0;
  for (const char of `${timestamp}#${author}`) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % EXPLORE_TRIM_EVERY === 0;
}

export function exploreView(ctx: ViewContext, options: { keep?: number; trimEvery?: number } = {}): DerivedView {
  const { db, derived } = ctx;
  const keep = options.keep ?? EXPLORE_KEEP_PER_SHARD;

  async function post(author: string, timestamp: string): Promise<void> {
    if (!isPubliclyListed(await listingState(db, author))) return;
    await batchWrite(derived, [{ put: exploreEntryItem(author, timestamp) }]);
    if (options.trimEvery === 1 || trimsAfter(author, timestamp)) await trimPartition(derived, derivedRanges.exploreShard(exploreShard(author)).pk, keep);
  }

  /** Every photo of the author out of Explore: keys computed from the table's photos (no read of the view). */
  async function withdraw(author: string): Promise<void> {
    await forEachPhotoPage(db, author, async (timestamps) => {
      await batchWrite(derived, timestamps.map((timestamp) => ({ delete: derivedKeys.exploreEntry(author, timestamp) })));
    });
  }

  async function restore(author: string): Promise<void> {
    const recent = await recentPhotoTimestamps(db, author, BACKFILL_PHOTOS);
    await batchWrite(derived, recent.map((timestamp) => ({ put: exploreEntryItem(author, timestamp) })));
  }

  return {
    name: 'explore',
    async apply(change: Change): Promise<void> {
      const { kind, event } = change;
      if (kind.kind === 'photo') {
        if (event === 'INSERT') await post(kind.username, kind.timestamp);
        else if (event === 'REMOVE') await batchWrite(derived, [{ delete: derivedKeys.exploreEntry(kind.username, kind.timestamp) }]);
        return;
      }
      if (kind.kind === 'user' && event === 'MODIFY') {
        const was = isPubliclyListed(change.oldImage);
        const is = isPubliclyListed(change.newImage);
        if (was && !is) await withdraw(kind.username);
        else if (!was && is) await restore(kind.username);
      }
    },
  };
}
