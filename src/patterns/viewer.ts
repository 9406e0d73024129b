/**
 * Viewer state: for the profiles and photos of one list page, whether I follow each user,
 * whether each follows me, whether a block stands between us, and which reactions on each
 * photo are mine. One BatchGetItem of existence checks (friendship, block and reaction items),
 * so a page costs one extra request, never one per row.
 */
import { REACTION_TYPES, type ReactionType } from '../schema/entities.js';
import type { RawItem } from '../schema/entity.js';
import { keyString, keys, type ItemKey } from '../schema/keys.js';
import { batchGet, type Db } from './db.js';

export interface PhotoKey {
  username: string;
  timestamp: string;
}

/** How I relate to a user, as every card of them says it. */
export interface Relation {
  following: boolean;
  followedBy: boolean;
  requested: boolean;
}

/** Which block items between the viewer and each user to read: the viewer's (blocking) and theirs (blockedBy). */
export interface BlockDirections {
  blocking: boolean;
  blockedBy: boolean;
}

export interface ViewerState {
  /** I follow this user. */
  follows(username: string): boolean;
  /** This user follows me. */
  followedBy(username: string): boolean;
  /** A block stands between us, either way (only the directions asked for with `blocks`: false otherwise). */
  blocked(username: string): boolean;
  /** My follow request to this user is pending (only when asked for with `requests`: false otherwise). */
  requested(username: string): boolean;
  /** The three above as a card carries them. */
  relation(username: string): Relation;
  /** My reactions on this photo. */
  reactions(photo: PhotoKey): ReactionType[];
  /** The items found among `extra` keys (profiles fetched in the same request). */
  extra: RawItem[];
}

/** Keys one BatchGetItem takes: a page's users (2 keys each, +2 with blocks, +1 with requests) and photos (4 each) should fit. */
export const VIEWER_KEYS_PER_REQUEST = 100;

/**
 * What the viewer's user item says of their blocks (`viewOf` read it): how many users they
 * block, how many block them. Undefined where nobody read it: both directions are then read.
 */
export interface ViewerBlocks {
  blocking: number;
  blockedBy: number;
  /**
   * Whom they block and who blocks them, when their item holds every name (`blockingNames`,
   * `blockedByNames`: as many names as the counters say): blocks are then decided without a read.
   */
  names?: BlockNames;
}

export interface BlockNames {
  blocking: ReadonlySet<string>;
  blockedBy: ReadonlySet<string>;
}

const counter = (value: unknown): number => (typeof value === 'number' && value > 0 ? value : 0);

/** A stored string set (`blockingNames`, `blockedByNames`) as names, sorted; undefined when absent. */
export function storedNames(value: unknown): string[] | undefined {
  return value instanceof Set || Array.isArray(value) ? [...(value as Iterable<unknown>)].map(String).sort() : undefined;
}
const nameSet = (value: unknown): Set<string> => new Set(storedNames(value));

/**
 * The viewer's blocks as their User item states them. Blocking and unblocking move a name and
 * its counter together, and a name is only added below BLOCK_NAMES_MAX (src/patterns/safety/blocks.ts):
 * the sets never hold a name that is not blocked, so a set as large as its counter is complete.
 * Smaller (past the bound, an item from before the sets, a counter that stayed high), the
 * names are left out and the caller reads the block items.
 */
export function viewerBlocksOf(item: RawItem | undefined): ViewerBlocks {
  const blocking = counter(item?.blocking);
  const blockedBy = counter(item?.blockedBy);
  const names = { blocking: nameSet(item?.blockingNames), blockedBy: nameSet(item?.blockedByNames) };
  return { blocking, blockedBy, ...(names.blocking.size === blocking && names.blockedBy.size === blockedBy ? { names } : {}) };
}

/** What a viewer-state read asks: the users, the photos, further keys and which optional items. */
export interface ViewerQuestion {
  users: string[];
  photos: PhotoKey[];
  extra?: ItemKey[];
  options?: { blocks?: boolean | BlockDirections; requests?: boolean };
}

/** A read in two halves: the keys to read, and what they decide once read (in one batch with other reads' keys, if the caller likes). */
export interface Plan<T> {
  keys: ItemKey[];
  decide(found: RawItem[]): T;
}

/** `keys` without repeats: BatchGetItem rejects a repeated key (a photo listed twice, a profile also in `extra`). */
export function uniqueKeys(keys: ItemKey[]): ItemKey[] {
  return [...new Map(keys.map((key) => [keyString(key), key])).values()];
}

/** Runs a plan: its keys (repeats read once) in one BatchGetItem (chunks of 100 in parallel), none for no keys. */
export async function readPlan<T>(db: Db, plan: Plan<T>): Promise<Awaited<T>> {
  const wanted = uniqueKeys(plan.keys);
  return await plan.decide(wanted.length === 0 ? [] : await batchGet(db, 'viewerState', wanted));
}

const directionsOf = (blocks: boolean | BlockDirections | undefined): BlockDirections =>
  typeof blocks === 'object' ? blocks : { blocking: blocks === true, blockedBy: blocks === true };

/**
 * The viewer state's two halves (`viewerState` runs them as one read): per user u,
 * `USER#u / #FRIEND#me` (I follow u) and `USER#me / #FRIEND#u` (u follows me), with `blocks`
 * also the block items me→u and u→me, with `requests` my follow request to u
 * (`FOLLOWREQ#u / REQUESTER#me`, for the Follow / Requested button); per photo:
 * `REACTION#me#<type> / PHOTO#owner#ts` for the four types. Decided from any batch that
 * holds these keys' items: other items found with them change nothing.
 */
export function viewerStatePlan(viewer: string, question: ViewerQuestion): Plan<ViewerState> {
  const { users, photos, extra = [], options = {} } = question;
  const others = [...new Set(users)].filter((u) => u !== viewer);
  // A direction nobody is in (the viewer's counters say so) is not read: fewer keys a user.
  const directions = directionsOf(options.blocks);
  const wanted: ItemKey[] = [
    ...extra,
    ...others.flatMap((u) => [keys.friendship(u, viewer), keys.friendship(viewer, u)]),
    ...(directions.blocking ? others.map((u) => keys.block(viewer, u)) : []),
    ...(directions.blockedBy ? others.map((u) => keys.block(u, viewer)) : []),
    ...(options.requests ? others.map((u) => keys.followRequest(u, viewer)) : []),
    ...photos.flatMap((p) => REACTION_TYPES.map((type) => keys.reaction(viewer, type, p.username, p.timestamp))),
  ];
  const decide = (found: RawItem[]): ViewerState => {
    const present = new Set(found.map(keyString));
    const has = (key: ItemKey) => present.has(keyString(key));
    const extraKeys = new Set(extra.map(keyString));
    const follows = (u: string) => u !== viewer && has(keys.friendship(u, viewer));
    const followedBy = (u: string) => u !== viewer && has(keys.friendship(viewer, u));
    const requested = (u: string) => options.requests === true && u !== viewer && has(keys.followRequest(u, viewer));
    return {
      follows,
      followedBy,
      blocked: (u) => u !== viewer && ((directions.blocking && has(keys.block(viewer, u))) || (directions.blockedBy && has(keys.block(u, viewer)))),
      requested,
      relation: (u) => ({ following: follows(u), followedBy: followedBy(u), requested: requested(u) }),
      reactions: (p) => REACTION_TYPES.filter((type) => has(keys.reaction(viewer, type, p.username, p.timestamp))),
      extra: extra.length === 0 ? [] : found.filter((item) => extraKeys.has(keyString(item))),
    };
  };
  return { keys: uniqueKeys(wanted), decide };
}

/**
 * BatchGetItem of the viewer state (`viewerStatePlan`). One request while the keys number at
 * most 100 (list pages are sized for it).
 */
export async function viewerState(
  db: Db,
  viewer: string,
  users: string[],
  photos: PhotoKey[],
  extra: ItemKey[] = [],
  options: { blocks?: boolean | BlockDirections; requests?: boolean } = {},
): Promise<ViewerState> {
  return readPlan(db, viewerStatePlan(viewer, { users, photos, extra, options }));
}

/**
 * Whether a profile may be shown in lists at all: a suspended account, or one being deleted,
 * is hidden from everyone (as its profile route answers 404).
 */
export function listable(item: RawItem): boolean {
  return item.suspendedAt === undefined && item.deleting === undefined;
}
