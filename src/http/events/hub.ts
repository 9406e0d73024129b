/**
 * This instance's open event streams and the one reader of the event log that feeds them.
 *
 * Every `pollMs` (only while a stream is open) the hub reads each shard of the log
 * (src/derived/store/events.ts) once, from a little before its previous read (`lookbackMs`,
 * for entries a worker logged with a slightly older clock or a slow write), skipping entries it
 * has already seen. The cost is one Query per shard per poll, whatever the number of
 * connections; the log entry is only a wake-up: what a stream sends is read at delivery time
 * from the source, as the user's session, so blocks, private accounts and suspensions are
 * judged then (the activity list's own rules), and the same read serves a reconnect that gives
 * Last-Event-ID. A new post is announced from the log at once (the reader's feed entry may
 * still be on its way through the fan-out), after the same follow check a replay makes.
 * A reconnect also replays the posts and notices it missed (replay.ts). One delivery per
 * connection at a time, so events leave in order and once.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { EventsConfig } from '../../config.js';
import { RetryLaterError, isDomainError } from '../../errors.js';
import { actingAs, type ActingSession } from '../../patterns/acting.js';
import {
  ACTIVITY_PAGE_MAX,
  getActivity,
  noticesAfter,
  postsAfter,
  readersFollowing,
  visiblePosts,
  type ActivityItem,
  type Db,
  type MissedPost,
} from '../../patterns/index.js';
import { assertSessionLive } from '../../patterns/session-check.js';
import type { EventLogEntry } from '../../schema/entities/index.js';
import { photoId } from '../../schema/ids.js';
import { EVENT_LOG_SHARDS, eventLogMinute, feedPosition } from '../../schema/keys.js';
import { canonicalTimestamp } from '../../schema/timestamps.js';
import { readEventLog } from '../../derived/store/index.js';
import { encodeEventId, mergeMissed, positionsAt, type Positions } from './replay.js';
import type { CloseReason, SseStream } from './sse.js';

/** What a delivery reads: the opening count, or a source after its position. */
type Need = 'open' | 'activity' | 'feed' | 'notice';

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
  /** Feed positions of the posts announced lately (at most `catchUpMax`): a post both replayed and heard live leaves once. */
  announced?: Set<string>;
  /**
   * The feed position the client stood at when it connected (or was reset): a post at or before
   * it heard live (the log's look-back reaches before a reconnect) was told already or is in
   * the feed the client loads, and is not sent again.
   */
  floor?: string;
}

export interface HubDeps {
  db: Db;
  derived: Db;
  config: EventsConfig;
  logger?: FastifyBaseLogger | undefined;
}

export { decodeEventId, encodeEventId } from './replay.js';

export class EventHub {
  private readonly byUser = new Map<string, Set<EventConnection>>();
  private total = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Log entries already handled, by key, until they fall out of the look-back. */
  private readonly seen = new Map<string, string>();
  private lastRead = new Date().toISOString();

  constructor(private readonly deps: HubDeps) {}

  get connections(): number {
    return this.total;
  }

  /** Refuses one more stream past the bounds (429 with a code), else counts it until `release`. */
  admit(user: string): void {
    const { config } = this.deps;
    if (this.stopped) throw new RetryLaterError('unavailable', 'SHUTTING_DOWN', 'This instance is shutting down; reconnect.', 1);
    if ((this.byUser.get(user)?.size ?? 0) >= config.perUser) {
      throw new RetryLaterError('busy', 'EVENT_STREAMS_PER_USER', `At most ${config.perUser} event streams per user are open at once; close one first.`, 5);
    }
    if (this.total >= config.maxConnections) throw new RetryLaterError('busy', 'EVENT_STREAMS_BUSY', 'Too many event streams are open on this server; retry shortly.', 5);
  }

  /** Registers an open stream and sends what it is owed first: what it missed after its positions, or the unread count. */
  add(connection: EventConnection, resume: boolean): void {
    let mine = this.byUser.get(connection.user);
    if (!mine) this.byUser.set(connection.user, (mine = new Set()));
    mine.add(connection);
    connection.floor = connection.positions.feed;
    this.total += 1;
    if (this.total === 1) this.schedule();
    void this.run(connection, resume ? ['activity', 'feed', 'notice'] : ['open']);
  }

  remove(connection: EventConnection): void {
    const mine = this.byUser.get(connection.user);
    if (!mine?.delete(connection)) return;
    this.total -= 1;
    if (mine.size === 0) this.byUser.delete(connection.user);
  }

  /** Ends every stream (they reconnect elsewhere and resume) and stops reading the log. */
  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const mine of [...this.byUser.values()]) for (const connection of [...mine]) connection.stream.end('shutdown');
  }

  private schedule(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.total === 0) {
        // Nobody listens: the next stream starts from its own read of the sources.
        this.lastRead = new Date().toISOString();
        return;
      }
      this.poll()
        .catch((error: unknown) => this.deps.logger?.warn({ err: error }, 'event log not read'))
        .finally(() => this.schedule());
    }, this.deps.config.pollMs);
    this.timer.unref();
  }

  /** One read of every shard of the log since the last read (less the look-back), then the wake-ups. */
  async poll(): Promise<void> {
    const { derived, config } = this.deps;
    const startedAt = new Date().toISOString();
    const from = new Date(Date.parse(this.lastRead) - config.lookbackMs).toISOString();
    const minutes = [...new Set([eventLogMinute(from), eventLogMinute(startedAt)])];
    const reads: Promise<EventLogEntry[]>[] = [];
    for (let shard = 0; shard < EVENT_LOG_SHARDS; shard++) for (const minute of minutes) reads.push(readEventLog(derived, minute, shard, from));
    const entries = (await Promise.all(reads)).flat();
    this.lastRead = startedAt;
    for (const [key, at] of this.seen) if (at <= from) this.seen.delete(key);
    const fresh = entries.filter((entry) => {
      const key = `${entry.at}#${entry.user}#${entry.id}`;
      if (this.seen.has(key)) return false;
      this.seen.set(key, entry.at);
      return true;
    });
    fresh.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    await this.dispatch(fresh);
  }

  private async dispatch(entries: EventLogEntry[]): Promise<void> {
    const posts = new Map<string, string[]>();
    const work: Promise<unknown>[] = [];
    for (const entry of entries) {
      if (entry.type === 'post') {
        if (entry.ref !== undefined) posts.set(entry.user, [...(posts.get(entry.user) ?? []), entry.ref]);
        continue;
      }
      const mine = this.byUser.get(entry.user);
      if (!mine) continue;
      for (const connection of mine) {
        if (entry.type === 'activity' || entry.type === 'read') work.push(this.run(connection, ['activity']));
        else if (entry.type === 'notice') work.push(this.run(connection, ['notice']));
        else work.push(this.recheckSession(connection));
      }
    }
    if (posts.size > 0) work.push(this.deliverPosts(posts));
    await Promise.all(work);
  }

  /** A followed author posted: one BatchGetItem per author for every user connected here tells who follows them, and whether the photo is still there. */
  private async deliverPosts(posts: Map<string, string[]>): Promise<void> {
    const readers = [...this.byUser.keys()];
    const work: Promise<void>[] = [];
    for (const [author, timestamps] of posts) {
      const following = await readersFollowing(this.deps.db, author, readers, timestamps);
      for (const reader of following.readers) {
        for (const connection of this.byUser.get(reader) ?? []) {
          connection.live = [...(connection.live ?? []), ...following.timestamps.map((timestamp) => ({ author, timestamp, position: feedPosition(author, timestamp) }))];
          work.push(this.run(connection, []));
        }
      }
    }
    await Promise.all(work);
  }

  private async recheckSession(connection: EventConnection): Promise<void> {
    try {
      await assertSessionLive(this.deps.db, connection.session);
    } catch (error) {
      this.fail(connection, error);
    }
  }

  /** Runs one delivery for the connection at a time; what a wake-up meanwhile asks for is read once more after it. */
  private run(connection: EventConnection, needs: Need[]): Promise<void> {
    const pending = (connection.pending ??= new Set());
    for (const need of needs) pending.add(need);
    if (connection.running) return connection.running;
    const loop = async () => {
      // Never ends before `running` is set below: the `finally` clears it once nothing is left to do.
      await Promise.resolve();
      try {
        while (connection.stream.isOpen && (pending.size > 0 || (connection.live?.length ?? 0) > 0)) {
          const now = new Set(pending);
          pending.clear();
          await this.deliver(connection, now);
        }
      } catch (error) {
        this.fail(connection, error);
      } finally {
        connection.running = undefined;
      }
    };
    connection.running = loop();
    return connection.running;
  }

  private fail(connection: EventConnection, error: unknown): void {
    const reason: CloseReason = isDomainError(error) && error.kind === 'unauthorized' ? 'session' : 'error';
    if (reason === 'error') this.deps.logger?.warn({ err: error, user: connection.user }, 'event stream delivery failed; the client resumes on reconnect');
    connection.stream.end(reason);
  }

  /**
   * `open`: the unread count, and the activity position at the newest item (the feed and notice
   * positions start at the time the stream opened). Otherwise each source asked for, after its
   * position (the activity oldest first, with the unread count after it), merged in time order;
   * more than `catchUpMax` in all is `reset`. Then the posts heard live meanwhile.
   */
  private async deliver(connection: EventConnection, needs: Set<Need>): Promise<void> {
    const { stream } = connection;
    if (needs.has('open')) {
      const newest = await this.readActivity(connection, { limit: 1 });
      connection.positions.activity = newest.items[0]?.key ?? connection.positions.activity;
      stream.send('unread', { count: newest.unreadCount });
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
    if ((activity?.items.length ?? 0) + posts.length + notices.length > bound) return this.reset(connection);
    const visible = await actingAs(session, () => visiblePosts(db, user, posts));
    if (!stream.isOpen) return;
    for (const missed of mergeMissed(activity?.items ?? [], visible, notices)) {
      if (missed.source === 'activity') {
        positions.activity = missed.item.key;
        stream.send('activity', connection.view(missed.item), encodeEventId(positions));
      } else if (missed.source === 'feed') {
        this.announce(connection, missed.post);
      } else {
        positions.notice = missed.notice.position;
        const { photoId: id, commentId } = missed.notice;
        stream.send('notice', { type: 'takedown', photoId: id, ...(commentId === undefined ? {} : { commentId }) }, encodeEventId(positions));
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

  /** Too much missed to replay: the client reloads its lists and carries on from now. */
  private async reset(connection: EventConnection): Promise<void> {
    const newest = await this.readActivity(connection, { limit: 1 });
    const { positions } = connection;
    const now = positionsAt(connection.user, canonicalTimestamp(), newest.items[0]?.key ?? positions.activity);
    // Never back: a live post may already stand after `now` (another instance's clock).
    connection.positions = { activity: now.activity, feed: now.feed > positions.feed ? now.feed : positions.feed, notice: now.notice > positions.notice ? now.notice : positions.notice };
    connection.floor = connection.positions.feed;
    connection.stream.send('reset', { unreadCount: newest.unreadCount }, encodeEventId(connection.positions));
  }

  /** The posts heard live since the last delivery, less those a replay already announced. */
  private sendLivePosts(connection: EventConnection): void {
    const live = connection.live ?? [];
    connection.live = [];
    for (const post of live) if (post.position > (connection.floor ?? '') && !connection.announced?.has(post.position)) this.announce(connection, post);
  }

  private announce(connection: EventConnection, post: MissedPost): void {
    const announced = (connection.announced ??= new Set());
    announced.add(post.position);
    // Insertion order: the oldest announcement leaves first.
    if (announced.size > this.deps.config.catchUpMax) announced.delete(announced.values().next().value!);
    if (post.position > connection.positions.feed) connection.positions.feed = post.position;
    connection.stream.send('post', { author: post.author, photoId: photoId(post.author, post.timestamp) }, encodeEventId(connection.positions));
  }
}
