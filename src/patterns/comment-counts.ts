/**
 * Each photo's comment count and previews from its COMMENT_SHARDS count shards (4 keys a photo):
 * their sum is the count; each shard keeps its two newest top-level comments, the photo shows
 * the newest two overall. The photo detail reads the shards in its own BatchGetItem; list pages
 * read the copy the comment-summary view keeps on the Photo item (comment-summary.ts). Previews
 * by others than the viewer and the photo's owner pass the same visibility rule as the comment
 * list, decided from what the page read (`visiblePreviews`).
 */
import type { RawItem } from '../schema/entity.js';
import { CommentCount, User } from '../schema/entities/index.js';
import { COMMENT_SHARDS, keyString, keys, type ItemKey } from '../schema/keys.js';
import type { Db } from './db.js';
import { absent, attributeWas, repairIf } from './repair.js';
import { listable, viewerBlocksOf, viewerState, type BlockNames, type PhotoKey, type ViewerBlocks, type ViewerState } from './viewer.js';

/** The keys of a photo's comment-count shards. */
export function commentCountKeys(photo: PhotoKey): ItemKey[] {
  return Array.from({ length: COMMENT_SHARDS }, (_, i) => keys.commentCount(photo.username, photo.timestamp, String(i)));
}

export interface CommentPreview {
  timestamp: string;
  author: string;
  text: string;
  /** On the Photo item's copy: the author was open (listable, not private) when it was derived. Never answered. */
  authorOpen?: boolean;
}

export interface CommentSummary {
  commentCount: number;
  /** Up to 2 of the newest top-level comments, newest first. */
  previews: CommentPreview[];
}

/** The photo's comment count (the sum of its shards) and newest previews, from the items a BatchGetItem found. */
export function commentSummary(found: RawItem[], photo: PhotoKey): CommentSummary {
  const byKey = new Map(found.filter((item) => CommentCount.is(item)).map((item) => [keyString(item), item]));
  let commentCount = 0;
  const previews: CommentPreview[] = [];
  for (const key of commentCountKeys(photo)) {
    const item = byKey.get(keyString(key));
    if (!item) continue;
    const shard = CommentCount.decode(item);
    // Shards add up: one may stand below zero (a repair sets one shard so that the sum is right,
    // and later deletes decrement any), so only the sum is bounded.
    commentCount += shard.count;
    for (const p of [shard.p0, shard.p1]) if (p) previews.push(p);
  }
  commentCount = Math.max(0, commentCount);
  previews.sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0));
  return { commentCount, previews: previews.slice(0, 2) };
}

/** What a page already read that decides previews: no read of the previews' authors of its own. */
export interface PreviewFacts {
  /** User items the page read (its photos' authors): a preview by one of them goes by the live item. */
  live?: ReadonlyMap<string, RawItem>;
  /** Whether the viewer follows a user of `live` (the page's viewer state). */
  follows?: (username: string) => boolean;
  /** The viewer's blocks from their User item (`viewerBlocksOf`); undefined: nobody read it. */
  blocks?: ViewerBlocks | undefined;
}

/**
 * The facts of a page whose one BatchGetItem read its photos' authors and the viewer's own item
 * with the viewer state: the User items it holds, the viewer's follows, the viewer's blocks.
 */
export function previewFacts(viewer: string, state: ViewerState): PreviewFacts {
  const live = new Map(state.extra.filter((item) => User.is(item)).map((item) => [String(item.username), item] as const));
  return { live, follows: (u) => state.follows(u), blocks: viewerBlocksOf(live.get(viewer)) };
}

const NO_NAMES: BlockNames = { blocking: new Set(), blockedBy: new Set() };

/**
 * The summaries with previews the viewer may not see left out: a block either way, a private
 * author not followed, a suspended or departing author. The viewer's and the photo owner's
 * (whose photo the viewer sees) always stay. Decided without a read from what the page holds:
 * blocks from the viewer's item (`facts.blocks` with its names, or both counters 0), an
 * author's status from the page's live User item, else from the status the comment-summary
 * view stored on the preview (`authorOpen`: a private author's preview is then hidden on list
 * pages even to followers, whose full comment list shows it). What is still unknown (a viewer
 * past BLOCK_NAMES_MAX, a summary from before the status) costs one BatchGetItem of just those
 * authors' block, follow, private-mark and profile items.
 */
export async function visiblePreviews<T extends { photo: PhotoKey; comments: CommentSummary }>(db: Db, viewer: string, items: T[], facts: PreviewFacts = {}): Promise<T[]> {
  const third = (i: T, p: CommentPreview) => p.author !== viewer && p.author !== i.photo.username;
  const others = [...new Set(items.flatMap((i) => i.comments.previews.filter((p) => third(i, p)).map((p) => p.author)))];
  const { blocks, live, follows } = facts;
  const names = blocks?.names ?? (blocks !== undefined && blocks.blocking === 0 && blocks.blockedBy === 0 ? NO_NAMES : undefined);
  const liveOpen = (u: string): boolean | undefined => {
    const item = live?.get(u);
    return item === undefined ? undefined : User.is(item) && listable(item) && (item.private !== true || follows?.(u) === true);
  };
  const statusOf = (p: CommentPreview) => liveOpen(p.author) ?? p.authorOpen;
  const unknown = [...new Set(items.flatMap((i) => i.comments.previews.filter((p) => third(i, p) && statusOf(p) === undefined).map((p) => p.author)))];
  const toRead = names === undefined ? others : unknown;
  let state: ViewerState | undefined;
  if (toRead.length > 0) {
    const directions = names !== undefined ? { blocking: false, blockedBy: false } : { blocking: blocks === undefined || blocks.blocking > 0, blockedBy: blocks === undefined || blocks.blockedBy > 0 };
    state = await viewerState(db, viewer, toRead, [], unknown.flatMap((u) => [keys.privateMark(u), keys.user(u)]), { blocks: directions });
  }
  const marked = new Set(state?.extra.map(keyString));
  const shown = new Set(state?.extra.filter((i) => User.is(i) && listable(i)).map(keyString));
  const readOpen = (u: string) => shown.has(keyString(keys.user(u))) && !(marked.has(keyString(keys.privateMark(u))) && state?.follows(u) !== true);
  const blocked = (u: string) => (names !== undefined ? names.blocking.has(u) || names.blockedBy.has(u) : state?.blocked(u) !== false);
  const visible = (i: T, p: CommentPreview) => !third(i, p) || (!blocked(p.author) && (statusOf(p) ?? readOpen(p.author)));
  const plain = ({ timestamp, author, text }: CommentPreview): CommentPreview => ({ timestamp, author, text });
  return items.map((i) => ({ ...i, comments: { ...i.comments, previews: i.comments.previews.filter((p) => visible(i, p)).map(plain) } }));
}

/**
 * Doctor's repair of a photo's comment count: one shard (the first that exists, else shard 0)
 * takes the difference, so the shards sum to `actual`, conditioned on every shard's count still
 * being what the audit read (an absent shard still absent): one TransactWriteItems, a no-op
 * when a comment came or went meanwhile.
 */
export function repairCommentCount(db: Db, photo: PhotoKey, stored: (number | undefined)[], actual: number): Promise<boolean> {
  const shardKeys = commentCountKeys(photo);
  const at = Math.max(0, stored.findIndex((n) => n !== undefined));
  const others = stored.reduce<number>((sum, n, i) => (i === at ? sum : sum + (n ?? 0)), 0);
  const was = stored[at];
  const write = {
    Update: {
      TableName: db.table,
      Key: shardKeys[at]!,
      UpdateExpression: 'SET #count = :n, photoOwner = :owner, photoTimestamp = :pts, #shard = :shard',
      ConditionExpression: was === undefined ? 'attribute_not_exists(PK)' : '#count = :was',
      ExpressionAttributeNames: { '#count': 'count', '#shard': 'shard' },
      ExpressionAttributeValues: { ':n': actual - others, ':owner': photo.username, ':pts': photo.timestamp, ':shard': at, ...(was === undefined ? {} : { ':was': was }) },
    },
  };
  const checks = shardKeys.flatMap((key, i) => (i === at ? [] : [stored[i] === undefined ? absent(key) : attributeWas(key, 'count', stored[i])]));
  return repairIf(db, [write], checks);
}
