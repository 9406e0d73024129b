/** The lab's Reaction item: one per (user, type, photo), under the photo's SK. */
import { Type } from 'typebox';
import { defineEntity, type EntityType } from '../entity.js';
import { ReactionType } from '../entities.js';
import { keys, parsePhotoSk } from '../keys.js';
import { CorruptItemError } from '../entity.js';

export const Reaction = defineEntity({
  name: 'Reaction',
  kind: 'reaction',
  attributes: {
    reactingUser: Type.String(),
    reactionType: ReactionType,
    /** The photo's SK (`PHOTO#<owner>#<timestamp>`), which is also the reaction's own SK. */
    photo: Type.String(),
    /** When the reaction was given (not the photo's timestamp). */
    timestamp: Type.String(),
  },
  key: (reaction) => {
    const photo = parsePhotoSk(reaction.photo);
    if (!photo) throw new CorruptItemError(`Reaction of ${reaction.reactingUser} names no photo: ${reaction.photo}`);
    return keys.reaction(reaction.reactingUser, reaction.reactionType, photo.username, photo.timestamp);
  },
});
export type Reaction = EntityType<typeof Reaction>;
