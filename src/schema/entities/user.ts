/** The lab's User item: the profile, its counters and the account's public settings. */
import { Type } from 'typebox';
import { defineEntity, type EntityType } from '../entity.js';
import { StoredImage } from '../entities.js';
import { keys } from '../keys.js';

export const User = defineEntity({
  name: 'User',
  kind: 'user',
  attributes: {
    username: Type.String(),
    name: Type.String(),
    email: Type.String(),
    birthdate: Type.String(),
    address: Type.String(),
    status: Type.String(),
    interests: Type.Array(Type.String()),
    followers: Type.Integer(),
    following: Type.Integer(),
    pinnedImage: Type.Optional(Type.String()),
    /** Set when the owner proved the email is theirs; absent on the lab's data and new accounts. */
    emailVerified: Type.Optional(Type.Boolean()),
    /** The profile picture's variants (see src/media). */
    avatar: Type.Optional(StoredImage),
    /** A private account: only approved followers see its photos and lists (src/patterns/safety/). */
    private: Type.Optional(Type.Boolean()),
  },
  key: (user) => keys.user(user.username),
});
export type User = EntityType<typeof User>;
