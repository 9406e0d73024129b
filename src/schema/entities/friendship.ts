/** The lab's Friendship item: followingUser follows followedUser, in the followed user's partition. */
import { Type } from 'typebox';
import { defineEntity, type EntityType } from '../entity.js';
import { keys } from '../keys.js';

export const Friendship = defineEntity({
  name: 'Friendship',
  kind: 'friendship',
  attributes: {
    followedUser: Type.String(),
    followingUser: Type.String(),
    timestamp: Type.String(),
  },
  key: (f) => keys.friendship(f.followedUser, f.followingUser),
});
export type Friendship = EntityType<typeof Friendship>;
