/**
 * A photo's conversation (src/patterns/comments.ts): comments and one level of replies, the
 * photo's comment-count shards, each comment's reference in its author's partition, and likes.
 * A comment is named within its photo by its time and author; a reply also by its parent's.
 */
import { Type } from 'typebox';
import { defineEntity, type EntityType } from '../entity.js';
import { keys } from '../keys.js';

/** What names one comment: its photo, its own time and author, and for a reply its parent's. */
const commentIdentity = {
  photoOwner: Type.String(),
  photoTimestamp: Type.String(),
  /** When the comment was posted (unique within the photo together with the author). */
  timestamp: Type.String(),
  author: Type.String(),
  parentTimestamp: Type.Optional(Type.String()),
  parentAuthor: Type.Optional(Type.String()),
};

/** The key of a comment or reply, from its identity. */
export function commentKey(c: { photoOwner: string; photoTimestamp: string; timestamp: string; author: string; parentTimestamp?: string | undefined; parentAuthor?: string | undefined }) {
  return c.parentTimestamp !== undefined && c.parentAuthor !== undefined
    ? keys.reply(c.photoOwner, c.photoTimestamp, c.parentTimestamp, c.parentAuthor, c.timestamp, c.author)
    : keys.comment(c.photoOwner, c.photoTimestamp, c.timestamp, c.author);
}

export const Comment = defineEntity({
  name: 'Comment',
  kind: 'comment',
  attributes: {
    ...commentIdentity,
    text: Type.String(),
    likeCount: Type.Integer(),
    /** Top-level comments only: how many replies it has. */
    replyCount: Type.Optional(Type.Integer()),
    /** The photo's count shard this comment was counted on (its delete decrements the same one). */
    shard: Type.Integer(),
  },
  key: commentKey,
});
export type Comment = EntityType<typeof Comment>;

/** A newest top-level comment kept on a count shard, for the feed's previews. */
export const CommentPreview = Type.Object({ timestamp: Type.String(), author: Type.String(), text: Type.String() });

/**
 * A preview as the Photo item keeps it for list pages: with whether its author was open (listable
 * and not private) when the comment-summary view derived it, so a page decides a third party's
 * preview without reading the author. Absent on summaries written before it: the page reads.
 */
export const StoredCommentPreview = Type.Object({ ...CommentPreview.properties, authorOpen: Type.Optional(Type.Boolean()) });

export const CommentCount = defineEntity({
  name: 'CommentCount',
  kind: 'commentCount',
  attributes: {
    photoOwner: Type.String(),
    photoTimestamp: Type.String(),
    shard: Type.Integer(),
    count: Type.Integer(),
    /** The newest two top-level comments counted on this shard (p0 newer); a delete removes its own. */
    p0: Type.Optional(Type.Union([CommentPreview, Type.Null()])),
    p1: Type.Optional(Type.Union([CommentPreview, Type.Null()])),
  },
  key: (c) => keys.commentCount(c.photoOwner, c.photoTimestamp, String(c.shard)),
});
export type CommentCount = EntityType<typeof CommentCount>;

export const CommentRef = defineEntity({
  name: 'CommentRef',
  kind: 'commentRef',
  attributes: commentIdentity,
  key: (r) => keys.commentRef(r.author, r.photoOwner, r.photoTimestamp, r.timestamp),
});
export type CommentRef = EntityType<typeof CommentRef>;

export const CommentLike = defineEntity({
  name: 'CommentLike',
  kind: 'commentLike',
  attributes: { liker: Type.String(), ...commentIdentity, likedAt: Type.String() },
  key: (l) => keys.commentLike(l.liker, l.photoOwner, l.photoTimestamp, l.timestamp, l.author),
});
export type CommentLike = EntityType<typeof CommentLike>;
