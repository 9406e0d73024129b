/**
 * Explore: recent public photos of people the reader does not follow, newest first, from the
 * Explore view (src/derived/views/explore.ts). Requests per page, whatever the table's size:
 * 1. one Query per Explore partition (EXPLORE_SHARDS, in parallel), descending, `SK < cursor`,
 *    each at most limit + 1 entries: the page's entries are the newest limit of their union;
 * 2. one BatchGetItem of the photos, their authors and the viewer state (follows both ways and
 *    blocks both ways) and the viewer's own item, whose block names decide the comment previews:
 *    up to 10 keys a photo, so a page of 9 is one request, larger pages one more per 100 keys
 *    (in parallel).
 * Read-time checks in that batch drop a photo that is gone, an author who is private,
 * suspended or being deleted, the reader's own photos, people the reader follows and anyone a
 * block stands between: a page may so hold fewer than `limit` items, and its cursor moves on.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { assertUsername } from '../schema/entities.js';
import type { RawItem } from '../schema/entity.js';
import { Photo, User } from '../schema/entities/index.js';
import { derivedRanges, EXPLORE_SHARDS, keys, parseFeedPosition } from '../schema/keys.js';
import { derivedTableName } from '../schema/table.js';
import { call, type Db } from './db.js';
import { pageOf, type Page, type PageRequest } from './paging.js';
import type { FeedItem } from './feed.js';
import { listable, viewerState } from './viewer.js';
import { previewFacts, visiblePreviews } from './comment-counts.js';
import { storedSummary } from './comment-summary.js';

export const EXPLORE_PAGE_DEFAULT = 9;
export const EXPLORE_PAGE_MAX = 18;

interface Entry {
  position: string;
  author: string;
  timestamp: string;
}

async function shardEntries(db: Db, shard: number, before: string | undefined, n: number): Promise<Entry[]> {
  const result = await call(db, 'getExplore', () =>
    db.doc.send(
      new QueryCommand({
        TableName: derivedTableName(db.table),
        KeyConditionExpression: before ? 'PK = :pk AND SK < :before' : 'PK = :pk',
        ExpressionAttributeValues: { ':pk': derivedRanges.exploreShard(shard).pk, ...(before ? { ':before': before } : {}) },
        ScanIndexForward: false,
        Limit: n,
      }),
    ),
  );
  return ((result.Items ?? []) as RawItem[]).flatMap((item) => {
    const parsed = parseFeedPosition(String(item.SK));
    return parsed ? [{ position: String(item.SK), ...parsed }] : [];
  });
}

export async function getExplore(db: Db, viewer: string, page: PageRequest = {}): Promise<Page<FeedItem>> {
  assertUsername(viewer);
  const n = page.limit ?? EXPLORE_PAGE_DEFAULT;
  if (!Number.isInteger(n) || n < 1 || n > EXPLORE_PAGE_MAX) {
    throw errors.validation(`limit must be an integer from 1 to ${EXPLORE_PAGE_MAX} for Explore.`, [{ path: '/limit', message: `must be 1-${EXPLORE_PAGE_MAX}` }]);
  }
  const scope = `explore:${viewer}`;
  const before = page.cursor === undefined ? undefined : db.cursors.decode(scope, page.cursor).before;
  if (page.cursor !== undefined && (typeof before !== 'string' || !parseFeedPosition(before))) throw errors.invalidCursor();

  const shards = await Promise.all(Array.from({ length: EXPLORE_SHARDS }, (_, shard) => shardEntries(db, shard, before, n + 1)));
  const sorted = shards.flat().sort((a, b) => (a.position < b.position ? 1 : a.position > b.position ? -1 : 0));
  const chosen = sorted.slice(0, n);
  const last = chosen.at(-1)?.position;
  const nextCursor = sorted.length > n && last !== undefined ? db.cursors.encode(scope, { before: last }) : undefined;

  const live = chosen.filter((e) => e.author !== viewer);
  const authors = [...new Set(live.map((e) => e.author))];
  // The viewer's own item rides too: its block names decide the comment previews.
  const viewerKey = keys.user(viewer);
  const state = await viewerState(
    db,
    viewer,
    authors,
    live.map((e) => ({ username: e.author, timestamp: e.timestamp })),
    [...live.map((e) => keys.photo(e.author, e.timestamp)), ...authors.map((a) => keys.user(a)), ...(live.length > 0 ? [viewerKey] : [])],
    { blocks: true },
  );
  const photos = new Map<string, Photo>();
  const users = new Map<string, User>();
  for (const item of state.extra) {
    if (User.is(item)) {
      // Private accounts show their photos to followers only, and followers are not shown Explore's.
      if (listable(item) && item.private !== true) users.set(String(item.username), User.decode(item));
    } else if (Photo.is(item)) photos.set(`${String(item.username)}#${String(item.timestamp)}`, Photo.decode(item));
  }
  const items: FeedItem[] = [];
  for (const e of live) {
    const photo = photos.get(`${e.author}#${e.timestamp}`);
    const author = users.get(e.author);
    if (!photo || !author || state.follows(e.author) || state.blocked(e.author)) continue;
    items.push({ photo, author, myReactions: state.reactions(photo), authorFollowsMe: state.followedBy(e.author), comments: storedSummary(photo) });
  }
  return pageOf(await visiblePreviews(db, viewer, items, previewFacts(viewer, state)), nextCursor);
}
