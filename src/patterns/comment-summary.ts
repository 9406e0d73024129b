/**
 * The comment summary list pages show (the count and up to 2 previews), kept on the Photo item
 * itself: the feed, a user's photos, a tag page and Explore read it in the BatchGetItem (or
 * Query) that already brings the photo, no request and no key more. The count shards stay the
 * truth (exact at every commit); the comment-summary view copies them here after each change,
 * so a list page follows them by the worker's lag (seconds). The photo detail reads the shards.
 * Each preview carries its author's status as the view last derived it (`authorOpen`); an
 * author's suspension, departure or privacy change re-derives the summaries naming them
 * (`rederiveAuthorPreviews`, applied by src/derived/views/comment-summary.ts).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RawItem } from '../schema/entity.js';
import { User, type Photo } from '../schema/entities/index.js';
import { keys } from '../schema/keys.js';
import { commentCountKeys, commentSummary, type CommentPreview, type CommentSummary } from './comment-counts.js';
import { backoff } from '../backoff.js';
import { batchGet, conditional, type Db } from './db.js';
import { forEachCommentBy } from './comment-deletion.js';
import { listable, type PhotoKey } from './viewer.js';

/** Tries of the summary's write against comment posts' transactions on the photo (a hot photo's). */
const WRITE_ATTEMPTS = 10;

/** The summary a Photo item carries (none written yet: no comment). */
export function storedSummary(photo: Photo): CommentSummary {
  return { commentCount: photo.commentCount ?? 0, previews: photo.commentPreviews ?? [] };
}

/** Whether the Photo item's summary is what the shards say (and, where `truth` states it, each author's status). */
export function summaryMatches(photo: Photo, truth: CommentSummary): boolean {
  const stored = storedSummary(photo);
  const same = (a: CommentPreview, b: CommentPreview | undefined) =>
    b !== undefined && a.timestamp === b.timestamp && a.author === b.author && a.text === b.text && (b.authorOpen === undefined || a.authorOpen === b.authorOpen);
  return stored.commentCount === truth.commentCount && stored.previews.length === truth.previews.length && stored.previews.every((p, i) => same(p, truth.previews[i]));
}

/** The summary the count shards hold now: one consistent BatchGetItem of the 4 shards. */
export async function currentSummary(db: Db, photo: PhotoKey): Promise<CommentSummary> {
  return commentSummary(await batchGet(db, 'currentCommentSummary', commentCountKeys(photo), { consistent: true, sessionCheck: false }), photo);
}

/** Whether a User item's previews show to anyone on list pages: listable (not suspended, not departing) and not private. */
export const authorOpen = (item: RawItem | undefined): boolean => item !== undefined && listable(item) && item.private !== true;

/**
 * The previews with their authors' status now (`authorOpen`: listable and not private): one
 * consistent BatchGetItem of the (at most 2) authors' User items, worker work that spares every
 * list page the read. An author gone is not open.
 */
export async function withAuthorStatus(db: Db, summary: CommentSummary): Promise<CommentSummary> {
  const authors = [...new Set(summary.previews.map((p) => p.author))];
  if (authors.length === 0) return summary;
  const found = await batchGet(db, 'previewAuthors', authors.map((a) => keys.user(a)), { consistent: true, sessionCheck: false });
  const open = new Set(found.filter((item) => User.is(item) && authorOpen(item)).map((item) => String(item.username)));
  return { ...summary, previews: summary.previews.map((p) => ({ timestamp: p.timestamp, author: p.author, text: p.text, authorOpen: open.has(p.author) })) };
}

/**
 * Writes the shards' current summary, with its authors' status, on the Photo item: one UpdateItem, conditional on the photo
 * existing (a deleted or taken-down photo is never brought back) and on the summary differing
 * (a replay, or a second record of the same change, writes nothing and so causes no Photo
 * MODIFY). It writes the truth read just before, not a delta: applied again or late, it
 * converges. True when it wrote.
 */
export async function writeCommentSummary(db: Db, photo: PhotoKey, summary?: CommentSummary): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    // The previews as stored: each with its author's status (withAuthorStatus sets it on every one).
    const truth = await withAuthorStatus(db, attempt === 0 && summary !== undefined ? summary : await currentSummary(db, photo));
    try {
      return await conditional(db, 'writeCommentSummary', () =>
        db.doc.send(
          new UpdateCommand({
            TableName: db.table,
            Key: keys.photo(photo.username, photo.timestamp),
            UpdateExpression: 'SET commentCount = :n, commentPreviews = :p',
            ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(commentCount) OR commentCount <> :n OR commentPreviews <> :p)',
            ExpressionAttributeValues: { ':n': truth.commentCount, ':p': truth.previews },
          }),
        ),
      );
    } catch (error) {
      // Every comment post's transaction checks the Photo item: a plain write meeting one in
      // flight is refused, as a hot photo's will often be. Read the shards again and retry.
      if (!(error instanceof Error && error.name === 'TransactionConflictException') || attempt + 1 >= WRITE_ATTEMPTS) throw error;
      await backoff(attempt);
    }
  }
}

/**
 * After `author`'s status changed (suspended or restored, departing, private on or off): each
 * photo they commented on top-level gets its summary derived again, with their new status. The
 * photos come from their own comment index (`forEachCommentBy`, pages of 100, in photo order,
 * so each photo is met in one run and needs no set of those seen); a photo whose shards do not
 * preview them is left after that one read. It derives from the current state: a replay, or a
 * second change meanwhile, converges on the same summaries. How many summaries it wrote.
 */
export async function rederiveAuthorPreviews(db: Db, author: string): Promise<number> {
  let last = '';
  let written = 0;
  await forEachCommentBy(db, author, async (ref) => {
    const id = `${ref.photoOwner}#${ref.photoTimestamp}`;
    if (ref.parentTimestamp !== undefined || id === last) return;
    last = id;
    const photo = { username: ref.photoOwner, timestamp: ref.photoTimestamp };
    const summary = await currentSummary(db, photo);
    if (summary.previews.some((p) => p.author === author) && (await writeCommentSummary(db, photo, summary))) written += 1;
  });
  return written;
}
