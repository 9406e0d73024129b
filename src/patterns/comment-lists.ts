/**
 * Reading a photo's conversation: its top-level comments (oldest or newest first) and a
 * comment's replies, as the viewer may see them, and each photo's comment count and newest
 * comments (previews) for photo cards. A page is the Query plus ONE BatchGetItem (chunks of 100
 * keys in parallel) carrying, per other author, the follow, block and private-mark items that
 * decide whether the viewer may see them, and per comment the viewer's like: a blocked
 * author's comments, either way, a private author's the viewer does not follow, and a
 * suspended or departing author's (their profile item, one key more), are left out inside the
 * page's own reads (pages stay full, src/patterns/lists.ts `visiblePage`).
 */
import { errors } from '../errors.js';
import { Comment, commentKey, User } from '../schema/entities/index.js';
import type { CommentRefId } from '../schema/ids.js';
import { commentRanges, keyString, keys, type ItemKey } from '../schema/keys.js';
import { type Db } from './db.js';
import { inPrefix, queryPage, type Page, type PageRequest } from './paging.js';
import { isReply, validAddress } from './comments.js';
import { listVisible, visiblePage, type ViewerBlocks, type VisibleList } from './lists.js';
import { listable, readPlan, viewerStatePlan, type Plan, type ViewerState } from './viewer.js';

export type CommentOrder = 'oldest' | 'newest';

export interface CommentForViewer {
  comment: Comment;
  likedByMe: boolean;
}

const likeKey = (viewer: string, c: CommentRefId) => keys.commentLike(viewer, c.photoOwner, c.photoTimestamp, c.timestamp, c.author);

/**
 * Of `comments`, those the viewer may see, with the viewer's like on each: the keys of one
 * BatchGetItem of the authors' viewer state (follows, blocks in the directions the viewer's
 * counters say exist, private marks, profiles), the likes, and `required` (a photo or parent
 * that must exist: `missing` is thrown when it does not, or when `requiredAuthor` is hidden).
 */
function visibleTo(
  viewer: string,
  comments: Comment[],
  blocks: ViewerBlocks | undefined,
  required?: { key: ItemKey; author?: string; missing: () => Error },
): Plan<CommentForViewer[]> {
  if (comments.length === 0 && !required) return { keys: [], decide: () => [] };
  const authors = [...new Set([...comments.map((c) => c.author), ...(required?.author ? [required.author] : [])])].filter((u) => u !== viewer);
  const directions = { blocking: blocks === undefined || blocks.blocking > 0, blockedBy: blocks === undefined || blocks.blockedBy > 0 };
  const extra = [...authors.flatMap((u) => [keys.privateMark(u), keys.user(u)]), ...comments.map((c) => likeKey(viewer, c)), ...(required ? [required.key] : [])];
  const plan = viewerStatePlan(viewer, { users: authors, photos: [], extra, options: { blocks: directions } });
  return { keys: plan.keys, decide: (items) => decideVisible(viewer, comments, plan.decide(items), required) };
}

function decideVisible(viewer: string, comments: Comment[], state: ViewerState, required?: { key: ItemKey; author?: string; missing: () => Error }): CommentForViewer[] {
  const found = new Set(state.extra.map(keyString));
  const shown = new Set(state.extra.filter((i) => User.is(i) && listable(i)).map(keyString));
  // A suspended or departing author's comments hide as their photos and profile do, and come back with them.
  const hidden = (u: string) =>
    u !== viewer && (state.blocked(u) || !shown.has(keyString(keys.user(u))) || (found.has(keyString(keys.privateMark(u))) && !state.follows(u)));
  if (required && (!found.has(keyString(required.key)) || (required.author !== undefined && hidden(required.author)))) throw required.missing();
  return comments.filter((c) => !hidden(c.author)).map((comment) => ({ comment, likedByMe: found.has(keyString(likeKey(viewer, comment))) }));
}

/**
 * `listComments` in halves (lists.ts `VisibleList`): its Query and the keys that decide what a
 * read shows; the first plan of a first page also checks that the photo exists.
 */
export function commentsList(db: Db, viewer: string, owner: string, photoTimestamp: string, page: PageRequest = {}, order: CommentOrder = 'oldest', blocks?: ViewerBlocks): VisibleList<Comment, CommentForViewer> {
  const range = commentRanges.topLevel(owner, photoTimestamp);
  let first = page.cursor === undefined;
  const photo = { key: keys.photo(owner, photoTimestamp), missing: () => errors.photoNotFound(owner, photoTimestamp) };
  return {
    read: async (p) =>
      (await queryPage(db, 'listComments', `comments:${range.pk}:${order}`, {
        ...inPrefix(range),
        ScanIndexForward: order === 'oldest',
      }, p, Comment.decode)).page,
    plan: (items) => {
      const check = first ? photo : undefined;
      first = false;
      return visibleTo(viewer, items, blocks, check);
    },
  };
}

/**
 * A photo's top-level comments the viewer may see: Query `PK = COMMENTS#owner#ts AND
 * begins_with(SK, C#)`, ascending (oldest first) or descending, + one BatchGetItem a read (the
 * first also checks that the photo exists: PHOTO_NOT_FOUND). Counts are not changed by what
 * the viewer may not see: `replyCount`s count every reply.
 */
export function listComments(db: Db, viewer: string, owner: string, photoTimestamp: string, page: PageRequest = {}, order: CommentOrder = 'oldest', blocks?: ViewerBlocks): Promise<Page<CommentForViewer>> {
  return listVisible(db, page, commentsList(db, viewer, owner, photoTimestamp, page, order, blocks));
}

/**
 * A comment's replies the viewer may see, oldest first: Query `PK = COMMENTS#owner#ts AND
 * begins_with(SK, R#<parent>#)` + one BatchGetItem a read (the first also checks that the parent
 * exists and its author is not hidden from the viewer: COMMENT_NOT_FOUND).
 */
export async function listReplies(db: Db, viewer: string, parentInput: CommentRefId, page: PageRequest = {}, blocks?: ViewerBlocks): Promise<Page<CommentForViewer>> {
  const parent = validAddress(parentInput);
  if (isReply(parent)) throw errors.commentNotFound();
  const range = commentRanges.replies(parent.photoOwner, parent.photoTimestamp, parent.timestamp, parent.author);
  let first = page.cursor === undefined;
  const required = { key: commentKey(parent), author: parent.author, missing: () => errors.commentNotFound() };
  return visiblePage(
    page,
    async (p) =>
      (await queryPage(db, 'listReplies', `replies:${range.prefix}`, {
        ...inPrefix(range),
      }, p, Comment.decode)).page,
    (items) => {
      const check = first ? required : undefined;
      first = false;
      return readPlan(db, visibleTo(viewer, items, blocks, check));
    },
  );
}

/**
 * Every top-level comment of a photo, unfiltered, for moderators (the CLI): the Query of
 * `listComments` alone, oldest or newest first.
 */
export async function listAllComments(db: Db, owner: string, photoTimestamp: string, page: PageRequest = {}, order: CommentOrder = 'oldest'): Promise<Page<Comment>> {
  const range = commentRanges.topLevel(owner, photoTimestamp);
  const { page: result } = await queryPage(db, 'listAllComments', `comments:${range.pk}:${order}:all`, {
    ...inPrefix(range),
    ScanIndexForward: order === 'oldest',
  }, page, Comment.decode);
  return result;
}
