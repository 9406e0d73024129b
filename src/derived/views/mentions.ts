/**
 * Mention activity: "ann mentioned you", one item in the mentioned user's activity per mention
 * (`A#<at>#mention#<author>#<photoTimestamp>#<source>`), written when a text on a photo gains the
 * mention (a new photo's caption: at the photo's time; an edit: at the edit's time, kept in the photo item, so a
 * replay of the same record rewrites the same item) and deleted when an edit drops it or the
 * photo goes. Nobody is notified who does not exist (or whose account of the name was made
 * after the mention: a record applied late, its account deleted and the name taken again), is suspended or departing, stands on
 * either side of a block with the author, or may not see the photo (a private author they do
 * not follow) or, for a reply, the comment it answers: one BatchGetItem a text (`mentionAudience`). The activity read checks blocks and
 * the private author again, and a block written later removes the item (the activity view's).
 */
import { ActivityItem } from '../../schema/entities/index.js';
import { derivedRanges, isMentionActivityOf, keys } from '../../schema/keys.js';
import { distinctMentions } from '../../schema/text-entities.js';
import { mentionAudience } from '../../patterns/mentions.js';
import type { DerivedView } from '../apply.js';
import type { Change } from '../records.js';
import { batchWrite, expiresIn, forEachKeyPageWhere } from '../store/index.js';
import type { ActivitySink, Requirement, ViewContext } from './context.js';
import { activityEvent } from './events.js';
import { textOf, type PhotoText } from './texts.js';

/**
 * The main-table operation this view adds to the worker's (deploy/ WorkerPolicy, checked by
 * test/iam-policy.test.ts against what src/derived names): `mentionAudience`'s one read.
 */
export const MENTION_AUDIENCE_OPERATION = 'BatchGetItem';

/** What a mention item stands for: the photo the text is on. */
export const mentionRequires = (photoOwner: string, photoTimestamp: string): Requirement => ({
  key: keys.photo(photoOwner, photoTimestamp),
  reason: `photo ${photoOwner}/${photoTimestamp} does not exist`,
});

/** With a `sink`, the new mention items go there instead (the push view's use), and nothing is removed. */
export function mentionView(ctx: ViewContext, sink?: ActivitySink): DerivedView {
  const { db, derived, settings } = ctx;

  /** The user's mention item of this text, whenever it was made: Query of their activity (bounded by its TTL) filtered to the photo. */
  async function unmention(user: string, text: PhotoText): Promise<void> {
    await forEachKeyPageWhere(derived, derivedRanges.activity(user), 'photoTimestamp', text.photoTimestamp, async (items) => {
      const mine = items.filter((item) => isMentionActivityOf(String(item.SK), text.author, text.photoTimestamp, text.source));
      await batchWrite(derived, mine.map((item) => ({ delete: { PK: String(item.PK), SK: String(item.SK) } })));
    });
  }

  return {
    name: 'mentions',
    async apply(change: Change): Promise<void> {
      const texts = textOf(change);
      if (!texts) return;
      const author = (texts.after ?? texts.before)!.author;
      const before = distinctMentions(texts.before?.text).filter((n) => n !== author);
      const after = distinctMentions(texts.after?.text).filter((n) => n !== author);
      if (texts.before && texts.after && before.join('\n') === after.join('\n')) return;
      if (texts.before && !sink) for (const name of before.filter((n) => !after.includes(n))) await unmention(name, texts.before);
      const added = texts.after ? after.filter((n) => !before.includes(n)) : [];
      if (added.length === 0 || !texts.after) return;
      const text = texts.after;
      const at = text.at;
      const audience = await mentionAudience(db, { author, names: added, photoOwner: text.photoOwner, parentAuthor: text.parentAuthor, at });
      const items = audience.map((user) =>
        ActivityItem.encode({ user, type: 'mention', actor: author, at, photoOwner: text.photoOwner, photoTimestamp: text.photoTimestamp, source: text.source }),
      );
      if (sink) {
        for (const item of items) await sink(item);
        return;
      }
      // Like every activity item, each is also an event for the recipient's open streams.
      await batchWrite(
        derived,
        items.flatMap((item) => [{ put: { ...item, expiresAt: expiresIn(settings.activityTtlDays) } }, ...(ctx.events === false ? [] : [{ put: activityEvent(item) }])]),
      );
    },
  };
}
