/**
 * The photo screen (GET /v1/photos/{photoId}?expand=reactions,comments): the photo as the
 * viewer sees it with the first pages of its reactors and its comments, as their list routes
 * answer them. The lists' Queries run in parallel, then ONE BatchGetItem carries every key that
 * decides the answer: the visibility guard's (another's photo), the photo, my 4 reactions on
 * it, its 4 comment-count shards, its author (one's own photo: also the session's check), the
 * reactors' cards and relations, the
 * commenters' follows, blocks, private marks and profiles, and my likes. Each part then decides
 * from that one batch as its own route would from its own (lists.ts `VisibleList`,
 * `photoForViewerPlan`): one implementation, read once.
 *
 * Worst case, at the largest pages (MAX_PAGE_SIZE 100 each): 16 keys for the guard and the
 * photo (the guard's 7, the owner's item among them, and 9; one's own photo 10), 6 a reactor (2
 * follows, 2 blocks, 1 request, 1 profile), 6 a commenter (2 follows, 2 blocks, a private mark,
 * 1 profile) and 1 a comment (my like): 1,316 keys, which batchGet sends in chunks of 100, in
 * parallel (14 requests, one round trip). A page whose hidden items leave it short reads on as
 * its route does (a Query and a BatchGetItem a read).
 */
import { batchGet, type Db } from './db.js';
import { type Page, type PageRequest } from './paging.js';
import { commentsList, type CommentForViewer } from './comment-lists.js';
import { photoForViewerPlan, reactorsList, startVisible, type PhotoForViewer, type Related, type ViewerBlocks } from './lists.js';
import type { Reaction, User } from '../schema/entities/index.js';
import { uniqueKeys, type Plan } from './viewer.js';

export interface PhotoScreen extends PhotoForViewer {
  reactionPage?: Page<{ reaction: Reaction } & Related>;
  commentPage?: Page<CommentForViewer>;
}

const value = <T>(result: PromiseSettledResult<T>): T | undefined => (result.status === 'fulfilled' ? result.value : undefined);

/** What the visibility guard's read (of another user's photo) tells the screen: the viewer's blocks and the author's item. */
export interface ScreenSeen {
  blocks?: ViewerBlocks | undefined;
  author?: User | undefined;
}

/**
 * The photo for `viewer` with the first pages asked for: a Query a list, then 1 BatchGetItem.
 * `guard`: the visibility guard's keys and decision (another user's photo), read in the same
 * batch and decided before anything else of it: a refused viewer gets the guard's answer and
 * nothing read here, though the lists' Queries ran before it decided (their first items only
 * name whose keys to read; an error of theirs, such as PHOTO_NOT_FOUND, is answered only after
 * the guard let the viewer through, as when the guard ran first).
 */
export async function getPhotoScreen(
  db: Db,
  viewer: string,
  owner: string,
  timestamp: string,
  lists: { reactions?: PageRequest | undefined; comments?: PageRequest | undefined },
  guard?: Plan<Promise<ScreenSeen>>,
): Promise<PhotoScreen> {
  // The viewer's blocks are the guard's to tell: until then each list reads the block items both ways.
  const settled = await Promise.allSettled([
    lists.reactions ? startVisible(db, lists.reactions, reactorsList(db, viewer, owner, timestamp)) : undefined,
    lists.comments ? startVisible(db, lists.comments, commentsList(db, viewer, owner, timestamp, lists.comments, 'oldest')) : undefined,
  ]);
  const [reactors, conversation] = [value(settled[0]), value(settled[1])];
  // The lists read these users' profiles and follows anyway: comment previews by them are decided from those.
  const known = [...(reactors?.items.map((r) => r.reactingUser) ?? []), ...(conversation?.items.map((c) => c.author) ?? [])];
  const photoKeys = photoForViewerPlan(db, viewer, owner, timestamp, undefined, undefined, known).keys;
  const found = await batchGet(db, 'photoScreen', uniqueKeys([...(guard?.keys ?? []), ...photoKeys, ...(reactors?.keys ?? []), ...(conversation?.keys ?? [])]));
  const seen = guard ? await guard.decide(found) : {};
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  const photo = photoForViewerPlan(db, viewer, owner, timestamp, seen.blocks, seen.author, known);
  const [shown, reactionPage, commentPage] = await Promise.all([photo.decide(found), reactors?.decide(found), conversation?.decide(found)]);
  return { ...shown, ...(reactionPage ? { reactionPage } : {}), ...(commentPage ? { commentPage } : {}) };
}
