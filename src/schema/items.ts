/**
 * Codecs between entities and the items stored in the table. Items are the entity's
 * attributes (the lab's names) plus PK and SK; decoding checks the stored shape so that a
 * malformed item fails loudly here instead of leaking `undefined` into a response.
 */
import { Friendship, Photo, Reaction, User, validator, type Validator } from './entities.js';
import { keys, type ItemKey } from './keys.js';

export type UserItem = ItemKey & User;
export type PhotoItem = ItemKey & Photo;
export type ReactionItem = ItemKey & Reaction;
export type FriendshipItem = ItemKey & Friendship;

/** An item as the SDK's document client returns it. */
export type RawItem = Record<string, unknown>;

export class CorruptItemError extends Error {
  override readonly name = 'CorruptItemError';
}

function decoder<T extends object>(entity: string, check: Validator<T>, fields: readonly (keyof T & string)[]) {
  return (item: RawItem): T => {
    // Copy only the entity's attributes: keys and foreign attributes never reach callers.
    const picked: RawItem = {};
    for (const field of fields) if (item[field] !== undefined) picked[field] = item[field];
    if (!check.check(picked)) {
      throw new CorruptItemError(`Stored ${entity} item ${String(item.PK)} / ${String(item.SK)} does not have the expected attributes.`);
    }
    return picked;
  };
}

export const decodeUser = decoder('User', validator(User), [
  'username', 'name', 'email', 'birthdate', 'address', 'status', 'interests', 'followers', 'following', 'pinnedImage', 'emailVerified', 'avatar', 'private',
]);
export const decodePhoto = decoder('Photo', validator(Photo), ['username', 'timestamp', 'location', 'reactions', 'caption', 'variants', 'placeholder']);
export const decodeReaction = decoder('Reaction', validator(Reaction), ['reactingUser', 'reactionType', 'photo', 'timestamp']);
export const decodeFriendship = decoder('Friendship', validator(Friendship), ['followedUser', 'followingUser', 'timestamp']);

export const encodeUser = (user: User): UserItem => ({ ...keys.user(user.username), ...user });
export const encodePhoto = (photo: Photo): PhotoItem => ({ ...keys.photo(photo.username, photo.timestamp), ...photo });
export function encodeReaction(reaction: Reaction, owner: string, photoTimestamp: string): ReactionItem {
  return { ...keys.reaction(reaction.reactingUser, reaction.reactionType, owner, photoTimestamp), ...reaction };
}
export const encodeFriendship = (f: Friendship): FriendshipItem => ({ ...keys.friendship(f.followedUser, f.followingUser), ...f });
