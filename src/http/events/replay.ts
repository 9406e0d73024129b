/**
 * What a reconnecting stream is owed, and the ids that say where a client stands.
 *
 * An event id names the client's position in each source an event comes from: its activity
 * partition (an activity item's key), its home feed (a feed position: photo time and author;
 * big authors' photos are placed by the same position), and its takedown notices (a notice's
 * sort key). A reconnect with Last-Event-ID reads each source after its own position, merges
 * what it finds by the time each event happened, and sends it; every event sent, live or
 * replayed, carries the positions after it. So a source that lags another (fan-out, a second
 * worker) loses nothing: each is resumed from where it was, not from a shared clock.
 * Clients treat ids as opaque (base64url).
 */
import { feedPositionAt, isActivityKey, noticePositionAt, validReplayPositions, type ActivityItem, type MissedNotice, type MissedPost } from '../../patterns/index.js';

export interface Positions {
  /** The newest activity item's key sent ('' before any: everything after the start). */
  activity: string;
  /** The newest feed position announced. */
  feed: string;
  /** The newest notice's sort key sent. */
  notice: string;
}

/** Longest position a client may send back (an activity key is at most 1,024 characters). */
const POSITION_MAX = 1024;

export const encodeEventId = (positions: Positions): string =>
  Buffer.from(JSON.stringify([positions.activity, positions.feed, positions.notice]), 'utf8').toString('base64url');

/** Where a stream opened now starts: after everything that exists (the activity position is read by the hub). */
export const positionsAt = (user: string, now: string, activity = ''): Positions => ({ activity, feed: feedPositionAt(now), notice: noticePositionAt(user, now) });

/**
 * The positions an id names, or undefined when it is not one this user's stream sent. An id
 * from before the feed and notice positions (an activity key alone) resumes the activity and
 * starts the other sources at `now`, as they were live only then.
 */
export function decodeEventId(id: string, user: string, now: string): Positions | undefined {
  const text = Buffer.from(id, 'base64url').toString('utf8');
  if (text.length === 0 || Buffer.from(text, 'utf8').toString('base64url') !== id) return undefined;
  if (isActivityKey(user, text)) return positionsAt(user, now, text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((p): p is string => typeof p === 'string' && p.length <= POSITION_MAX)) return undefined;
  const [activity, feed, notice] = parsed as [string, string, string];
  if (activity !== '' && !isActivityKey(user, activity)) return undefined;
  // Feed and notice positions only bound Queries of the user's own partitions: any well-formed one is harmless.
  return validReplayPositions(user, feed, notice) ? { activity, feed, notice } : undefined;
}

/** One event of a replay, with the position it moves its source to. */
export type Missed =
  | { source: 'activity'; at: string; item: ActivityItem }
  | { source: 'feed'; at: string; post: MissedPost }
  | { source: 'notice'; at: string; notice: MissedNotice };

/** Times compare across sources: activity times are ISO (`Z`), photo and notice times are not. */
const comparable = (at: string): string => (at.endsWith('Z') ? at.slice(0, -1) : at);

/** The sources' events in one order, by when each happened; each source's own order is kept. */
export function mergeMissed(activity: readonly ActivityItem[], posts: readonly MissedPost[], notices: readonly MissedNotice[]): Missed[] {
  const all: Missed[] = [
    ...activity.map((item): Missed => ({ source: 'activity', at: comparable(item.at), item })),
    ...posts.map((post): Missed => ({ source: 'feed', at: comparable(post.timestamp), post })),
    ...notices.map((notice): Missed => ({ source: 'notice', at: comparable(notice.at), notice })),
  ];
  // Array.prototype.sort is stable: equal times keep each source's order.
  return all.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
