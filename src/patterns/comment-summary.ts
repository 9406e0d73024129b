/**
 * The comment summary list pages show (the count and up to 2 previews), kept on the Photo item
 * itself: the feed, a user's photos, a tag page and Explore read it in the BatchGetItem (or
 * Query) that already brings the photo, no request and no key more. The count shards stay the
 * truth (exact at every commit); the comment-summary view copies them here after each change,
 * so a list page follows them by the worker's lag (seconds). The photo detail reads the shards.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Photo } from '../schema/entities/index.js';
import { keys } from '../schema/keys.js';
import { commentCountKeys, commentSummary, type CommentPreview, type CommentSummary } from './comment-counts.js';
import { backoff } from '../backoff.js';
import { batchGet, conditional, type Db } from './db.js';
import type { PhotoKey } from './viewer.js';

/** Tries of the summary's write against comment posts' transactions on the photo (a hot photo's). */
const WRITE_ATTEMPTS = 10;

/** The summary a Photo item carries (none written yet: no comment). */
export function storedSummary(photo: Photo): CommentSummary {
  return { commentCount: photo.commentCount ?? 0, previews: photo.commentPreviews ?? [] };
}

/** Whether the Photo item's summary is what the shards say. */
export function summaryMatches(photo: Photo, truth: CommentSummary): boolean {
  const stored = storedSummary(photo);
  const same = (a: CommentPreview, b: CommentPreview | undefined) => b !== undefined && a.timestamp === b.timestamp && a.author === b.author && a.text === b.text;
  return stored.commentCount === truth.commentCount && stored.previews.length === truth.previews.length && stored.previews.every((p, i) => same(p, truth.previews[i]));
}

/** The summary the count shards hold now: one consistent BatchGetItem of the 4 shards. */
export async function currentSummary(db: Db, photo: PhotoKey): Promise<CommentSummary> {
  return commentSummary(await batchGet(db, 'currentCommentSummary', commentCountKeys(photo), { consistent: true, sessionCheck: false }), photo);
}

/**
 * Writes the shards' current summary on the Photo item: one UpdateItem, conditional on the photo
 * existing (a deleted or taken-down photo is never brought back) and on the summary differing
 * (a replay, or a second record of the same change, writes nothing and so causes no Photo
 * MODIFY). It writes the truth read just before, not a delta: applied again or late, it
 * converges. True when it wrote.
 */
export async function writeCommentSummary(db: Db, photo: PhotoKey, summary?: CommentSummary): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const truth = attempt === 0 && summary !== undefined ? summary : await currentSummary(db, photo);
    const previews = truth.previews.map((p) => ({ timestamp: p.timestamp, author: p.author, text: p.text }));
    try {
      return await conditional(db, 'writeCommentSummary', () =>
        db.doc.send(
          new UpdateCommand({
            TableName: db.table,
            Key: keys.photo(photo.username, photo.timestamp),
            UpdateExpression: 'SET commentCount = :n, commentPreviews = :p',
            ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(commentCount) OR commentCount <> :n OR commentPreviews <> :p)',
            ExpressionAttributeValues: { ':n': truth.commentCount, ':p': previews },
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
