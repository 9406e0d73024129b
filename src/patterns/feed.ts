/**
 * The home feed read: the reader's fanned-out entries merged with the recent photos of the
 * big authors they follow (above the fan-out threshold), newest first, with each photo's
 * current counters, its author's profile and the reader's own reactions.
 *
 * Requests per page (stated in docs/data-model.md, asserted in test/request-counts.test.ts),
 * whatever the number of big authors followed:
 * 1. Query FEED#me descending: the entries and, on the first page, the big-authors item that
 *    sorts above them (~BIG). A later page's cursor carries the big authors still to merge,
 *    so its Query runs beside request 2 (past CURSOR_AUTHORS_MAX characters of names the
 *    cursor says so, and the page reads ~BIG with one GetItem more);
 * 2. BatchGetItem of the big authors' RECENT items (skipped when there are none; one more
 *    per 100 big authors);
 * 3. BatchGetItem of photos, authors, the reader's own item and viewer state together (one per
 *    100 keys: a page of up to 12 photos by different authors fits, 16 may take two). The
 *    comment previews are decided from it (src/patterns/comment-counts.ts `visiblePreviews`):
 *    one BatchGetItem more only for a reader past BLOCK_NAMES_MAX blocks either way.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { assertUsername, type ReactionType } from '../schema/entities.js';
import type { RawItem } from '../schema/entity.js';
import { FeedBigAuthors, Photo, RecentPhotos, User } from '../schema/entities/index.js';
import { BIG_AUTHOR_ATTRIBUTE, derivedKeys, derivedRanges, feedPosition, keys, parseFeedPosition } from '../schema/keys.js';
import { derivedTableName } from '../schema/table.js';
import { batchGet, call, type Db } from './db.js';
import { pageOf, type Page, type PageRequest } from './paging.js';
import { listable, viewerState } from './viewer.js';
import { previewFacts, visiblePreviews, type CommentSummary } from './comment-counts.js';
import { storedSummary } from './comment-summary.js';

export const FEED_PAGE_DEFAULT = 10;
/** 16 photos and their 16 authors make 96 viewer-state keys: one BatchGetItem. */
export const FEED_PAGE_MAX = 16;
/** Followed celebrities merged per page: every one, up to this many (each RECENT item is a key of the BatchGetItem). */
export const MAX_MERGED_CELEBRITIES = 1_000;
/** Characters of big authors' names a cursor carries (it is at most 2,048 characters sealed). */
const CURSOR_AUTHORS_MAX = 1_000;
/** A cursor's `big` when the names did not fit: the page reads the big-authors item again. */
const TOO_MANY = '*';

export interface FeedItem {
  photo: Photo;
  author: User;
  myReactions: ReactionType[];
  /** The author follows the reader back. */
  authorFollowsMe: boolean;
  /** The photo's comment count and newest comments (src/patterns/comment-counts.ts). */
  comments: CommentSummary;
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

const authorsOf = (item: RawItem | undefined): string[] =>
  Object.keys(item ?? {})
    .filter((name) => name.startsWith(BIG_AUTHOR_ATTRIBUTE))
    .map((name) => name.slice(BIG_AUTHOR_ATTRIBUTE.length))
    .sort()
    .slice(0, MAX_MERGED_CELEBRITIES);

/**
 * Query `PK = FEED#me [AND SK < before]`, descending, on the derived table. The first page's
 * reads one item more: the big-authors item, when there is one, comes first.
 */
async function fannedOut(db: Db, reader: string, before: string | undefined, n: number): Promise<{ entries: Candidate[]; big: string[] | undefined }> {
  const table = derivedTableName(db.table);
  const result = await call(db, 'fannedOut', () =>
    db.doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: before ? 'PK = :pk AND SK < :before' : 'PK = :pk',
        ExpressionAttributeValues: { ':pk': derivedRanges.feed(reader).pk, ...(before ? { ':before': before } : {}) },
        ScanIndexForward: false,
        Limit: before ? n : n + 1,
      }),
    ),
  );
  const items = (result.Items ?? []) as RawItem[];
  const head = items[0];
  const listed = FeedBigAuthors.is(head);
  const entries = (listed ? items.slice(1) : items).slice(0, n).flatMap((item) => {
    const parsed = parseFeedPosition(String(item.SK));
    return parsed ? [{ position: String(item.SK), ...parsed, ...(typeof item.expiresAt === 'number' ? { expiresAt: item.expiresAt } : {}) }] : [];
  });
  return { entries, big: before ? undefined : authorsOf(listed ? head : undefined) };
}

/** GetItem FEED#me / ~BIG: the big authors, when a cursor could not carry them. */
export async function bigAuthorsFollowed(db: Db, reader: string): Promise<string[]> {
  const result = await call(db, 'bigAuthorsFollowed', () => db.doc.send(new GetCommand({ TableName: derivedTableName(db.table), Key: derivedKeys.feedBigAuthors(reader) })));
  return authorsOf(result.Item);
}

/** BatchGetItem of the celebrities' RECENT items: each one's newest photos older than the page, at most n. */
async function celebrityPhotos(db: Db, authors: string[], before: string | undefined, n: number): Promise<Candidate[]> {
  if (authors.length === 0) return [];
  const recent = await batchGet({ ...db, table: derivedTableName(db.table) }, 'celebrityPhotos', authors.map((a) => derivedKeys.recentPhotos(a)), { sessionCheck: false });
  return recent.flatMap((item) => {
    const { author, timestamps } = RecentPhotos.decode(item);
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

  const carried = page.cursor === undefined ? undefined : db.cursors.decode(scope, page.cursor).big;
  let entries: Candidate[];
  let merged: Candidate[];
  let big: string[];
  if (before === undefined) {
    // The first page: the Query brings the big authors too; their RECENT items follow it.
    const first = await fannedOut(db, reader, undefined, n + 1);
    entries = first.entries;
    big = first.big ?? [];
    merged = await celebrityPhotos(db, big, undefined, n);
  } else if (carried !== undefined && carried !== TOO_MANY) {
    big = carried === '' ? [] : carried.split(' ');
    [{ entries }, merged] = await Promise.all([fannedOut(db, reader, before, n + 1), celebrityPhotos(db, big, before, n)]);
  } else {
    const [later, listed] = await Promise.all([fannedOut(db, reader, before, n + 1), bigAuthorsFollowed(db, reader)]);
    entries = later.entries;
    big = listed;
    merged = await celebrityPhotos(db, big, before, n);
  }
  const byPosition = new Map<string, Candidate>();
  for (const c of [...entries, ...merged]) if (!byPosition.has(c.position) || c.photo) byPosition.set(c.position, c);
  const sorted = [...byPosition.values()].sort((a, b) => (a.position < b.position ? 1 : a.position > b.position ? -1 : 0));
  const chosen = sorted.slice(0, n);
  const hasMore = sorted.length > n;
  const last = chosen.at(-1)?.position;
  let nextCursor: string | undefined;
  if (hasMore && last !== undefined) {
    // Only the big authors with a recent photo below this page are still to merge.
    // (An author whose n candidates all made this page may have older ones: kept too.)
    const count = new Map<string, number>();
    for (const c of merged) count.set(c.author, (count.get(c.author) ?? 0) + 1);
    const still = [...count.keys()].filter((a) => (count.get(a) ?? 0) >= n || merged.some((c) => c.author === a && c.position < last)).sort().join(' ');
    nextCursor = db.cursors.encode(scope, { before: last, big: still.length <= CURSOR_AUTHORS_MAX ? still : TOO_MANY });
  }

  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const live = chosen.filter((c) => c.expiresAt === undefined || c.expiresAt > now);
  const authors = [...new Set(live.map((c) => c.author))];
  const photoKeys = live.filter((c) => !c.photo).map((c) => keys.photo(c.author, c.timestamp));
  // Content and viewer state in one BatchGetItem (the profiles and photos as its extra keys).
  const refs = live.map((c) => ({ username: c.author, timestamp: c.timestamp }));
  // The reader's own item rides too (a key, not a request; none on an empty page): its block names decide the comment
  // previews (batchGet checks the request's session on it, as on any batch that names it).
  const readerKey = keys.user(reader);
  const state = await viewerState(db, reader, authors, refs, [...photoKeys, ...authors.map((a) => keys.user(a)), ...(live.length > 0 ? [readerKey] : [])]);
  const content = state.extra;
  const photos = new Map<string, Photo>();
  const users = new Map<string, User>();
  for (const item of [...content, ...live.flatMap((c) => (c.photo ? [c.photo] : []))]) {
    if (User.is(item)) {
      if (listable(item)) users.set(String(item.username), User.decode(item));
    } else photos.set(`${String(item.username)}#${String(item.timestamp)}`, Photo.decode(item));
  }
  const items: FeedItem[] = [];
  for (const c of live) {
    const photo = photos.get(`${c.author}#${c.timestamp}`);
    const author = users.get(c.author);
    if (!photo || !author) continue;
    if (c.author !== reader && !state.follows(c.author)) continue;
    items.push({ photo, author, myReactions: state.reactions(photo), authorFollowsMe: state.followedBy(c.author), comments: storedSummary(photo) });
  }
  return pageOf(await visiblePreviews(db, reader, items, previewFacts(reader, state)), nextCursor);
}
