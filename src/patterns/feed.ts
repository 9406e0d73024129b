/**
 * The home feed read: the reader's fanned-out entries merged with the recent photos of the
 * celebrities they follow (authors above the fan-out threshold), newest first, with each
 * photo's current counters, its author's profile and the reader's own reactions.
 *
 * Requests per page (stated in docs/data-model.md, asserted in test/request-counts.test.ts):
 * Query FEED#me and Query FEEDSRC#me (together), then one BatchGetItem of the followed
 * celebrities' RECENT items (their newest photo timestamps; skipped when there are none; one
 * more per 100 celebrities), then one BatchGetItem for photos and profiles and one for viewer
 * state (together): 4 requests, or 5 with any number of celebrities up to 100.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { assertUsername, type Photo, type ReactionType, type User } from '../schema/entities.js';
import { decodePhoto, decodeUser, type RawItem } from '../schema/items.js';
import { derivedKeys, derivedRanges, feedPosition, keys, parseFeedPosition } from '../schema/keys.js';
import { derivedTableName } from '../schema/table.js';
import { batchGet, call, type Db, type Page, type PageRequest } from './db.js';
import { listable, viewerState } from './viewer.js';

export const FEED_PAGE_DEFAULT = 10;
/** 16 photos and their 16 authors make 96 viewer-state keys: one BatchGetItem. */
export const FEED_PAGE_MAX = 16;
/** Followed celebrities merged per page: every one, up to this many (each RECENT item is a key of the BatchGetItem). */
export const MAX_MERGED_CELEBRITIES = 1_000;

export interface FeedItem {
  photo: Photo;
  author: User;
  myReactions: ReactionType[];
  /** The author follows the reader back. */
  authorFollowsMe: boolean;
}

export interface FeedOptions {
  now?: number;
}

interface Candidate {
  position: string;
  author: string;
  timestamp: string;
  /** Celebrity photos come from their Query whole; fanned-out entries need a read. */
  photo?: RawItem;
  expiresAt?: number;
}

function feedPageSize(limit: number | undefined): number {
  if (limit === undefined) return FEED_PAGE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > FEED_PAGE_MAX) {
    throw errors.validation(`limit must be an integer from 1 to ${FEED_PAGE_MAX} for the feed.`, [{ path: '/limit', message: `must be 1-${FEED_PAGE_MAX}` }]);
  }
  return limit;
}

/** Query `PK = FEED#me [AND SK < before]`, descending, on the derived table. */
async function fannedOut(db: Db, reader: string, before: string | undefined, n: number): Promise<Candidate[]> {
  const table = derivedTableName(db.table);
  const result = await call(db, () =>
    db.doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: before ? 'PK = :pk AND SK < :before' : 'PK = :pk',
        ExpressionAttributeValues: { ':pk': derivedRanges.feed(reader).pk, ...(before ? { ':before': before } : {}) },
        ScanIndexForward: false,
        Limit: n,
      }),
    ),
  );
  return (result.Items ?? []).flatMap((item) => {
    const parsed = parseFeedPosition(String(item.SK));
    return parsed ? [{ position: String(item.SK), ...parsed, ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {}) }] : [];
  });
}

/** Query `PK = FEEDSRC#me` on the derived table: the celebrities the reader follows. */
async function celebritiesFollowed(db: Db, reader: string): Promise<string[]> {
  const result = await call(db, () =>
    db.doc.send(
      new QueryCommand({
        TableName: derivedTableName(db.table),
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': derivedRanges.celebritiesFollowedBy(reader).pk },
        ProjectionExpression: 'SK',
        Limit: MAX_MERGED_CELEBRITIES,
      }),
    ),
  );
  return (result.Items ?? []).map((item) => String(item.SK));
}

/** BatchGetItem of the celebrities' RECENT items: each one's newest photos older than the page, at most n. */
async function celebrityPhotos(db: Db, authors: string[], before: string | undefined, n: number): Promise<Candidate[]> {
  if (authors.length === 0) return [];
  const recent = await batchGet({ ...db, table: derivedTableName(db.table) }, authors.map((a) => derivedKeys.recentPhotos(a)), { sessionCheck: false });
  return recent.flatMap((item) => {
    const author = String(item.author);
    const timestamps = Array.isArray(item.timestamps) ? item.timestamps.map(String) : [];
    return timestamps
      .map((timestamp) => ({ position: feedPosition(author, timestamp), author, timestamp }))
      .filter((c) => before === undefined || c.position < before)
      .slice(0, n);
  });
}

/**
 * One page of the reader's home feed. Rows whose photo or author is gone, whose author is
 * suspended or being deleted, or whose author the reader no longer follows (an unfollow the
 * worker has not applied yet) are dropped, so a page may hold fewer than `limit` items; the
 * cursor still moves past them. Blocks need no read of their own: a block ends the follows
 * both ways in its own transaction, and the follow check here drops the blocked author at once.
 */
export async function getFeed(db: Db, reader: string, page: PageRequest = {}, options: FeedOptions = {}): Promise<Page<FeedItem>> {
  assertUsername(reader);
  const n = feedPageSize(page.limit);
  const scope = `feed:${reader}`;
  const before = page.cursor === undefined ? undefined : db.cursors.decode(scope, page.cursor).before;
  if (page.cursor !== undefined && (typeof before !== 'string' || !parseFeedPosition(before))) throw errors.invalidCursor();

  const [entries, celebrities] = await Promise.all([fannedOut(db, reader, before, n + 1), celebritiesFollowed(db, reader)]);
  const merged = await celebrityPhotos(db, celebrities, before, n);
  const byPosition = new Map<string, Candidate>();
  for (const c of [...entries, ...merged]) if (!byPosition.has(c.position) || c.photo) byPosition.set(c.position, c);
  const sorted = [...byPosition.values()].sort((a, b) => (a.position < b.position ? 1 : a.position > b.position ? -1 : 0));
  const chosen = sorted.slice(0, n);
  const hasMore = sorted.length > n;
  const nextCursor = hasMore && chosen.length > 0 ? db.cursors.encode(scope, { before: chosen[chosen.length - 1]!.position }) : undefined;

  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const live = chosen.filter((c) => c.expiresAt === undefined || c.expiresAt > now);
  const authors = [...new Set(live.map((c) => c.author))];
  const photoKeys = live.filter((c) => !c.photo).map((c) => keys.photo(c.author, c.timestamp));
  const [content, state] = await Promise.all([
    live.length === 0 ? Promise.resolve([]) : batchGet(db, [...photoKeys, ...authors.map((a) => keys.user(a))]),
    viewerState(db, reader, authors, live.map((c) => ({ username: c.author, timestamp: c.timestamp }))),
  ]);
  const photos = new Map<string, Photo>();
  const users = new Map<string, User>();
  for (const item of [...content, ...live.flatMap((c) => (c.photo ? [c.photo] : []))]) {
    if ('followers' in item) {
      if (listable(item)) users.set(String(item.username), decodeUser(item));
    } else photos.set(`${String(item.username)}#${String(item.timestamp)}`, decodePhoto(item));
  }
  const items: FeedItem[] = [];
  for (const c of live) {
    const photo = photos.get(`${c.author}#${c.timestamp}`);
    const author = users.get(c.author);
    if (!photo || !author) continue;
    if (c.author !== reader && !state.follows(c.author)) continue;
    items.push({ photo, author, myReactions: state.reactions(photo), authorFollowsMe: state.followedBy(c.author) });
  }
  return { items, ...(nextCursor ? { nextCursor } : {}) };
}
