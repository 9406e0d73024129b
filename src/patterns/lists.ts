/**
 * Lists with profiles and viewer state: followers and followed users with each one's profile
 * and my relation to them, a photo's reactors with theirs, a user's photos with my reactions.
 * Each is the list's own request plus ONE BatchGetItem carrying the profiles and the viewer
 * keys together (4 keys a user, 4 a photo): one request at the default page size of 20,
 * ceil(keys / 100) in parallel for larger pages.
 *
 * Lists of other users (followers, following, reactors) leave out the users the viewer
 * blocks or is blocked by, inside the list's own reads: the block items ride in the
 * BatchGetItem that reads the profiles (one key a user per direction the viewer's counters
 * say exists, none when both are 0), or, for the plain lists, in one BatchGetItem of block
 * items per read (`hiddenFrom`), made only when the viewer has blocks. Pages stay full
 * (`visiblePage`).
 */
import type { ReactionType } from '../schema/entities.js';
import type { Friendship, Reaction } from '../schema/entities/index.js';
import { Photo, User } from '../schema/entities/index.js';
import { errors } from '../errors.js';
import { assertTimestamp, assertUsername } from '../schema/entities.js';
import { keys } from '../schema/keys.js';
import { pageOf, pageSize, type Db, type Page, type PageRequest } from './db.js';
import { listFollowed, listFollowers } from './follows.js';
import { getPhotoWithReactions, listRecentPhotos } from './photos.js';
import { hiddenFrom } from './safety/visibility.js';
import { viewerBlocksOf, viewerState, type Relation, type ViewerBlocks } from './viewer.js';
import { assertActingLive } from './acting.js';
import { commentCountKeys, commentSummary, visiblePreviews, type CommentSummary } from './comment-counts.js';
import { storedSummary } from './comment-summary.js';

export interface Related extends Relation {
  /** Undefined only if the user's item is missing (an orphan `doctor` reports). */
  user: User | undefined;
}

export type { ViewerBlocks } from './viewer.js';

/** One's own followers and following: a block ends the follows both ways, so nothing to hide. */
const NO_BLOCKS: ViewerBlocks = { blocking: 0, blockedBy: 0 };

const directions = (blocks: ViewerBlocks | undefined) => ({ blocking: blocks === undefined || blocks.blocking > 0, blockedBy: blocks === undefined || blocks.blockedBy > 0 });

/** The profiles of `usernames` and my relation to each, or undefined for those a block hides: one BatchGetItem. */
async function relate(db: Db, viewer: string, usernames: string[], blocks: ViewerBlocks | undefined): Promise<Map<string, Related | undefined>> {
  const unique = [...new Set(usernames)];
  const state = await viewerState(db, viewer, unique, [], unique.map((u) => keys.user(u)), { requests: true, blocks: directions(blocks) });
  const profiles = new Map(state.extra.map((item) => [String(item.username), User.decode(item)]));
  return new Map(unique.map((u) => [u, state.blocked(u) ? undefined : { user: profiles.get(u), ...state.relation(u) }]));
}

/** Of `items`, those whose user (`name`) no block stands between the viewer and: one BatchGetItem, none when the viewer has no blocks. */
async function unhidden<T>(db: Db, viewer: string, items: T[], name: (item: T) => string, blocks: ViewerBlocks | undefined): Promise<T[]> {
  const hidden = await hiddenFrom(db, viewer, items.map(name), blocks?.blocking, blocks?.blockedBy);
  return hidden.size === 0 ? items : items.filter((item) => !hidden.has(name(item)));
}

/** With `name`'s relation, or left out when a block hides it. */
async function related<T>(db: Db, viewer: string, items: T[], name: (item: T) => string, blocks: ViewerBlocks | undefined): Promise<(T & Related)[]> {
  const relations = await relate(db, viewer, items.map(name), blocks);
  return items.flatMap((item) => {
    const relation = relations.get(name(item));
    return relation ? [{ ...item, ...relation }] : [];
  });
}

/** Reads one page may take: a page still short of `limit` after this many ends there (its cursor exact). */
export const VISIBLE_PAGE_READS = 4;

/**
 * A full page of what the viewer may see: the list's read, less what `shown` leaves out, then
 * reads on from its cursor for just the shortfall, until `limit` items are shown, the list
 * ends, or VISIBLE_PAGE_READS reads were made. Each read's items are all shown or all
 * skipped for good, so the last read's cursor continues right after them: nothing is skipped
 * or repeated. Nothing hidden: one read, as the list alone.
 */
export async function visiblePage<S, T>(page: PageRequest, read: (page: PageRequest) => Promise<Page<S>>, shown: (items: S[]) => Promise<T[]>): Promise<Page<T>> {
  const limit = pageSize(page.limit);
  const items: T[] = [];
  let next: PageRequest = page;
  for (let reads = 1; ; reads++) {
    const got = await read({ ...next, limit: limit - items.length });
    items.push(...(await shown(got.items)));
    if (got.nextCursor === undefined || items.length >= limit || reads >= VISIBLE_PAGE_READS) return pageOf(items, got.nextCursor);
    next = { cursor: got.nextCursor };
  }
}

const follower = (f: Friendship) => f.followingUser;
const followed = (f: Friendship) => f.followedUser;
const reactor = (r: Reaction) => r.reactingUser;
const blocksOn = (viewer: string, username: string, blocks: ViewerBlocks | undefined) => (viewer === username ? NO_BLOCKS : blocks);

/** Followers (Query `PK = USER#u AND begins_with(SK, #FRIEND#)`) the viewer may see. */
export async function listVisibleFollowers(db: Db, viewer: string, username: string, page: PageRequest = {}, blocks?: ViewerBlocks): Promise<Page<Friendship>> {
  const hide = blocksOn(viewer, username, blocks);
  return visiblePage(page, (p) => listFollowers(db, username, p), (items) => unhidden(db, viewer, items, follower, hide));
}

/** Followed users (Query InvertedIndex `SK = #FRIEND#u`) the viewer may see. */
export async function listVisibleFollowed(db: Db, viewer: string, username: string, page: PageRequest = {}, blocks?: ViewerBlocks): Promise<Page<Friendship>> {
  const hide = blocksOn(viewer, username, blocks);
  return visiblePage(page, (p) => listFollowed(db, username, p), (items) => unhidden(db, viewer, items, followed, hide));
}

/** A photo's reactions (the lab's index Query) by users the viewer may see (a block keeps reactions: only one's own photo reads both ways). */
export async function listVisibleReactions(db: Db, viewer: string, owner: string, timestamp: string, page: PageRequest = {}, blocks?: ViewerBlocks): Promise<Page<Reaction>> {
  return visiblePage(page, async (p) => (await getPhotoWithReactions(db, owner, timestamp, p)).reactions, (items) => unhidden(db, viewer, items, reactor, blocks));
}

/** Followers (Query `PK = USER#u AND begins_with(SK, #FRIEND#)`) + one BatchGetItem. */
export async function listFollowersRelated(db: Db, viewer: string, username: string, page: PageRequest = {}, blocks?: ViewerBlocks): Promise<Page<{ friendship: Friendship } & Related>> {
  const hide = blocksOn(viewer, username, blocks);
  return visiblePage(page, (p) => listFollowers(db, username, p), (items) => related(db, viewer, items.map((friendship) => ({ friendship })), (i) => follower(i.friendship), hide));
}

/** Followed users (Query InvertedIndex `SK = #FRIEND#u`) + one BatchGetItem. */
export async function listFollowedRelated(db: Db, viewer: string, username: string, page: PageRequest = {}, blocks?: ViewerBlocks): Promise<Page<{ friendship: Friendship } & Related>> {
  const hide = blocksOn(viewer, username, blocks);
  return visiblePage(page, (p) => listFollowed(db, username, p), (items) => related(db, viewer, items.map((friendship) => ({ friendship })), (i) => followed(i.friendship), hide));
}

/** A photo's reactions (the lab's index Query) + one BatchGetItem for the reactors. */
export async function listReactorsRelated(db: Db, viewer: string, owner: string, timestamp: string, page: PageRequest = {}, blocks?: ViewerBlocks): Promise<Page<{ reaction: Reaction } & Related>> {
  return visiblePage(
    page,
    async (p) => (await getPhotoWithReactions(db, owner, timestamp, p)).reactions,
    (items) => related(db, viewer, items.map((reaction) => ({ reaction })), (i) => reactor(i.reaction), blocks),
  );
}

/**
 * A user's photos, newest first (Query, the comment summaries on the photos: src/patterns/comment-summary.ts) + one BatchGetItem of my possible reactions (4 keys a photo)
 * and, when previews by third parties need blocks the guard did not read, my own User item.
 */
export async function listPhotosForViewer(db: Db, viewer: string, username: string, page: PageRequest = {}, blocks?: ViewerBlocks, ownerKnown = false): Promise<Page<{ photo: Photo; myReactions: ReactionType[]; comments: CommentSummary }>> {
  const list = await listRecentPhotos(db, username, page, ownerKnown);
  // Third parties' previews need the viewer's blocks: unless the guard read them, the viewer's item rides in the batch.
  const viewerKey = keys.user(viewer);
  const needsBlocks = blocks === undefined && list.items.some((photo) => storedSummary(photo).previews.some((p) => p.author !== viewer && p.author !== photo.username));
  const state = await viewerState(db, viewer, [], list.items, needsBlocks ? [viewerKey] : []);
  const known = blocks ?? (needsBlocks ? viewerBlocksOf(state.extra.find((i) => i.PK === viewerKey.PK && i.SK === viewerKey.SK)) : undefined);
  const items = await visiblePreviews(db, viewer, list.items.map((photo) => ({ photo, myReactions: state.reactions(photo), comments: storedSummary(photo) })), { blocks: known });
  return pageOf(items, list.nextCursor);
}

/**
 * One photo, my reactions on it, its comment count and its author's User item: ONE BatchGetItem
 * of the photo, my 4 possible reaction items, its 4 count shards and, unless the caller read
 * it already (`author`: the visibility guard's read of another user's photo), the author's
 * item, so the photo screen needs no profile call. On one's own photo that item is also the
 * session's check (no GetItem of its own).
 */
export async function getPhotoForViewer(
  db: Db,
  viewer: string,
  owner: string,
  timestamp: string,
  blocks?: ViewerBlocks,
  author?: User,
): Promise<{ photo: Photo; myReactions: ReactionType[]; comments: CommentSummary; author: User }> {
  assertUsername(owner, 'owner');
  assertTimestamp(timestamp);
  const ref = { username: owner, timestamp };
  const ownerKey = keys.user(owner);
  const state = await viewerState(db, viewer, [], [ref], [keys.photo(owner, timestamp), ...commentCountKeys(ref), ...(author ? [] : [ownerKey])]);
  const ownerItem = author ? undefined : state.extra.find((i) => i.PK === ownerKey.PK && i.SK === ownerKey.SK);
  if (owner === viewer && !author) assertActingLive(viewer, ownerItem);
  const item = state.extra.find((i) => Photo.is(i));
  // A photo whose author's item is gone (an orphan `doctor` reports) is not shown without its author.
  if (!item || (!author && !ownerItem)) throw errors.photoNotFound(owner, timestamp);
  const [shown] = await visiblePreviews(db, viewer, [{ photo: Photo.decode(item), myReactions: state.reactions(ref), comments: commentSummary(state.extra, ref) }], { blocks });
  return { ...shown!, author: author ?? User.decode(ownerItem!) };
}
