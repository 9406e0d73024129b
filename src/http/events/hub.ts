/**
 * This instance's open event streams and the one reader of the event log that feeds them.
 *
 * Every `pollMs` (only while a stream is open) the hub reads each shard of the log
 * (src/derived/store/events.ts) once, from a little before its previous read (`lookbackMs`,
 * for entries a worker logged with a slightly older clock or a slow write), skipping entries it
 * has already seen. The cost is one Query per shard and minute read per poll, whatever the
 * number of connections; the log entry is only a wake-up: what a stream sends is read at delivery time
 * from the source, as the user's session, so blocks, private accounts and suspensions are
 * judged then (the activity list's own rules), and the same read serves a reconnect that gives
 * Last-Event-ID. A new post is announced from the log at once (the reader's feed entry may
 * still be on its way through the fan-out), after the same follow check a replay makes.
 * A reconnect also replays the posts and notices it missed (replay.ts), and is handed the posts
 * this instance read from the log in its look-back before the stream was here (their fan-out
 * to the reader may still be under way, so the feed the replay reads may lack them). One delivery per
 * connection at a time, so events leave in order and once.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { EventsConfig } from '../../config/index.js';
import { RetryLaterError, isDomainError } from '../../errors.js';
import { readersFollowing, type Db, type MissedPost } from '../../patterns/index.js';
import { assertSessionLive } from '../../patterns/session-check.js';
import type { EventLogEntry } from '../../schema/entities/index.js';
import { EVENT_LOG_SHARDS, eventLogMinutes, feedPosition } from '../../schema/keys.js';
import { readEventLog } from '../../derived/store/index.js';
import { Delivery, type EventConnection, type Need } from './deliver.js';
import type { CloseReason } from './sse.js';

export interface HubDeps {
  db: Db;
  derived: Db;
  config: EventsConfig;
  logger?: FastifyBaseLogger | undefined;
}

export { decodeEventId, encodeEventId } from './replay.js';
export type { EventConnection } from './deliver.js';

export class EventHub {
  private readonly byUser = new Map<string, Set<EventConnection>>();
  private total = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Log entries already handled, by key, until they fall out of the look-back. */
  private readonly seen = new Map<string, EventLogEntry>();
  private lastRead = new Date().toISOString();

  private readonly delivery: Delivery;

  constructor(private readonly deps: HubDeps) {
    this.delivery = new Delivery(deps);
  }

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
    // Judged by the replay as the feed's posts are (follow, author, photo): no request of their own.
    if (resume) connection.heard = this.heardPosts();
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
    // The newest minute first, its shards together, then the one before: a worker logs a user's
    // entries one after another, so an entry this read finds in a newer minute was written after
    // the older ones had landed, and the older minute's read, which starts later, finds them too.
    // Read side by side, the older minute's read could pass before an entry landed there and the
    // newer one's find the entry logged after it: the two would leave out of order.
    const entries: EventLogEntry[] = [];
    for (const minute of eventLogMinutes(from, startedAt)) {
      const reads: Promise<EventLogEntry[]>[] = [];
      for (let shard = 0; shard < EVENT_LOG_SHARDS; shard++) reads.push(readEventLog(derived, minute, shard, from));
      for (const found of await Promise.all(reads)) entries.push(...found);
    }
    this.lastRead = startedAt;
    for (const [key, entry] of this.seen) if (entry.at <= from) this.seen.delete(key);
    const fresh = entries.filter((entry) => {
      const key = `${entry.at}#${entry.user}#${entry.id}`;
      if (this.seen.has(key)) return false;
      this.seen.set(key, entry);
      return true;
    });
    fresh.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    await this.dispatch(fresh);
  }

  /** The posts among the log entries remembered (the look-back's), whoever they were sent to. */
  private heardPosts(): MissedPost[] {
    const posts: MissedPost[] = [];
    for (const entry of this.seen.values()) {
      if (entry.type === 'post' && entry.ref !== undefined) posts.push({ author: entry.user, timestamp: entry.ref, position: feedPosition(entry.user, entry.ref) });
    }
    return posts;
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
          await this.delivery.deliver(connection, now);
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
}
