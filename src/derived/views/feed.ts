/**
 * The home feed view: hybrid fan-out.
 * - A photo of an author below the follower threshold is written to the feed of the author
 *   and of every follower (FEED#<reader>, one item each, keyed by the photo: idempotent).
 * - An author at or above it is a "celebrity": nothing is fanned out; each follower holds a
 *   FEEDSRC#<reader> item naming the author and the feed read merges their photos.
 * - Following backfills the author's recent photos (or records the celebrity); unfollowing
 *   removes that author's entries; deleting a photo deletes its entries by key, follower by
 *   follower (no Scan). Entries expire by TTL, so a feed never grows without bound.
 */
import { eachLimited } from '../../limit.js';
import { BIG_AUTHOR_ATTRIBUTE, derivedKeys, derivedRanges, keys } from '../../schema/keys.js';
import type { RawItem } from '../../schema/entity.js';
import { CelebrityFollow, FeedEntry, RecentPhotos } from '../../schema/entities/index.js';
import type { ApplyProgress, DerivedView } from '../apply.js';
import type { Change } from '../records.js';
import { forEachFollowerPage } from '../../patterns/follows.js';
import { recentPhotoTimestamps } from '../../patterns/photos.js';
import { followerCount } from '../../patterns/users.js';
import { BATCH_WRITE_LIMIT, batchWrite, batchWriter, expiresIn, forEachKeyPageWhere, listBigAuthor, type DerivedWrite, type WritePriority } from '../store/index.js';
import { BACKFILL_PHOTOS, following, type Requirement, type ViewContext } from './context.js';

/** A feed entry as the view writes it (doctor re-derives missing ones with the same builder). */
export function feedEntryItem(reader: string, author: string, timestamp: string, ttlDays: number): RawItem {
  return FeedEntry.encode({ reader, author, photoTimestamp: timestamp, expiresAt: expiresIn(ttlDays) });
}

export const celebrityFollowItem = (reader: string, author: string): RawItem => CelebrityFollow.encode({ reader, author });

/** The reader's big-authors item as it should be for these authors (doctor rewrites a wrong one whole). */
export const bigAuthorsItem = (reader: string, authors: string[]): RawItem => ({
  ...derivedKeys.feedBigAuthors(reader),
  ...Object.fromEntries(authors.map((author) => [BIG_AUTHOR_ATTRIBUTE + author, true])),
});

/** What a feed entry stands for: the photo, its reader, and (another's photo) the reader's follow of its author. */
export function feedEntryRequires(reader: string, author: string, timestamp: string): Requirement[] {
  return [
    { key: keys.photo(author, timestamp), reason: `photo ${author}/${timestamp} does not exist` },
    { key: keys.user(reader), reason: `reader ${reader} does not exist` },
    ...(reader === author ? [] : [following(reader, author)]),
  ];
}

/** What a followed-celebrity item stands for: the follow. */
export const celebrityFollowRequires = (reader: string, author: string): Requirement[] => [following(reader, author)];

export const RECENT_PHOTOS = 60;

export function feedView(ctx: ViewContext): DerivedView & { fanOut(author: string, timestamp: string, progress?: ApplyProgress): Promise<number> } {
  const { db, derived, settings } = ctx;
  const entry = (reader: string, author: string, timestamp: string): DerivedWrite => ({ put: feedEntryItem(reader, author, timestamp, settings.feedTtlDays) });
  const isCelebrity = (followers: number) => followers >= settings.fanoutThreshold;
  /**
   * More followers than one round of BatchWriteItem: the rest of the record runs in the
   * background while the shard's records of other authors are applied. Everything it writes is
   * keyed by this author's photo, and every record that could undo it (an unfollow, the photo's
   * deletion, the author's deletion) is under the author's partition key, so waits for it.
   */
  const detachIfLarge = (followers: number, progress: ApplyProgress | undefined): WritePriority | undefined => {
    if (followers <= BATCH_WRITE_LIMIT * settings.fanoutConcurrency || !progress) return undefined;
    progress.detach();
    // In the background, its writes step back for the records applied meanwhile (never a record's own).
    return progress.priority;
  };

  /**
   * A big author's newest photo timestamps, one item read by every follower's feed in one
   * BatchGetItem: rewritten from the table's current state (a Query, keys only), so replays and
   * out-of-order records converge on the same item.
   */
  async function refreshRecent(author: string): Promise<void> {
    const timestamps = await recentPhotoTimestamps(db, author, RECENT_PHOTOS);
    await batchWrite(derived, [{ put: RecentPhotos.encode({ author, timestamps }) }]);
  }

  /**
   * Writes the photo to its author's feed and each follower's; returns the feeds written. The
   * follower pages stream into one writer: the next page is read while the last is written.
   */
  async function fanOut(author: string, timestamp: string, progress?: ApplyProgress): Promise<number> {
    const followers = await followerCount(db, author);
    if (followers === undefined) return 0;
    if (isCelebrity(followers)) {
      await batchWrite(derived, [entry(author, author, timestamp)]);
      await refreshRecent(author);
      return 1;
    }
    const writer = batchWriter(derived, settings.fanoutConcurrency, detachIfLarge(followers, progress));
    await writer.add([entry(author, author, timestamp)]);
    let written = 1;
    await forEachFollowerPage(db, author, async (page) => {
      // A self-follow would put the author's entry twice in one BatchWriteItem.
      const readers = page.filter((reader) => reader !== author);
      await writer.add(readers.map((reader) => entry(reader, author, timestamp)));
      written += readers.length;
    });
    await writer.done();
    return written;
  }

  async function retract(author: string, timestamp: string, progress?: ApplyProgress): Promise<void> {
    await batchWrite(derived, [{ delete: derivedKeys.feedEntry(author, author, timestamp) }]);
    const followers = await followerCount(db, author);
    // A celebrity's photos were never fanned out; strays from before it crossed the threshold
    // are skipped at read time (the photo is gone) and removed by doctor.
    if (followers !== undefined && isCelebrity(followers)) {
      await refreshRecent(author);
      return;
    }
    const writer = batchWriter(derived, settings.fanoutConcurrency, followers === undefined ? undefined : detachIfLarge(followers, progress));
    await forEachFollowerPage(db, author, (page) =>
      writer.add(page.filter((reader) => reader !== author).map((reader) => ({ delete: derivedKeys.feedEntry(reader, author, timestamp) }))),
    );
    await writer.done();
  }

  async function follow(reader: string, author: string): Promise<void> {
    const followers = await followerCount(db, author);
    if (followers === undefined) return;
    if (isCelebrity(followers)) {
      await batchWrite(derived, [{ put: celebrityFollowItem(reader, author) }]);
      await listBigAuthor(derived, reader, author, true);
      // Authors loaded or promoted before this item existed get it on their first new follower.
      await refreshRecent(author);
      return;
    }
    const recent = await recentPhotoTimestamps(db, author, BACKFILL_PHOTOS);
    await batchWrite(derived, recent.map((timestamp) => entry(reader, author, timestamp)));
  }

  /** Removes the celebrity marker and every entry of the author: one Query of the (bounded) feed, filtered by author. */
  async function unfollow(reader: string, author: string): Promise<void> {
    const writes: DerivedWrite[] = [{ delete: derivedKeys.celebrityFollow(reader, author) }];
    await forEachKeyPageWhere(derived, { pk: derivedRanges.feed(reader).pk }, 'author', author, (items) => {
      for (const item of items) writes.push({ delete: { PK: String(item.PK), SK: String(item.SK) } });
    });
    await batchWrite(derived, writes);
    await listBigAuthor(derived, reader, author, false);
  }

  /** An author crossing the threshold upwards: every follower learns to merge them at read time. */
  async function promote(author: string): Promise<void> {
    await refreshRecent(author);
    await forEachFollowerPage(db, author, async (page) => {
      await batchWrite(derived, page.map((reader) => ({ put: celebrityFollowItem(reader, author) })));
      await eachLimited(page, settings.fanoutConcurrency, (reader) => listBigAuthor(derived, reader, author, true));
    });
  }

  return {
    name: 'feed',
    fanOut,
    async apply(change: Change, progress?: ApplyProgress): Promise<void> {
      const { kind, event } = change;
      switch (kind.kind) {
        case 'photo':
          if (event === 'INSERT') await fanOut(kind.username, kind.timestamp, progress);
          else if (event === 'REMOVE') await retract(kind.username, kind.timestamp, progress);
          return;
        case 'friendship':
          // The data's self-follows add nothing: a user's own photos are in their feed anyway.
          if (kind.follower === kind.followed) return;
          if (event === 'INSERT') await follow(kind.follower, kind.followed);
          else if (event === 'REMOVE') await unfollow(kind.follower, kind.followed);
          return;
        case 'user': {
          const before = Number(change.oldImage?.followers ?? 0);
          const after = Number(change.newImage?.followers ?? 0);
          if (event === 'MODIFY' && !isCelebrity(before) && isCelebrity(after)) await promote(kind.username);
          return;
        }
        default:
          return;
      }
    },
  };
}
