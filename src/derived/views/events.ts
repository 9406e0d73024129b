/**
 * The events view: appends each user-visible event to the event log the API instances tail
 * (src/derived/store/events.ts, src/http/events/). Activity items log themselves as the activity
 * view writes them (`activityEvent`, whatever their kind); this view adds what has no item of its
 * own in the recipient's partition: a new photo (one entry per photo, under its author: each
 * instance asks which of its own connected users follow the author), a takedown notice, and a
 * change to a user's sessions (log-out, suspension), which ends that user's open streams.
 */
import type { RawItem } from '../../schema/entity.js';
import { classifyDerivedKey, parseKey, type ItemKey } from '../../schema/keys.js';
import type { DerivedView } from '../apply.js';
import type { Change } from '../records.js';
import { appendEvents, eventLogItem } from '../store/index.js';
import type { ViewContext } from './context.js';

/** The log entry announcing an activity item to its recipient's streams. */
export function activityEvent(item: ItemKey): RawItem {
  const kind = classifyDerivedKey(item);
  if (kind.kind !== 'activity') throw new Error(`not an activity item: ${item.PK} / ${item.SK}`);
  return eventLogItem(kind.user, 'activity', item.SK);
}

const sessionsChanged = (before: RawItem | undefined, after: RawItem | undefined): boolean =>
  before?.sessionsValidAfter !== after?.sessionsValidAfter || JSON.stringify(before?.revokedSessions ?? null) !== JSON.stringify(after?.revokedSessions ?? null);

export function eventsView(ctx: ViewContext): DerivedView {
  const { derived } = ctx;
  return {
    name: 'events',
    async apply(change: Change): Promise<void> {
      const { kind, event } = change;
      if (ctx.events === false) return;
      if (kind.kind === 'photo') {
        if (event === 'INSERT') await appendEvents(derived, [eventLogItem(kind.username, 'post', kind.timestamp)]);
        return;
      }
      if (kind.kind === 'user') {
        if (event === 'MODIFY' && sessionsChanged(change.oldImage, change.newImage)) await appendEvents(derived, [eventLogItem(kind.username, 'session')]);
        return;
      }
      const parsed = event === 'INSERT' ? parseKey(change.key) : undefined;
      if (parsed?.kind === 'notice') await appendEvents(derived, [eventLogItem(parsed.parts.owner!, 'notice', parsed.parts.photoId)]);
    },
  };
}
