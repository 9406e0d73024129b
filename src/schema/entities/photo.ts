/** The lab's Photo item: its reaction counters and, for our uploads, the stored variants. */
import { Type } from 'typebox';
import { defineEntity, type EntityType } from '../entity.js';
import { Reactions, StoredVariant } from '../entities.js';
import { keys } from '../keys.js';
import { StoredCommentPreview } from './comment.js';

export const Photo = defineEntity({
  name: 'Photo',
  kind: 'photo',
  attributes: {
    username: Type.String(),
    timestamp: Type.String(),
    /** The lab's readers require it: the full-size variant's URI (or, for older photos, the original's). */
    location: Type.String(),
    reactions: Reactions,
    caption: Type.Optional(Type.String()),
    /** When the caption was last edited (the time its new mentions are told at). */
    captionEditedAt: Type.Optional(Type.String()),
    variants: Type.Optional(Type.Array(StoredVariant)),
    placeholder: Type.Optional(Type.String()),
    /** Set while the owner has turned comments off: posting checks it in the same transaction. */
    commentsOff: Type.Optional(Type.Boolean()),
    /**
     * The list pages' comment summary, written by the comment-summary view from the count
     * shards (src/derived/views/comment-summary.ts): it follows them by seconds; the photo
     * detail reads the shards themselves. Absent: no comment yet.
     */
    commentCount: Type.Optional(Type.Integer()),
    /** Up to 2 of the newest top-level comments, newest first, each with its author's status. */
    commentPreviews: Type.Optional(Type.Array(StoredCommentPreview)),
  },
  key: (photo) => keys.photo(photo.username, photo.timestamp),
});
export type Photo = EntityType<typeof Photo>;
