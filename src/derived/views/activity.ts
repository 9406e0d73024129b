/**
 * The activity view: "bob followed you", "alice reacted ❤ to your photo". One item per event
 * in the recipient's ACTIVITY#<user> partition, keyed by the event's own timestamp and actors
 * (so a replay rewrites the same item), removed again when the follow or reaction is undone,
 * and expired by TTL. A follow request is one too ("bob asked to follow you"), removed when it
 * is approved (the follow's own item follows), declined or cancelled. A block removes what
 * either side did in the other's activity (the follows and requests go with the block's own
 * transaction; reactions stay in the main table, so their items go here): the list already
 * hides them, and the unread count, a COUNT of keys, must not count them.
 *
 * Comments: "commented on your photo" (a top-level comment, to the photo's owner), "replied to
 * your comment" (a reply, to the comment's author), "liked your comment" (to the comment's or
 * reply's author), never for one's own; each removed with the comment, reply or like (its
 * deletion, takedown and every cascade are REMOVE records of it), dropped by a block by actor.
 */
import { isReactionType } from '../../schema/entities.js';
import type { RawItem } from '../../schema/entity.js';
import { classifySafetyKey, derivedKeys, derivedRanges, keys, parseKey, type ItemKey } from '../../schema/keys.js';
import { commentKey } from '../../schema/entities/index.js';
import type { DerivedView } from '../apply.js';
import type { Change } from '../records.js';
import { batchWrite, expiresIn, forEachKeyPageWhere } from '../store/index.js';
import { activityEvent } from './events.js';
import { following, type ActivitySink, type Requirement, type ViewContext } from './context.js';
import { mentionRequires } from './mentions.js';

/** What an activity item of `user` stands for: both users and the follow, request or reaction it tells of. */
export function activityRequires(user: string, item: RawItem): Requirement[] {
  const actor = String(item.actor);
  const needs = [
    { key: keys.user(actor), reason: `actor ${actor} does not exist` },
    { key: keys.user(user), reason: `user ${user} does not exist` },
  ];
  if (item.type === 'follow') needs.push(following(actor, user));
  if (item.type === 'request') needs.push({ key: keys.followRequest(user, actor), reason: `${actor}'s request to follow ${user} is gone` });
  if (item.type === 'mention') needs.push(mentionRequires(typeof item.photoOwner === 'string' ? item.photoOwner : actor, String(item.photoTimestamp)));
  if (item.type === 'comment' || item.type === 'reply' || item.type === 'comment-like') needs.push(...commentActivityRequires(item));
  const type = String(item.reactionType);
  if (item.type === 'reaction' && isReactionType(type)) {
    needs.push({ key: keys.reaction(actor, type, user, String(item.photoTimestamp)), reason: `the ${type} reaction of ${actor} is gone` });
  }
  return needs;
}

/** The comment, reply or like a comment activity item tells of. */
function commentActivityRequires(item: RawItem): Requirement[] {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const [photoOwner, photoTimestamp, timestamp, author] = [str(item.photoOwner), str(item.photoTimestamp), str(item.commentTimestamp), str(item.commentAuthor)];
  // An item naming no comment cannot be written (ActivityItem's key needs one): nothing to check.
  if (!photoOwner || !photoTimestamp || !timestamp || !author) return [];
  const comment = { photoOwner, photoTimestamp, timestamp, author, parentTimestamp: str(item.parentTimestamp), parentAuthor: str(item.parentAuthor) };
  if (item.type === 'comment-like') {
    return [{ key: keys.commentLike(String(item.actor), photoOwner, photoTimestamp, timestamp, author), reason: `${String(item.actor)}'s like of the comment is gone` }];
  }
  return [{ key: commentKey(comment), reason: `the ${String(item.type)} is gone` }];
}

/** The start of a comment's text an activity item keeps (a notification's line). */
const EXCERPT = 100;

/** The activity item a comment, reply or comment like yields (undefined: none, e.g. one's own). */
function commentActivity(change: Change, image: RawItem): (Record<string, unknown> & ItemKey) | undefined {
  const kind = parseKey(change.key)?.kind;
  if (kind !== 'comment' && kind !== 'commentLike') return undefined;
  const { photoOwner, photoTimestamp, timestamp, author, parentTimestamp, parentAuthor } = image;
  if (typeof photoOwner !== 'string' || typeof photoTimestamp !== 'string' || typeof timestamp !== 'string' || typeof author !== 'string') return undefined;
  const parent = typeof parentTimestamp === 'string' && typeof parentAuthor === 'string' ? { parentTimestamp, parentAuthor } : undefined;
  const about = { photoOwner, photoTimestamp, commentTimestamp: timestamp, commentAuthor: author, ...parent };
  if (kind === 'commentLike') {
    const { liker, likedAt } = image;
    if (typeof liker !== 'string' || typeof likedAt !== 'string' || liker === author) return undefined;
    return { ...derivedKeys.commentActivity(author, likedAt, 'comment-like', liker, photoOwner, photoTimestamp, timestamp), type: 'comment-like', actor: liker, at: likedAt, ...about };
  }
  const type = parent ? 'reply' : 'comment';
  const recipient = parent ? parent.parentAuthor : photoOwner;
  if (recipient === author) return undefined;
  const text = typeof image.text === 'string' ? image.text.slice(0, EXCERPT) : '';
  return { ...derivedKeys.commentActivity(recipient, timestamp, type, author, photoOwner, photoTimestamp, timestamp), type, actor: author, at: timestamp, text, ...about };
}

/** Where a new activity item goes instead of the derived table: the push view learns each one this way (views/push.ts). */
export type { ActivitySink } from './context.js';

export function activityView(ctx: ViewContext, sink?: ActivitySink): DerivedView {
  const { derived, settings } = ctx;
  // Every item is also an event for the recipient's open streams (whatever its kind): the log entry names it.
  const put = (item: Record<string, unknown> & ItemKey) =>
    sink
      ? sink(item)
      : batchWrite(derived, [{ put: { ...item, expiresAt: expiresIn(settings.activityTtlDays) } }, ...(ctx.events === false ? [] : [{ put: activityEvent(item) }])]);
  /** Query of the user's activity (bounded by its TTL) filtered to one actor, then their Deletes. */
  const dropActor = async (user: string, actor: string) => {
    const range = derivedRanges.activity(user);
    return forEachKeyPageWhere(
      derived,
      range,
      'actor',
      actor,
      async (items) => void (await batchWrite(derived, items.map((item) => ({ delete: { PK: String(item.PK), SK: String(item.SK) } })))),
    );
  };

  return {
    name: 'activity',
    async apply(change: Change): Promise<void> {
      const { kind, event } = change;
      const image = event === 'REMOVE' ? change.oldImage : change.newImage;
      if (!image || event === 'MODIFY') return;
      const safety = classifySafetyKey(change.key);
      if (safety?.kind === 'block') {
        if (event === 'INSERT') await Promise.all([dropActor(safety.blocker, safety.blocked), dropActor(safety.blocked, safety.blocker)]);
        return;
      }
      const fromComment = commentActivity(change, image);
      if (fromComment) {
        if (event === 'INSERT') await put(fromComment);
        else await batchWrite(derived, [{ delete: { PK: fromComment.PK, SK: fromComment.SK } }]);
        return;
      }
      const at = typeof image.timestamp === 'string' ? image.timestamp : undefined;
      if (!at) return;
      if (safety?.kind === 'follow-request') {
        const key = derivedKeys.requestActivity(safety.target, at, safety.requester);
        if (event === 'INSERT') await put({ ...key, type: 'request', actor: safety.requester, at });
        else await batchWrite(derived, [{ delete: key }]);
        return;
      }
      switch (kind.kind) {
        case 'friendship': {
          if (kind.follower === kind.followed) return;
          const key = derivedKeys.followActivity(kind.followed, at, kind.follower);
          if (event === 'INSERT') await put({ ...key, type: 'follow', actor: kind.follower, at });
          else await batchWrite(derived, [{ delete: key }]);
          return;
        }
        case 'reaction': {
          if (kind.reactingUser === kind.owner) return;
          const key = derivedKeys.reactionActivity(kind.owner, at, kind.reactingUser, kind.reactionType, kind.timestamp);
          if (event === 'INSERT') {
            await put({ ...key, type: 'reaction', actor: kind.reactingUser, at, reactionType: kind.reactionType, photoOwner: kind.owner, photoTimestamp: kind.timestamp });
          } else await batchWrite(derived, [{ delete: key }]);
          return;
        }
        default:
          return;
      }
    },
  };
}
