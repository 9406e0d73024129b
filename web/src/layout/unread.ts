/**
 * What the app hears live, from the user's event stream (GET /v1/me/events): the unread count
 * behind the navigation's badge, the home feed's "new posts" and the takedown banner. Nothing is polled.
 *
 * A browser's EventSource cannot send the Authorization header, so each connection opens with a
 * single-use ticket (POST /v1/me/events/ticket). For the same reason the browser's own retry
 * (which would present the used ticket again) is not relied on: on any error the app closes the
 * source and opens a new one with a new ticket, after a growing pause, giving the id of the last
 * event it heard so that the server replays what was missed meanwhile. A stream refused again
 * before it opens (a second failure in a row, right after the server issued its ticket) drops
 * its id (sealed by the server, so one from before a change of its secret or an upgrade is
 * refused), and the next connection starts afresh with the current counts instead of presenting
 * it forever.
 */
import { signal } from '@preact/signals';
import { createEventStreamTicket } from '@quick-photos/client';
import { api } from '../session.js';

/** Unread activity, for the badge in the navigation. */
export const unread = signal(0);

/** Photos posted by people I follow since the home feed last loaded. */
export const newPosts = signal(0);

/** Takedown notices heard live since the notices screen was last open: the frame's banner. */
export const newNotices = signal(0);

/** The notices screen is open: the banner goes. */
export function noticesSeen(): void {
  newNotices.value = 0;
}

/** Everything was marked read: the badge clears (the stream confirms it with its own count). */
export function markedRead(): void {
  unread.value = 0;
}

const MAX_PAUSE_MS = 30_000;

/** Opens the event stream and keeps it open until the returned function is called. */
export function connectEvents(): () => void {
  let source: EventSource | undefined;
  let stopped = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastEventId = '';

  const heard = (event: MessageEvent<string>) => {
    failures = 0;
    if (event.lastEventId) lastEventId = event.lastEventId;
  };
  const retry = () => {
    source?.close();
    source = undefined;
    if (stopped) return;
    failures += 1;
    timer = setTimeout(() => void open(), Math.min(MAX_PAUSE_MS, 500 * 2 ** Math.min(failures, 6)));
  };
  async function open(): Promise<void> {
    try {
      const { data } = await createEventStreamTicket({ client: api, body: {}, throwOnError: true });
      if (stopped) return;
      const query = new URLSearchParams({ ticket: data.ticket });
      if (lastEventId) query.set('lastEventId', lastEventId);
      const opened = new EventSource(`/v1/me/events?${query.toString()}`);
      source = opened;
      let open = false;
      opened.onopen = () => (open = true);
      // Refused twice in a row before opening (not a stream that dropped, nor one 503 of a restart): the id.
      opened.addEventListener('error', () => {
        if (!open && failures > 1) lastEventId = '';
      });
      opened.addEventListener('unread', (event: MessageEvent<string>) => {
        heard(event);
        unread.value = (JSON.parse(event.data) as { count: number }).count;
      });
      opened.addEventListener('activity', heard);
      opened.addEventListener('reset', (event: MessageEvent<string>) => {
        heard(event);
        const reset = JSON.parse(event.data) as { unreadCount: number; newPosts?: boolean };
        unread.value = reset.unreadCount;
        // Too many missed to replay one by one: the feed has some, so "new posts" offers the reload.
        if (reset.newPosts === true) newPosts.value += 1;
      });
      opened.addEventListener('post', (event: MessageEvent<string>) => {
        heard(event);
        newPosts.value += 1;
      });
      // Notices carry ids too: the next reconnect resumes after them.
      opened.addEventListener('notice', (event: MessageEvent<string>) => {
        heard(event);
        newNotices.value += 1;
      });
      opened.addEventListener('error', retry);
    } catch {
      retry();
    }
  }
  void open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}
