/**
 * Lists with profiles and viewer state: followers and followed users with each one's profile
 * and my relation to them, a photo's reactors with theirs, a user's photos with my reactions.
 * Each is the list's own request plus ONE BatchGetItem carrying the profiles and the viewer
 * keys together (4 keys a user, 4 a photo): one request at the default page size of 20,
 * ceil(keys / 100) in parallel for larger pages.
 */
import type { Friendship, Reaction, ReactionType } from '../schema/entities.js';
import { Photo, User } from '../schema/entities/index.js';
import { errors } from '../errors.js';
import { assertTimestamp, assertUsername } from '../schema/entities.js';
import { keys } from '../schema/keys.js';
import type { Db, Page, PageRequest } from './db.js';
import { listFollowed, listFollowers } from './follows.js';
import { getPhotoWithReactions, listRecentPhotos } from './photos.js';
import { viewerState, type Relation } from './viewer.js';

export interface Related extends Relation {
  /** Undefined only if the user's item is missing (an orphan `doctor` reports). */
  user: User | undefined;
}

async function relate(db: Db, viewer: string, usernames: string[]): Promise<Map<string, Related>> {
  const unique = [...new Set(usernames)];
  const state = await viewerState(db, viewer, unique, [], unique.map((u) => keys.user(u)), { requests: true });
  const profiles = new Map(state.extra.map((item) => [String(item.username), User.decode(item)]));
  return new Map(unique.map((u) => [u, { user: profiles.get(u), ...state.relation(u) }]));
}

const withCursor = <T>(items: T[], page: Page<unknown>): Page<T> => ({ items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });

/** Followers (Query `PK = USER#u AND begins_with(SK, #FRIEND#)`) + one BatchGetItem. */
export async function listFollowersRelated(db: Db, viewer: string, username: string, page: PageRequest = {}): Promise<Page<{ friendship: Friendship } & Related>> {
  const list = await listFollowers(db, username, page);
  const related = await relate(db, viewer, list.items.map((f) => f.followingUser));
  return withCursor(list.items.map((friendship) => ({ friendship, ...related.get(friendship.followingUser)! })), list);
}

/** Followed users (Query InvertedIndex `SK = #FRIEND#u`) + one BatchGetItem. */
export async function listFollowedRelated(db: Db, viewer: string, username: string, page: PageRequest = {}): Promise<Page<{ friendship: Friendship } & Related>> {
  const list = await listFollowed(db, username, page);
  const related = await relate(db, viewer, list.items.map((f) => f.followedUser));
  return withCursor(list.items.map((friendship) => ({ friendship, ...related.get(friendship.followedUser)! })), list);
}

/** A photo's reactions (the lab's index Query) + one BatchGetItem for the reactors. */
export async function listReactorsRelated(db: Db, viewer: string, owner: string, timestamp: string, page: PageRequest = {}): Promise<Page<{ reaction: Reaction } & Related>> {
  const { reactions } = await getPhotoWithReactions(db, owner, timestamp, page);
  const related = await relate(db, viewer, reactions.items.map((r) => r.reactingUser));
  return withCursor(reactions.items.map((reaction) => ({ reaction, ...related.get(reaction.reactingUser)! })), reactions);
}

/** A user's photos, newest first (Query) + one BatchGetItem of my possible reactions (4 keys a photo). */
export async function listPhotosForViewer(db: Db, viewer: string, username: string, page: PageRequest = {}): Promise<Page<{ photo: Photo; myReactions: ReactionType[] }>> {
  const list = await listRecentPhotos(db, username, page);
  const state = await viewerState(db, viewer, [], list.items);
  return withCursor(list.items.map((photo) => ({ photo, myReactions: state.reactions(photo) })), list);
}

/** One photo and my reactions on it: ONE BatchGetItem of the photo and my 4 possible reaction items (no GetItem). */
export async function getPhotoForViewer(db: Db, viewer: string, owner: string, timestamp: string): Promise<{ photo: Photo; myReactions: ReactionType[] }> {
  assertUsername(owner, 'owner');
  assertTimestamp(timestamp);
  const ref = { username: owner, timestamp };
  const state = await viewerState(db, viewer, [], [ref], [keys.photo(owner, timestamp)]);
  const [item] = state.extra;
  if (!item) throw errors.photoNotFound(owner, timestamp);
  return { photo: Photo.decode(item), myReactions: state.reactions(ref) };
}
