/**
 * The activity view: "bob followed you", "alice reacted ❤ to your photo". One item per event
 * in the recipient's ACTIVITY#<user> partition, keyed by the event's own timestamp and actors
 * (so a replay rewrites the same item), removed again when the follow or reaction is undone,
 * and expired by TTL. A follow request is one too ("bob asked to follow you"), removed when it
 * is approved (the follow's own item follows), declined or cancelled.
 */
import { classifySafetyKey, derivedKeys } from '../../schema/keys.js';
import type { DerivedView } from '../consumer.js';
import type { Change } from '../records.js';
import { batchWrite, expiresIn } from '../store.js';
import type { ViewContext } from './context.js';

export function activityView(ctx: ViewContext): DerivedView {
  const { derived, settings } = ctx;
  const put = (item: Record<string, unknown>) => batchWrite(derived, [{ put: { ...item, expiresAt: expiresIn(settings.activityTtlDays) } }]);

  return {
    name: 'activity',
    async apply(change: Change): Promise<void> {
      const { kind, event } = change;
      const image = event === 'REMOVE' ? change.oldImage : change.newImage;
      if (!image || event === 'MODIFY') return;
      const at = typeof image.timestamp === 'string' ? image.timestamp : undefined;
      if (!at) return;
      const safety = classifySafetyKey(change.key);
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
