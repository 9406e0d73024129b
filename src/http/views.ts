/**
 * The one place entities become API shapes. Views name photos by id and carry time zones;
 * no key string (`PHOTO#...`, `USER#...`) and no storage location ever leaves through here.
 */
import { errors } from '../errors.js';
import type { Page } from '../patterns/index.js';
import type { Friendship, Photo, Reaction, User } from '../schema/entities.js';
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

/**
 * The profile as anyone signed in sees it. Fields are picked one by one (never spread), so a
 * private attribute added to User later cannot leak through here by default.
 */
export function publicUserView(user: User) {
  const pinnedPhotoId = user.pinnedImage === undefined ? undefined : photoIdOfSk(user.pinnedImage);
  return {
    username: user.username,
    name: user.name,
    status: user.status,
    interests: user.interests,
    followers: user.followers,
    following: user.following,
    ...(pinnedPhotoId ? { pinnedPhotoId } : {}),
  };
}

/** The owner's own profile (GET /v1/me and the owner's writes): adds email, birthdate, address, settings. */
export function privateUserView(user: User) {
  return { ...publicUserView(user), email: user.email, emailVerified: user.emailVerified === true, birthdate: user.birthdate, address: user.address };
}

/** Any user shown to someone else: the public view. */
export const userView = publicUserView;

/** A page of entities as a page of views; the cursor passes through untouched. */
export function pageView<T, V>(page: Page<T>, view: (item: T) => V): Page<V> {
  return { items: page.items.map(view), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}
