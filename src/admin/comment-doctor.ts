/**
 * The comment invariants, audited and repaired (`quick-photos doctor`, one Scan of its own):
 *  - each photo's comment count (the sum of its shards) equals its comments and replies;
 *  - each comment's `replyCount` equals its replies, its `likeCount` its likes;
 *  - each photo's list-page summary (`commentCount`, `commentPreviews` on the Photo item) is
 *    what its shards say: the comment-summary view writes it seconds after each change, so a
 *    mismatch is either that lag or a lost write (repair: the view's own write, from a
 *    consistent read of the shards, conditional on the photo existing);
 *  - no comment, reply or shard outlives its photo, no reply its parent, no ref or like its
 *    comment, no comment or reply its author and no like its liker (a later account of the name
 *    would own them) (repair: delete it, conditioned on what it lacks still being absent; a
 *    comment's ref, replies and likes follow on the next rounds, then its counts).
 * Every repair is conditional on what the audit read; the re-audit says what is left.
 */
import type { DocClient } from '../engine/doc-client.js';
import type { RawItem } from '../schema/entity.js';
import { Comment, CommentCount, CommentLike, commentKey, CommentRef, Photo } from '../schema/entities/index.js';
import { classifyKey, COMMENT_SHARDS, keyString, keys, type ItemKey } from '../schema/keys.js';
import { forEachTableItem } from '../patterns/audit/index.js';
import { commentSummary, repairCommentCount } from '../patterns/comment-counts.js';
import { authorOpen, storedSummary, summaryMatches, writeCommentSummary } from '../patterns/comment-summary.js';
import { absent, deleteIf, operatorDb, setCounterIf } from '../patterns/repair.js';

export type CommentProblem =
  | { type: 'comment-count'; owner: string; timestamp: string; stored: (number | undefined)[]; actual: number }
  | { type: 'comment-summary'; owner: string; timestamp: string; stored: number; actual: number }
  | { type: 'comment-counter'; key: ItemKey; field: 'replyCount' | 'likeCount'; stored: unknown; actual: number }
  | { type: 'orphan-comment-item'; key: ItemKey; reason: string; missing: ItemKey };

export interface CommentReport {
  comments: number;
  problems: CommentProblem[];
  fixed?: number;
  remaining?: CommentProblem[];
}


export function describeCommentProblem(p: CommentProblem): string {
  switch (p.type) {
    case 'comment-count':
      return `Photo<${p.owner} -- ${p.timestamp}> commentCount is ${p.stored.reduce<number>((s, n) => s + (n ?? 0), 0)}, its comments say ${p.actual}`;
    case 'comment-summary':
      return `Photo<${p.owner} -- ${p.timestamp}> list summary says ${p.stored} comments, its shards ${p.actual} (or other previews)`;
    case 'comment-counter':
      return `comment ${p.key.PK} / ${p.key.SK}: ${p.field} is ${String(p.stored)}, its items say ${p.actual}`;
    case 'orphan-comment-item':
      return `orphan comment item ${p.key.PK} / ${p.key.SK}: ${p.reason}`;
  }
}

export async function auditCommentsOnce(doc: DocClient, table: string): Promise<CommentReport> {
  const photos = new Set<string>();
  const photoItems = new Map<string, Photo>();
  const shardItems = new Map<string, RawItem[]>();
  const comments = new Map<string, { key: ItemKey; comment: Comment; replies: number; likes: number }>();
  const shards = new Map<string, { owner: string; timestamp: string; stored: (number | undefined)[] }>();
  const refs: { key: ItemKey; comment: ItemKey }[] = [];
  const likes: { key: ItemKey; comment: ItemKey; liker: string }[] = [];
  /** Every account there is (one being deleted too: its job removes its comments itself). */
  const users = new Set<string>();
  /** Users whose previews show on list pages (`authorOpen`): what each stored preview should say. */
  const open = new Set<string>();
  const onItem = (item: RawItem) => {
    const key = { PK: String(item.PK), SK: String(item.SK) };
    const kind = classifyKey(key);
    if (kind.kind === 'user') users.add(kind.username);
    if (kind.kind === 'user' && authorOpen(item)) open.add(kind.username);
    if (kind.kind === 'photo') {
      photos.add(keyString(key));
      if (Photo.is(item)) photoItems.set(keyString(key), Photo.decode(item));
    }
    else if (Comment.is(item)) comments.set(keyString(key), { key, comment: Comment.decode(item), replies: 0, likes: 0 });
    else if (CommentCount.is(item)) {
      const shard = CommentCount.decode(item);
      const photoId = keyString(keys.photo(shard.photoOwner, shard.photoTimestamp));
      const entry = shards.get(photoId) ?? { owner: shard.photoOwner, timestamp: shard.photoTimestamp, stored: Array.from({ length: COMMENT_SHARDS }, () => undefined) };
      entry.stored[shard.shard] = shard.count;
      shards.set(photoId, entry);
      shardItems.set(photoId, [...(shardItems.get(photoId) ?? []), item]);
    } else if (CommentRef.is(item)) refs.push({ key, comment: commentKey(CommentRef.decode(item)) });
    else if (CommentLike.is(item)) {
      const like = CommentLike.decode(item);
      likes.push({ key, comment: commentKey(like), liker: like.liker });
    }
  };
  await forEachTableItem(operatorDb(doc, table), 4, (items) => items.forEach(onItem));

  const problems: CommentProblem[] = [];
  const actual = new Map<string, { owner: string; timestamp: string; n: number }>();
  for (const { key, comment } of comments.values()) {
    const photoKey = keys.photo(comment.photoOwner, comment.photoTimestamp);
    if (!photos.has(keyString(photoKey))) {
      problems.push({ type: 'orphan-comment-item', key, reason: 'its photo does not exist', missing: photoKey });
      continue;
    }
    // Still counted below (its replies and the shards hold it) until it goes: the recount follows.
    if (!users.has(comment.author)) problems.push({ type: 'orphan-comment-item', key, reason: `its author ${comment.author} does not exist`, missing: keys.user(comment.author) });
    if (comment.parentTimestamp !== undefined && comment.parentAuthor !== undefined) {
      const parentKey = keys.comment(comment.photoOwner, comment.photoTimestamp, comment.parentTimestamp, comment.parentAuthor);
      const parent = comments.get(keyString(parentKey));
      if (!parent) {
        problems.push({ type: 'orphan-comment-item', key, reason: 'the comment it replies to does not exist', missing: parentKey });
        continue;
      }
      parent.replies += 1;
    }
    const photoId = keyString(photoKey);
    const entry = actual.get(photoId) ?? { owner: comment.photoOwner, timestamp: comment.photoTimestamp, n: 0 };
    entry.n += 1;
    actual.set(photoId, entry);
  }
  for (const ref of refs) if (!comments.has(keyString(ref.comment))) problems.push({ type: 'orphan-comment-item', key: ref.key, reason: 'its comment does not exist', missing: ref.comment });
  for (const like of likes) {
    // Still counted on its comment until it goes, as a comment of a missing author is.
    if (!users.has(like.liker)) problems.push({ type: 'orphan-comment-item', key: like.key, reason: `its liker ${like.liker} does not exist`, missing: keys.user(like.liker) });
    const comment = comments.get(keyString(like.comment));
    if (comment) comment.likes += 1;
    else if (users.has(like.liker)) problems.push({ type: 'orphan-comment-item', key: like.key, reason: 'its comment does not exist', missing: like.comment });
  }
  for (const [photoId, entry] of shards) {
    const photoKey = keys.photo(entry.owner, entry.timestamp);
    if (!photos.has(photoId)) {
      for (let i = 0; i < COMMENT_SHARDS; i++) {
        if (entry.stored[i] !== undefined) problems.push({ type: 'orphan-comment-item', key: keys.commentCount(entry.owner, entry.timestamp, String(i)), reason: 'its photo does not exist', missing: photoKey });
      }
    }
  }
  for (const [photoId, entry] of new Map([...shards].map(([k, v]) => [k, { owner: v.owner, timestamp: v.timestamp }])).entries()) if (!actual.has(photoId) && photos.has(photoId)) actual.set(photoId, { ...entry, n: 0 });
  for (const [photoId, { owner, timestamp, n }] of actual) {
    const stored = shards.get(photoId)?.stored ?? Array.from({ length: COMMENT_SHARDS }, () => undefined);
    if (stored.reduce<number>((s, v) => s + (v ?? 0), 0) !== n) problems.push({ type: 'comment-count', owner, timestamp, stored, actual: n });
  }
  for (const [photoId, photo] of photoItems) {
    if (!shardItems.has(photoId) && photo.commentCount === undefined) continue;
    const shardTruth = commentSummary(shardItems.get(photoId) ?? [], photo);
    const truth = { ...shardTruth, previews: shardTruth.previews.map((p) => ({ ...p, authorOpen: open.has(p.author) })) };
    if (!summaryMatches(photo, truth)) problems.push({ type: 'comment-summary', owner: photo.username, timestamp: photo.timestamp, stored: storedSummary(photo).commentCount, actual: truth.commentCount });
  }
  for (const { key, comment, replies, likes: liked } of comments.values()) {
    if (comment.parentTimestamp === undefined && (comment.replyCount ?? 0) !== replies) problems.push({ type: 'comment-counter', key, field: 'replyCount', stored: comment.replyCount, actual: replies });
    if (comment.likeCount !== liked) problems.push({ type: 'comment-counter', key, field: 'likeCount', stored: comment.likeCount, actual: liked });
  }
  return { comments: comments.size, problems };
}

export async function repairCommentProblem(doc: DocClient, table: string, p: CommentProblem): Promise<boolean> {
  const db = operatorDb(doc, table);
  switch (p.type) {
    case 'comment-count':
      return repairCommentCount(db, { username: p.owner, timestamp: p.timestamp }, p.stored, p.actual);
    case 'comment-summary':
      return writeCommentSummary(db, { username: p.owner, timestamp: p.timestamp });
    case 'comment-counter':
      return setCounterIf(db, p.key, [p.field], p.stored, p.actual);
    case 'orphan-comment-item':
      return deleteIf(db, p.key, [absent(p.missing)]);
  }
}

/** Audits; with `fix`, repairs orphans first, then counts, and audits again (a few rounds). */
export async function auditComments(doc: DocClient, table: string, options: { fix?: boolean } = {}): Promise<CommentReport> {
  const first = await auditCommentsOnce(doc, table);
  if (!options.fix || first.problems.length === 0) return first;
  let fixed = 0;
  let current = first;
  for (let round = 0; round < 5 && current.problems.length > 0; round++) {
    const orphans = current.problems.filter((p) => p.type === 'orphan-comment-item');
    for (const p of orphans.length > 0 ? orphans : current.problems) if (await repairCommentProblem(doc, table, p)) fixed++;
    current = await auditCommentsOnce(doc, table);
  }
  return { ...first, fixed, remaining: current.problems };
}
