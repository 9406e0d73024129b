/**
 * Who may see whom. Two questions, each one batched read:
 *  - `viewOf(owner, viewer)`: may `viewer` see `owner`'s profile and content? One BatchGetItem
 *    of the owner's user item, the block items both ways, the viewer's user item, the
 *    friendships both ways and the viewer's pending request. A blocked viewer (or an unknown,
 *    suspended or departing owner) gets USER_NOT_FOUND: the account seems not to exist. `maySeeContent` is false for a private account's non-followers.
 *  - `hiddenFrom(viewer, usernames)`: which of these users has the viewer blocked, or blocked
 *    the viewer? One BatchGetItem of block items per 100 keys, of the directions that can
 *    exist: skipped entirely when the viewer blocks nobody and nobody blocks the viewer (the
 *    `blocking` and `blockedBy` counters on the viewer's user item, kept by blockUser/unblockUser).
 * The plain lists of other users call `hiddenFrom` on each of their reads (src/patterns/lists.ts);
 * the lists with profiles, feeds, activity and search read the block items with their profiles.
 */
import { assertUsername } from '../../schema/entities.js';
import { User } from '../../schema/entities/index.js';
import { keys } from '../../schema/keys.js';
import { batchGet, type Db } from '../db.js';
import { errors } from '../../errors.js';
import { assertActingLive } from '../acting.js';
import type { RawItem } from '../../schema/entity.js';
import { listable, viewerBlocksOf, type BlockNames, type Plan } from '../viewer.js';

export interface OwnerView {
  owner: User;
  /** Whether the owner's account is private (the `private` attribute of its user item). */
  private: boolean;
  /** Photos, followers and following: public accounts to all, private ones to approved followers. */
  maySeeContent: boolean;
  /** How many users the viewer blocks (0 means no list needs filtering for them). */
  viewerBlocking: number;
  /** How many users block the viewer (0 means no list needs filtering for them either; may be high, never low). */
  viewerBlockedBy: number;
  /** The names of both, when the viewer's item holds them all (`viewerBlocksOf`): comment previews need no read. */
  viewerBlockNames?: BlockNames | undefined;
  /** The viewer follows the owner, the owner follows the viewer, the viewer's follow request is pending, the viewer blocked the owner. */
  relation: { following: boolean; followedBy: boolean; requested: boolean; blocking: boolean };
}

const sameKey = (item: Record<string, unknown>, key: { PK: string; SK: string }) => item.PK === key.PK && item.SK === key.SK;

/**
 * One BatchGetItem (7 keys: the owner, the blocks owner→viewer and viewer→owner, the viewer,
 * the friendships both ways and the viewer's pending request); USER_NOT_FOUND when the owner does not exist
 * or has blocked the viewer.
 */
export async function viewOf(db: Db, ownerName: string, viewerName: string): Promise<OwnerView> {
  const owner = assertUsername(ownerName);
  const viewer = assertUsername(viewerName, 'viewer');
  const ownerKey = keys.user(owner);
  if (owner === viewer) {
    const [item] = await batchGet(db, 'viewOf', [ownerKey]);
    assertActingLive(viewer, item);
    if (!item) throw errors.userNotFound(owner);
    const self = { following: false, followedBy: false, requested: false, blocking: false };
    const blocks = viewerBlocksOf(item);
    return { owner: User.decode(item), private: item.private === true, maySeeContent: true, viewerBlocking: blocks.blocking, viewerBlockedBy: blocks.blockedBy, viewerBlockNames: blocks.names, relation: self };
  }
  const plan = viewOfPlan(owner, viewer);
  return plan.decide(await batchGet(db, 'viewOf', plan.keys));
}

/**
 * `viewOf` of another user in halves: its 7 keys, and the view (or USER_NOT_FOUND) from any
 * batch that holds them (the photo screen reads them with its own, src/patterns/photo-screen.ts).
 * The viewer's item is among them: the batch is also the session's check.
 */
export function viewOfPlan(ownerName: string, viewerName: string): Plan<OwnerView> {
  const owner = assertUsername(ownerName);
  const viewer = assertUsername(viewerName, 'viewer');
  const ownerKey = keys.user(owner);
  const blockKey = keys.block(owner, viewer);
  const viewerKey = keys.user(viewer);
  const followKey = keys.friendship(owner, viewer);
  const followedByKey = keys.friendship(viewer, owner);
  const requestKey = keys.followRequest(owner, viewer);
  // The viewer's own block of the owner rides in the same batch: the profile can offer "Unblock".
  const blockingKey = keys.block(viewer, owner);
  const decide = (found: RawItem[]): OwnerView => {
    // The viewer's item is read anyway: an ended session or another account's token stops here (401).
    const viewerItem = found.find((item) => sameKey(item, viewerKey));
    assertActingLive(viewer, viewerItem);
    const ownerItem = found.find((item) => sameKey(item, ownerKey));
    // Blocked by the owner, or the owner suspended or being deleted (as every list judges it, `listable`): the account seems not to exist.
    if (!ownerItem || !listable(ownerItem) || found.some((item) => sameKey(item, blockKey))) throw errors.userNotFound(owner);
    const isPrivate = ownerItem.private === true;
    const has = (key: { PK: string; SK: string }) => found.some((item) => sameKey(item, key));
    const blocks = viewerBlocksOf(viewerItem);
    return {
      owner: User.decode(ownerItem),
      private: isPrivate,
      maySeeContent: !isPrivate || has(followKey),
      viewerBlocking: blocks.blocking,
      viewerBlockedBy: blocks.blockedBy,
      viewerBlockNames: blocks.names,
      relation: { following: has(followKey), followedBy: has(followedByKey), requested: has(requestKey), blocking: has(blockingKey) },
    };
  };
  return { keys: [ownerKey, blockKey, viewerKey, followKey, followedByKey, requestKey, blockingKey], decide };
}

/**
 * Whether `viewer` may still fetch an image of `owner`'s through a URL issued to them (a
 * `content` photo, or the profile picture): the owner exists and is neither being deleted nor
 * suspended, has not blocked the viewer, and, for a photo of a private account, the viewer
 * follows them. One BatchGetItem, on every fetch, so a revocation needs no wait.
 */
export async function mayFetchImage(db: Db, ownerName: string, viewerName: string, content: boolean): Promise<boolean> {
  const owner = assertUsername(ownerName);
  const viewer = assertUsername(viewerName, 'viewer');
  const ownerKey = keys.user(owner);
  const blockKey = keys.block(owner, viewer);
  const followKey = keys.friendship(owner, viewer);
  const found = await batchGet(db, 'mayFetchImage', owner === viewer ? [ownerKey] : [ownerKey, blockKey, followKey]);
  const ownerItem = found.find((item) => sameKey(item, ownerKey));
  if (!ownerItem || ownerItem.deleting !== undefined || ownerItem.suspendedAt !== undefined) return false;
  if (owner === viewer) return true;
  if (found.some((item) => sameKey(item, blockKey))) return false;
  return !content || ownerItem.private !== true || found.some((item) => sameKey(item, followKey));
}

/**
 * The subset of `usernames` that `viewer` has blocked or that blocked `viewer`: BatchGetItem
 * of the block items, in chunks of 100 keys. Pass the viewer's `blocking` and `blockedBy`
 * counts when known (from `viewOf`): a direction whose count is 0 is not read, both 0 costs nothing.
 */
export async function hiddenFrom(db: Db, viewer: string, usernames: Iterable<string>, viewerBlocking?: number, viewerBlockedBy?: number): Promise<Set<string>> {
  const names = [...new Set(usernames)].filter((name) => name !== viewer);
  const blocking = viewerBlocking !== 0;
  const blockedBy = viewerBlockedBy !== 0;
  if (names.length === 0 || (!blocking && !blockedBy)) return new Set();
  const found = await batchGet(db, 'hiddenFrom', [...(blocking ? names.map((name) => keys.block(viewer, name)) : []), ...(blockedBy ? names.map((name) => keys.block(name, viewer)) : [])]);
  return new Set(found.map((item) => (item.blocker === viewer ? String(item.blocked) : String(item.blocker))));
}
