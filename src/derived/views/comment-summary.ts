/**
 * The photo's comment summary for list pages (src/patterns/comment-summary.ts): on any change
 * to one of its count shards (every post, delete, takedown and cascade of a comment or reply
 * updates one, and the previews live on them), read the 4 shards with a consistent read and
 * SET `commentCount` and `commentPreviews` on the Photo item. It writes the truth, not a delta,
 * and only when it differs: a replay or a re-delivery writes nothing more, records applied late
 * converge, and a photo gone (deleted, taken down, its account deleted) is never written back.
 * Each preview carries its author's status (open: listable and not private); on a User MODIFY
 * that changes it (suspension or its lifting, departure, private on or off) the summaries of
 * the photos the author commented on are derived again (`rederiveAuthorPreviews`). List pages
 * follow such a change by the worker's lag, except where the page read the author live.
 *
 * The Photo MODIFY it causes is like a reaction's counter update: no view acts on it (the feed,
 * Explore, events and people act on INSERT and REMOVE; tags and mentions diff the caption,
 * unchanged here), and this view reads only shard records, so there is no loop.
 */
import { authorOpen, rederiveAuthorPreviews, writeCommentSummary } from '../../patterns/comment-summary.js';
import { parseKey } from '../../schema/keys.js';
import type { ApplyProgress, DerivedView } from '../apply.js';
import type { Change } from '../records.js';
import type { ViewContext } from './context.js';

export function commentSummaryView(ctx: ViewContext): DerivedView {
  return {
    name: 'comment-summary',
    async apply(change: Change, progress?: ApplyProgress): Promise<void> {
      const kind = parseKey(change.key)?.kind;
      if (kind === 'user' && change.event === 'MODIFY') {
        const username = change.newImage?.username;
        if (typeof username !== 'string' || authorOpen(change.oldImage) === authorOpen(change.newImage)) return;
        // A prolific author's photos take a while: each write derives from the current state, so
        // records of other keys (a comment on one of those photos) may go meanwhile.
        progress?.detach();
        await rederiveAuthorPreviews(ctx.db, username);
        return;
      }
      if (kind !== 'commentCount') return;
      const image = change.newImage ?? change.oldImage;
      const owner = image?.photoOwner;
      const timestamp = image?.photoTimestamp;
      if (typeof owner !== 'string' || typeof timestamp !== 'string') return;
      await writeCommentSummary(ctx.db, { username: owner, timestamp });
    },
  };
}
