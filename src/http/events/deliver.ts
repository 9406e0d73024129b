/**
 * One delivery to one event stream: what it is owed at open, on a wake-up, or on a reconnect
 * (its sources after its positions, merged: replay.ts), then the posts heard live meanwhile.
 * The hub (hub.ts) runs one at a time per connection.
 */
import type { EventsConfig } from '../../config/index.js';
import { actingAs, type ActingSession } from '../../patterns/acting.js';
import {
  ACTIVITY_PAGE_MAX,
  getActivity,
  noticesAfter,
  postsAfter,
  visiblePosts,
  type ActivityItem,
  type Db,
  type MissedPost,
} from '../../patterns/index.js';
import { photoId } from '../../schema/ids.js';
import { canonicalTimestamp } from '../../schema/timestamps.js';
import { encodeEventId, mergeMissed, positionsAt, tell, untold, type Positions } from './replay.js';
import type { SseStream } from './sse.js';

/** What a delivery reads: the opening count, or a source after its position. */
export type Need = 'open' | 'activity' | 'feed' | 'notice';

export interface EventConnection {
  user: string;
  session: ActingSession;
  stream: SseStream;
  /** How this client sees an activity item (its media URLs are signed for it). */
  view: (item: ActivityItem) => unknown;
  /** Where the client stands in each source: every event sent carries them as its id. */
  positions: Positions;
  /** The delivery in progress; a wake-up meanwhile adds to `pending`, read once more after it. */
  running?: Promise<void> | undefined;
  pending?: Set<Need>;
  /** Posts heard from the log, waiting for the delivery in progress. */
  live?: MissedPost[];
  /**
   * On a reconnect: the posts the instance's log reader handled in its look-back before this
   * stream was there to hear them (one whose fan-out to the reader is still under way is not in
   * the feed the replay reads). The replay judges them with the feed's own.
   */
  heard?: MissedPost[];
}

/** Posts heard before a reconnect that its replay judges, per event the replay may owe (`catchUpMax`). */
export const HEARD_JUDGED_PER_BOUND = 4;

export class Delivery {
  constructor(private readonly deps: { db: Db; config: EventsConfig }) {}

  /** The id an event carries: the positions after it, sealed for this user's stream with the list cursors' codec. */
  private idOf(connection: EventConnection, positions: Positions): string {
    return encodeEventId(this.deps.db.cursors, connection.user, positions);
  }

  /**
   * `open`: the unread count, and the activity position at the newest item (the feed and notice
   * positions start at the time the stream opened). Otherwise each source asked for, after its
   * position (the activity oldest first, with the unread count after it), merged in time order;
   * more than `catchUpMax` in all is `reset`. Then the posts heard live meanwhile.
   */
  async deliver(connection: EventConnection, needs: Set<Need>): Promise<void> {
    const { stream } = connection;
    if (needs.has('open')) {
      const newest = await this.readActivity(connection, { limit: 1 });
      connection.positions.activity = newest.items[0]?.key ?? connection.positions.activity;
      // With an id: a client dropped before any other event resumes from here, not from its reconnect.
      stream.send('unread', { count: newest.unreadCount }, this.idOf(connection, connection.positions));
    } else if (needs.size > 0) {
      await this.replay(connection, needs);
    }
    this.sendLivePosts(connection);
  }

  private readActivity(connection: EventConnection, page: Parameters<typeof getActivity>[2]) {
    return actingAs(connection.session, () => getActivity(this.deps.db, connection.user, page));
  }

  /** The sources in `needs` after the client's positions (at most `catchUpMax` + 1 events read from each). */
  private async replay(connection: EventConnection, needs: Set<Need>): Promise<void> {
    const { db, config } = this.deps;
    const { stream, positions, session, user } = connection;
    const bound = config.catchUpMax;
    const [activity, posts, notices] = await Promise.all([
      needs.has('activity') ? this.missedActivity(connection, bound + 1) : undefined,
      needs.has('feed') ? actingAs(session, () => postsAfter(db, user, positions.feed, bound + 1)) : [],
      needs.has('notice') ? actingAs(session, () => noticesAfter(db, user, positions.notice, bound + 1)) : [],
    ]);
    if (!stream.isOpen) return;
    // Heard before this stream was here, not (yet) in the feed read: judged in the same read as the feed's posts.
    const inFeed = new Set(posts.map((p) => p.position));
    // Every author's posts of the look-back, not only followed ones: the newest few are judged, so a
    // reconnect's read stays bounded however fast people post (an older one the fan-out has not
    // brought yet is left to the feed's next load).
    const heard = needs.has('feed')
      ? (connection.heard ?? [])
          .filter((p) => p.author !== user && !inFeed.has(p.position) && untold(positions, p.position))
          .sort((a, b) => (a.position < b.position ? 1 : a.position > b.position ? -1 : 0))
          .slice(0, HEARD_JUDGED_PER_BOUND * bound)
      : [];
    if (needs.has('feed')) connection.heard = undefined;
    const others = (activity?.items.length ?? 0) + notices.length;
    if (others + posts.length > bound) return this.reset(connection, posts.length > 0);
    const candidates = [...posts, ...heard].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    const visible = await actingAs(session, () => visiblePosts(db, user, candidates));
    if (!stream.isOpen) return;
    const fromHeard = visible.filter((p) => !inFeed.has(p.position)).length;
    if (others + posts.length + fromHeard > bound) return this.reset(connection, true);
    for (const missed of mergeMissed(activity?.items ?? [], visible, notices)) {
      if (missed.source === 'activity') {
        positions.activity = missed.item.key;
        stream.send('activity', connection.view(missed.item), this.idOf(connection, positions));
      } else if (missed.source === 'feed') {
        this.announce(connection, missed.post);
      } else {
        positions.notice = missed.notice.position;
        const { photoId: id, commentId } = missed.notice;
        stream.send('notice', { type: 'takedown', photoId: id, ...(commentId === undefined ? {} : { commentId }) }, this.idOf(connection, positions));
      }
    }
    // Posts no longer visible are passed over too: the next reconnect does not read them again.
    const lastPost = posts.at(-1)?.position;
    if (lastPost !== undefined && lastPost > positions.feed) positions.feed = lastPost;
    if (activity) stream.send('unread', { count: activity.unreadCount });
  }

  /** The activity items after the position, oldest first, until more than `max` or none are left. */
  private async missedActivity(connection: EventConnection, max: number): Promise<{ items: ActivityItem[]; unreadCount: number }> {
    const after = connection.positions.activity;
    const items: ActivityItem[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.readActivity(connection, { after, limit: ACTIVITY_PAGE_MAX, cursor });
      items.push(...page.items);
      if (page.nextCursor === undefined || items.length >= max || !connection.stream.isOpen) return { items, unreadCount: page.unreadCount };
      cursor = page.nextCursor;
    }
  }

  /** Too much missed to replay: the client reloads its lists (`newPosts`: its feed has some) and carries on from now. */
  private async reset(connection: EventConnection, newPosts: boolean): Promise<void> {
    const newest = await this.readActivity(connection, { limit: 1 });
    const { positions } = connection;
    const now = positionsAt(connection.user, canonicalTimestamp(), newest.items[0]?.key ?? positions.activity);
    // Never back: a live post may already stand after `now` (another instance's clock).
    const feed = now.feed > positions.feed ? now.feed : positions.feed;
    // The client reloads its feed: it has every post up to here.
    connection.positions = { activity: now.activity, feed, notice: now.notice > positions.notice ? now.notice : positions.notice, floor: feed, told: [] };
    connection.stream.send('reset', { unreadCount: newest.unreadCount, newPosts }, this.idOf(connection, connection.positions));
  }

  /**
   * The posts heard live since the last delivery that the client was not told of: not only
   * those after its newest (the log's look-back reaches before a reconnect, and posts reach the
   * log out of feed order).
   */
  private sendLivePosts(connection: EventConnection): void {
    const live = connection.live ?? [];
    connection.live = [];
    for (const post of live) if (untold(connection.positions, post.position)) this.announce(connection, post);
  }

  private announce(connection: EventConnection, post: MissedPost): void {
    tell(connection.positions, post.position);
    connection.stream.send('post', { author: post.author, photoId: photoId(post.author, post.timestamp) }, this.idOf(connection, connection.positions));
  }
}
