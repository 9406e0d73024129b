/**
 * Lists with profiles and viewer state: followers and followed users with each one's profile
 * and my relation to them, a photo's reactors with theirs, a user's photos with my reactions.
 * Each is the list's own request plus ONE BatchGetItem carrying the profiles and the viewer
 * keys together (4 keys a user, 4 a photo): one request at the default page size of 20,
 * ceil(keys / 100) in parallel for larger pages.
 *
 * Lists of other users (followers, following, reactors) leave out the users the viewer
 * blocks or is blocked by (and, where they show cards, suspended and departing accounts, whose
 * profile item is read anyway), inside the list's own reads: the block items ride in the
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
import type { RawItem } from '../schema/entity.js';
import { keys } from '../schema/keys.js';
import { type Db } from './db.js';
import { pageOf, pageSize, type Page, type PageRequest } from './paging.js';
import { listFollowed, listFollowers } from './follows.js';
import { getPhotoWithReactions, listRecentPhotos } from './photos.js';
import { hiddenFrom } from './safety/visibility.js';
import { listable, readPlan, viewerBlocksOf, viewerState, viewerStatePlan, type Plan, type Relation, type ViewerBlocks } from './viewer.js';
import { assertActingLive } from './acting.js';
import { besideSessionCheck } from './session-check.js';
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

/**
 * The profiles of `usernames` and my relation to each, or undefined for those a block hides and
 * for suspended or departing accounts (their profile answers 404: their card shows nowhere): the
 * keys of one BatchGetItem.
 */
function relate(viewer: string, usernames: string[], blocks: ViewerBlocks | undefined): Plan<Map<string, Related | undefined>> {
  const unique = [...new Set(usernames)];
  const plan = viewerStatePlan(viewer, { users: unique, photos: [], extra: unique.map((u) => keys.user(u)), options: { requests: true, blocks: directions(blocks) } });
  return {
    keys: plan.keys,
    decide: (found) => {
      const state = plan.decide(found);
      const items = new Map(state.extra.map((item) => [String(item.username), item]));
      const hidden = (u: string) => {
        const item = items.get(u);
        return state.blocked(u) || (item !== undefined && u !== viewer && !listable(item));
      };
      return new Map(unique.map((u) => {
        const item = items.get(u);
        return [u, hidden(u) ? undefined : { user: item ? User.decode(item) : undefined, ...state.relation(u) }];
      }));
    },
  };
}

/** Of `items`, those whose user (`name`) no block stands between the viewer and: one BatchGetItem, none when the viewer has no blocks. */
async function unhidden<T>(db: Db, viewer: string, items: T[], name: (item: T) => string, blocks: ViewerBlocks | undefined): Promise<T[]> {
  const hidden = await hiddenFrom(db, viewer, items.map(name), blocks?.blocking, blocks?.blockedBy);
  return hidden.size === 0 ? items : items.filter((item) => !hidden.has(name(item)));
}

/** With `name`'s relation, or left out when a block hides it. */
function relatedPlan<T>(viewer: string, items: T[], name: (item: T) => string, blocks: ViewerBlocks | undefined): Plan<(T & Related)[]> {
  const plan = relate(viewer, items.map(name), blocks);
  return {
    keys: plan.keys,
    decide: (found) => {
      const relations = plan.decide(found);
      return items.flatMap((item) => {
        const relation = relations.get(name(item));
        return relation ? [{ ...item, ...relation }] : [];
      });
    },
  };
}

function related<T>(db: Db, viewer: string, items: T[], name: (item: T) => string, blocks: ViewerBlocks | undefined): Promise<(T & Related)[]> {
  return readPlan(db, relatedPlan(viewer, items, name, blocks));
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
  const got = await read({ ...page, limit: pageSize(page.limit) });
  return readOn(page, got, await shown(got.items), read, shown);
}

/** `visiblePage` after its first read (`got`, of which `first` is shown): the reads on for the shortfall. */
async function readOn<S, T>(page: PageRequest, got: Page<S>, first: T[], read: (page: PageRequest) => Promise<Page<S>>, shown: (items: S[]) => Promise<T[]>): Promise<Page<T>> {
  const limit = pageSize(page.limit);
  const items = [...first];
  let last = got;
  for (let reads = 1; last.nextCursor !== undefined && items.length < limit && reads < VISIBLE_PAGE_READS; reads++) {
    last = await read({ cursor: last.nextCursor, limit: limit - items.length });
    items.push(...(await shown(last.items)));
  }
  return pageOf(items, last.nextCursor);
}

/**
 * A list the viewer sees, in halves: `read` is the list's own request, `plan` the keys that
 * decide what of a read is shown and the decision from what they found. `listVisible` runs
 * them as the list route does (each read's plan its own BatchGetItem); `startVisible` stops
 * after the first read, so that a caller can read its plan's keys in one batch with others'.
 */
export interface VisibleList<S, T> {
  read: (page: PageRequest) => Promise<Page<S>>;
  plan: (items: S[]) => Plan<T[]>;
}

/** A list's first read made (`items`), its plan's keys not yet read: deciding from a batch holding them reads on as `visiblePage`. */
export interface StartedPage<S, T> extends Plan<Promise<Page<T>>> {
  items: S[];
}

export async function startVisible<S, T>(db: Db, page: PageRequest, list: VisibleList<S, T>): Promise<StartedPage<S, T>> {
  const got = await list.read({ ...page, limit: pageSize(page.limit) });
  const plan = list.plan(got.items);
  const shown = (items: S[]) => readPlan(db, list.plan(items));
  return { items: got.items, keys: plan.keys, decide: async (found) => readOn(page, got, plan.decide(found), list.read, shown) };
}

/** The list page as its route answers it: its read, its plan's BatchGetItem, the reads on. */
export async function listVisible<S, T>(db: Db, page: PageRequest, list: VisibleList<S, T>): Promise<Page<T>> {
  return readPlan(db, await startVisible(db, page, list));
}

const follower = (f: Friendship) => f.followingUser;
const followed = (f: Friendship) => f.followedUser;
const reactor = (r: Reaction) => r.reactingUser;
const blocksOn = (viewer: string, username: string, blocks: ViewerBlocks | undefined) => (viewer === username ? NO_BLOCKS : blocks);

/**
 * Followers (Query `PK = USER#u AND begins_with(SK, #FRIEND#)`) the viewer may see. One's own
 * list reads nothing else (a block ends the follows both ways): its session check goes beside.
 */
export async function listVisibleFollowers(db: Db, viewer: string, username: string, page: PageRequest = {}, blocks?: ViewerBlocks): Promise<Page<Friendship>> {
  const hide = blocksOn(viewer, username, blocks);
  const list = () => visiblePage(page, (p) => listFollowers(db, username, p), (items) => unhidden(db, viewer, items, follower, hide));
  return viewer === username ? besideSessionCheck(db, list) : list();
}

/** Followed users (Query InvertedIndex `SK = #FRIEND#u`) the viewer may see; one's own as followers above. */
export async function listVisibleFollowed(db: Db, viewer: string, username: string, page: PageRequest = {}, blocks?: ViewerBlocks): Promise<Page<Friendship>> {
  const hide = blocksOn(viewer, username, blocks);
  const list = () => visiblePage(page, (p) => listFollowed(db, username, p), (items) => unhidden(db, viewer, items, followed, hide));
  return viewer === username ? besideSessionCheck(db, list) : list();
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

/** A photo's reactions (the lab's index Query; PHOTO_NOT_FOUND on the first page when the photo is gone) and the keys of their reactors' cards and relations. */
export function reactorsList(db: Db, viewer: string, owner: string, timestamp: string, blocks?: ViewerBlocks): VisibleList<Reaction, { reaction: Reaction } & Related> {
  return {
    read: async (p) => (await getPhotoWithReactions(db, owner, timestamp, p)).reactions,
    plan: (items) => relatedPlan(viewer, items.map((reaction) => ({ reaction })), (i) => reactor(i.reaction), blocks),
  };
}

/** A photo's reactions (the lab's index Query) + one BatchGetItem for the reactors. */
export function listReactorsRelated(db: Db, viewer: string, owner: string, timestamp: string, page: PageRequest = {}, blocks?: ViewerBlocks): Promise<Page<{ reaction: Reaction } & Related>> {
  return listVisible(db, page, reactorsList(db, viewer, owner, timestamp, blocks));
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

export interface PhotoForViewer {
  photo: Photo;
  myReactions: ReactionType[];
  comments: CommentSummary;
  author: User;
}

/**
 * One photo, my reactions on it, its comment count and its author's User item: ONE BatchGetItem
 * of the photo, my 4 possible reaction items, its 4 count shards and, unless the caller read
 * it already (`author`: the visibility guard's read of another user's photo), the author's
 * item, so the photo screen needs no profile call. On one's own photo that item is also the
 * session's check (no GetItem of its own).
 */
export function getPhotoForViewer(db: Db, viewer: string, owner: string, timestamp: string, blocks?: ViewerBlocks, author?: User): Promise<PhotoForViewer> {
  return readPlan(db, photoForViewerPlan(db, viewer, owner, timestamp, blocks, author));
}

/**
 * `getPhotoForViewer`'s batch as a plan. `known`: users whose User items and follows the
 * caller's batch reads anyway (the photo screen's commenters and reactors): the comment
 * previews by them are decided from those items (as list pages decide theirs, comment-counts.ts
 * `visiblePreviews`), with no read of their own; on one's own photo the blocks come from one's
 * own item in the batch.
 */
export function photoForViewerPlan(db: Db, viewer: string, owner: string, timestamp: string, blocks?: ViewerBlocks, author?: User, known: string[] = []): Plan<Promise<PhotoForViewer>> {
  assertUsername(owner, 'owner');
  assertTimestamp(timestamp);
  const ref = { username: owner, timestamp };
  const ownerKey = keys.user(owner);
  const others = [...new Set(known)].filter((u) => u !== viewer && u !== owner);
  const extra = [keys.photo(owner, timestamp), ...commentCountKeys(ref), ...(author ? [] : [ownerKey]), ...others.map((u) => keys.user(u))];
  const plan = viewerStatePlan(viewer, { users: others, photos: [ref], extra });
  const decide = async (found: RawItem[]): Promise<PhotoForViewer> => {
    const state = plan.decide(found);
    const ownerItem = author ? undefined : state.extra.find((i) => i.PK === ownerKey.PK && i.SK === ownerKey.SK);
    if (owner === viewer && !author) assertActingLive(viewer, ownerItem);
    const item = state.extra.find((i) => Photo.is(i));
    // A photo whose author's item is gone (an orphan `doctor` reports) is not shown without its author.
    if (!item || (!author && !ownerItem)) throw errors.photoNotFound(owner, timestamp);
    const live = new Map(state.extra.filter((i) => User.is(i) && others.includes(String(i.username))).map((i) => [String(i.username), i] as const));
    const facts = { live, follows: (u: string) => state.follows(u), blocks: blocks ?? (owner === viewer ? viewerBlocksOf(ownerItem) : undefined) };
    const [shown] = await visiblePreviews(db, viewer, [{ photo: Photo.decode(item), myReactions: state.reactions(ref), comments: commentSummary(state.extra, ref) }], facts);
    return { ...shown!, author: author ?? User.decode(ownerItem!) };
  };
  return { keys: plan.keys, decide };
}
