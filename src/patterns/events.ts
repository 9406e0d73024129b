/**
 * Reads for the event stream (src/http/events/) beyond the activity list's own: who, among the
 * users connected to one API instance, should hear of a new photo; and, for a stream that
 * reconnects with Last-Event-ID, the posts and takedown notices it missed.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { assertUsername } from '../schema/entities.js';
import type { RawItem } from '../schema/entity.js';
import { Notice, RecentPhotos } from '../schema/entities/index.js';
import { derivedKeys, derivedRanges, feedPosition, keyString, keys, parseFeedPosition, ranges } from '../schema/keys.js';
import { derivedTableName } from '../schema/table.js';
import { batchGet, call, type Db } from './db.js';
import { bigAuthorsFollowed } from './feed.js';
import { outsideSession } from './acting.js';
import { listable, uniqueKeys } from './viewer.js';

/**
 * Those of `readers` who follow `author`, judged now, and which of the author's photos at
 * `timestamps` are still there: one BatchGetItem of the author's User item, a Friendship key per
 * reader and the photos (per 100 keys). No reader when the author is gone or suspended. A
 * follow exists only while neither has blocked the other (a block removes it) and, for a
 * private author, once approved: so a follower may see the photo. A replay judges the posts
 * it owes the same way (`visiblePosts`).
 */
export async function readersFollowing(db: Db, author: string, readers: readonly string[], timestamps: readonly string[] = []): Promise<{ readers: Set<string>; timestamps: string[] }> {
  assertUsername(author);
  const others = readers.filter((reader) => reader !== author);
  if (others.length === 0) return { readers: new Set(), timestamps: [] };
  const authorKey = keys.user(author);
  const photoKeys = [...new Set(timestamps)].map((timestamp) => keys.photo(author, timestamp));
  // Work of the instance, not of one user's request: no session rides along.
  const found = await outsideSession(() => batchGet(db, 'readersFollowing', [authorKey, ...others.map((reader) => keys.friendship(author, reader)), ...photoKeys]));
  const user = found.find((item) => item.PK === authorKey.PK && item.SK === authorKey.SK);
  if (!user || !listable(user)) return { readers: new Set(), timestamps: [] };
  const present = new Set(found.map(keyString));
  const has = (key: { PK: string; SK: string }) => present.has(keyString(key));
  return {
    readers: new Set(others.filter((reader) => has(keys.friendship(author, reader)))),
    timestamps: timestamps.filter((timestamp) => has(keys.photo(author, timestamp))),
  };
}

/** A post a reconnecting stream may owe its reader: a photo of a followed author, by its feed position. */
export interface MissedPost {
  author: string;
  timestamp: string;
  position: string;
}

const derivedOf = (db: Db): Db => ({ ...db, table: derivedTableName(db.table) });

/**
 * The posts after `after` (a feed position, exclusive) in the reader's home feed, oldest first,
 * at most `limit`: the fanned-out entries (one Query of FEED#reader, ascending, below the
 * big-authors item) and, read beside it, the big-authors item (GetItem), whose authors' newest
 * photos come from their RECENT items (one BatchGetItem, skipped when there are none), as the
 * feed merges them at read time. The reader's own photos are left out (no stream announces them).
 */
export async function postsAfter(db: Db, reader: string, after: string, limit: number): Promise<MissedPost[]> {
  assertUsername(reader);
  const derived = derivedOf(db);
  const [fanned, big] = await Promise.all([
    call(derived, 'postsAfter', () =>
      derived.doc.send(
        new QueryCommand({
          TableName: derived.table,
          // Entries start with their timestamp's digits; the big-authors item sorts above `~`.
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': derivedRanges.feed(reader).pk, ':from': `${after}\u0000`, ':to': '~' },
          Limit: limit,
        }),
      ),
    ),
    bigAuthorsFollowed(db, reader),
  ]);
  const posts: MissedPost[] = ((fanned.Items ?? []) as RawItem[]).flatMap((item) => {
    const parsed = parseFeedPosition(String(item.SK));
    return parsed ? [{ ...parsed, position: String(item.SK) }] : [];
  });
  if (big.length > 0) {
    const recent = await batchGet(derived, 'postsAfterBig', big.map((author) => derivedKeys.recentPhotos(author)), { sessionCheck: false });
    for (const item of recent) {
      const { author, timestamps } = RecentPhotos.decode(item);
      for (const timestamp of timestamps) {
        const position = feedPosition(author, timestamp);
        if (position > after) posts.push({ author, timestamp, position });
      }
    }
  }
  const unique = [...new Map(posts.filter((p) => p.author !== reader).map((p) => [p.position, p])).values()];
  return unique.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0)).slice(0, limit);
}

/**
 * Those of `posts` the reader may be told of now, judged as a live `post` event is: the author
 * listed (not suspended, not being deleted), followed by the reader (a block ends the follow; a
 * private author's follow exists once approved), and the photo still there (not deleted or
 * taken down since). One BatchGetItem per 100 keys; run as the reader's session, its User item
 * rides along and an ended session is refused.
 */
export async function visiblePosts(db: Db, reader: string, posts: readonly MissedPost[]): Promise<MissedPost[]> {
  if (posts.length === 0) return [];
  const authors = [...new Set(posts.map((p) => p.author))];
  const wanted = [...authors.flatMap((a) => [keys.user(a), keys.friendship(a, reader)]), ...posts.map((p) => keys.photo(p.author, p.timestamp))];
  const found = await batchGet(db, 'visiblePosts', uniqueKeys(wanted));
  const present = new Map(found.map((item) => [keyString(item), item]));
  const has = (key: { PK: string; SK: string }) => present.get(keyString(key));
  const open = new Set(authors.filter((a) => {
    const user = has(keys.user(a));
    return user !== undefined && listable(user) && has(keys.friendship(a, reader)) !== undefined;
  }));
  return posts.filter((p) => open.has(p.author) && has(keys.photo(p.author, p.timestamp)) !== undefined);
}

/** A takedown notice a reconnecting stream may owe its owner, by its sort key. */
export interface MissedNotice {
  position: string;
  photoId: string;
  commentId?: string;
  at: string;
}

/** Query NOTICE#owner after `after` (a notice sort key, exclusive), oldest first, at most `limit`; strongly consistent, as the stream's log entry follows the write. */
export async function noticesAfter(db: Db, owner: string, after: string, limit: number): Promise<MissedNotice[]> {
  assertUsername(owner);
  const range = ranges.noticesOf(owner);
  const result = await call(db, 'noticesAfter', () =>
    db.doc.send(
      new QueryCommand({
        TableName: db.table,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': range.pk, ':from': after < range.prefix ? range.prefix : `${after}\u0000`, ':to': `${range.prefix}\uffff` },
        ConsistentRead: true,
        Limit: limit,
      }),
    ),
  );
  return ((result.Items ?? []) as RawItem[]).map((item) => {
    const { photoId, commentId, at } = Notice.decode(item);
    return { position: String(item.SK), photoId, ...(commentId ? { commentId } : {}), at };
  });
}

/**
 * Whether positions a client sent back can bound the Queries above: a feed position starts with
 * a timestamp's digits (below the big-authors item), a notice position with the notices' prefix
 * and a digit. Anything else would make an empty or invalid key range.
 */
export function validReplayPositions(owner: string, feed: string, notice: string): boolean {
  const prefix = ranges.noticesOf(owner).prefix;
  return /^\d/.test(feed) && notice.startsWith(prefix) && /^\d/.test(notice.slice(prefix.length));
}

/** Positions that start a stream at `now`: after every post and notice up to it. */
export const feedPositionAt = (now: string): string => feedPosition('', now);
export const noticePositionAt = (owner: string, now: string): string => `${ranges.noticesOf(owner).prefix}${now}`;
