/**
 * The one place entities become API shapes. Views name photos by id and carry time zones;
 * no key string (`PHOTO#...`, `USER#...`) and no storage location ever leaves through here.
 */
import { errors } from '../errors.js';
import type { Page } from '../patterns/index.js';
import type { Friendship, Photo, Reaction, ReactionType, User } from '../schema/entities.js';
import { parsePhotoId, photoId, type PhotoRef } from '../schema/ids.js';
import { parsePhotoSk } from '../schema/keys.js';

/** Stored timestamps are UTC without a zone (the lab's format); the API always says so. */
export function apiTimestamp(timestamp: string): string {
  return timestamp.endsWith('Z') ? timestamp : `${timestamp}Z`;
}

/** The photo a path's `:photoId` names; PHOTO_NOT_FOUND for anything we never issued. */
export function photoRef(id: string): PhotoRef {
  const ref = parsePhotoId(id);
  if (!ref) throw errors.unknownPhotoId(id);
  return ref;
}

export const photoPath = (photo: PhotoRef): string => `/v1/photos/${photoId(photo.username, photo.timestamp)}`;

export function photoView(photo: Photo) {
  return {
    id: photoId(photo.username, photo.timestamp),
    username: photo.username,
    timestamp: apiTimestamp(photo.timestamp),
    reactions: photo.reactions,
    imageUrl: `${photoPath(photo)}/image`,
  };
}

/** A stored photo sort key as an id; undefined for a value that names no photo. */
function photoIdOfSk(sk: string): string | undefined {
  const ref = parsePhotoSk(sk);
  return ref ? photoId(ref.username, ref.timestamp) : undefined;
}

export function reactionView(reaction: Reaction) {
  return {
    photoId: photoIdOfSk(reaction.photo) ?? '',
    reactingUser: reaction.reactingUser,
    reactionType: reaction.reactionType,
    timestamp: apiTimestamp(reaction.timestamp),
  };
}

export function friendshipView(friendship: Friendship) {
  return { followedUser: friendship.followedUser, followingUser: friendship.followingUser, timestamp: apiTimestamp(friendship.timestamp) };
}

export function userView(user: User) {
  const { pinnedImage, ...fields } = user;
  const pinnedPhotoId = pinnedImage === undefined ? undefined : photoIdOfSk(pinnedImage);
  return { ...fields, ...(pinnedPhotoId ? { pinnedPhotoId } : {}) };
}

/** A page of entities as a page of views; the cursor passes through untouched. */
export function pageView<T, V>(page: Page<T>, view: (item: T) => V): Page<V> {
  return { items: page.items.map(view), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

/**
 * A user as other users see them in lists (feed authors, search results, activity actors):
 * public fields only, never email, birthdate or address, and how the viewer relates to them.
 */
export function profileCardView(user: User, viewer: { follows: boolean; followedBy: boolean }) {
  const { pinnedPhotoId } = userView(user);
  return {
    username: user.username,
    name: user.name,
    status: user.status,
    followers: user.followers,
    following: user.following,
    ...(pinnedPhotoId ? { pinnedPhotoId } : {}),
    viewer: { following: viewer.follows, followedBy: viewer.followedBy },
  };
}

/** A photo with the viewer's own reactions on it. */
export function photoForViewerView(photo: Photo, myReactions: readonly ReactionType[]) {
  return { ...photoView(photo), myReactions: [...myReactions] };
}
