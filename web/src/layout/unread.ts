/** The unread activity count behind the navigation's badge (the activity screen resets it when it marks all read). */
import { signal } from '@preact/signals';
import { getActivity } from '@quick-photos/client';
import { api } from '../session.js';

/** Unread activity, for the badge in the navigation. */
export const unread = signal(0);

/** Bumped when the activity is marked read: a count asked for before then is older and must not win. */
let unreadGeneration = 0;

/** Reads the unread count (the first item only); the navigation calls it on its poll and when the app comes back into view. */
export async function refreshUnread(): Promise<void> {
  const mine = unreadGeneration;
  const { data } = await getActivity({ client: api, query: { limit: 1 } });
  if (data && mine === unreadGeneration) unread.value = data.unreadCount;
}

/** Everything was marked read: the badge clears, and counts still on their way are dropped. */
export function markedRead(): void {
  unreadGeneration += 1;
  unread.value = 0;
}
