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
 * Posts can reach the log out of their feed order (photo times come from different instances),
 * so a post is a duplicate by what the client was told, not by standing below its newest: the
 * id carries the feed positions of the latest posts told and a floor below which the client has
 * every post (told before those, or loaded with its feed when the stream opened or reset).
 * Ids are sealed as list cursors are (patterns/cursor.ts: AES-GCM), bound to the user's event
 * stream: clients read nothing of the keys inside, and one they alter, forge or bring from
 * another user's stream or from a list is refused.
 */
import type { CursorCodec } from '../../patterns/cursor.js';
import { feedPositionAt, isActivityKey, noticePositionAt, validReplayPositions, type ActivityItem, type MissedNotice, type MissedPost } from '../../patterns/index.js';

export interface Positions {
  /** The newest activity item's key sent ('' before any: everything after the start). */
  activity: string;
  /** The newest feed position announced: a replay reads the feed after it. */
  feed: string;
  /** The newest notice's sort key sent. */
  notice: string;
  /** The client has every post at or before this feed position. */
  floor: string;
  /** Feed positions of the latest posts told, oldest told first (at most `TOLD_MAX`); an older one told is at or below the floor. */
  told: string[];
}

/** Longest position a client may send back (an activity key is at most 1,024 characters). */
const POSITION_MAX = 1024;

/** Posts remembered in an id: a post out of feed order is lost only when placed below one told more than this many posts before it. */
export const TOLD_MAX = 8;

/** The list an event id is bound to: this user's event stream (a list cursor's scope names its own list). */
const eventScope = (user: string): string => `events:${user}`;

/** An id naming `positions`, sealed for `user`'s stream by the list cursors' codec: nothing of the keys inside can be read out of it. */
export const encodeEventId = (codec: CursorCodec, user: string, positions: Positions): string =>
  codec.encode(eventScope(user), {
    activity: positions.activity,
    feed: positions.feed,
    notice: positions.notice,
    floor: positions.floor,
    told: JSON.stringify(positions.told),
  });

/** Where a stream opened now starts: after everything that exists (the activity position is read by the hub). */
export function positionsAt(user: string, now: string, activity = ''): Positions {
  const feed = feedPositionAt(now);
  return { activity, feed, notice: noticePositionAt(user, now), floor: feed, told: [] };
}

/** Whether a post is one the client was not told of yet. */
export const untold = (positions: Positions, position: string): boolean => position > positions.floor && !positions.told.includes(position);

/** Records a post told: the oldest told leaves the list under the floor, so the two still name every post told. */
export function tell(positions: Positions, position: string): void {
  positions.told.push(position);
  if (positions.told.length > TOLD_MAX) {
    const out = positions.told.shift()!;
    if (out > positions.floor) positions.floor = out;
  }
  if (position > positions.feed) positions.feed = position;
}

const isPosition = (p: unknown): p is string => typeof p === 'string' && p.length <= POSITION_MAX;

/**
 * The positions an id names, or undefined when it is not one this user's stream sent: one not
 * sealed by us (forged, altered, the former plain form), sealed under another secret, sealed
 * for another user's stream or for a list, or naming positions no stream sends.
 */
export function decodeEventId(codec: CursorCodec, id: string, user: string): Positions | undefined {
  let sealed: Record<string, string>;
  try {
    sealed = codec.decode(eventScope(user), id);
  } catch {
    return undefined;
  }
  const { activity, feed, notice, floor, told: toldText } = sealed;
  if (Object.keys(sealed).length !== 5 || !isPosition(activity) || !isPosition(feed) || !isPosition(notice) || !isPosition(floor) || toldText === undefined) return undefined;
  let told: unknown;
  try {
    told = JSON.parse(toldText);
  } catch {
    return undefined;
  }
  if (activity !== '' && !isActivityKey(user, activity)) return undefined;
  if (!Array.isArray(told) || told.length > TOLD_MAX || !told.every(isPosition)) return undefined;
  // Feed and notice positions only bound Queries of the user's own partitions, and told ones are only compared: any well-formed one is harmless.
  return validReplayPositions(user, feed, notice) ? { activity, feed, notice, floor, told } : undefined;
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
