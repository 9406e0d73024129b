/**
 * The single source of every key format in the table. Nothing else in the code base writes
 * a `#` into a key: access patterns ask this module for keys, key ranges and prefixes.
 *
 * | Entity     | PK                            | SK                             |
 * |------------|-------------------------------|--------------------------------|
 * | User       | USER#<username>               | #METADATA#<username>           |
 * | Photo      | USER#<username>               | PHOTO#<username>#<timestamp>   |
 * | Reaction   | REACTION#<reactingUser>#<type> | PHOTO#<username>#<timestamp>   |
 * | Friendship | USER#<followed>               | #FRIEND#<follower>             |
 * | Credentials| ACCOUNT#<username>            | ACCOUNT#<username>             |
 * | Session    | ACCOUNT#<username>            | SESSION#<id>                   |
 *
 * Account items live in ACCOUNT# partitions that no lab query reads (they all key on USER#,
 * REACTION#, PHOTO# or #FRIEND#), and their SKs (ACCOUNT#, SESSION#) are index partitions
 * no query names either, so credentials can never surface through an access pattern.
 *
 * InvertedIndex: HASH = SK, RANGE = PK. Usernames can never contain `#` or `$` (see
 * entities.ts), which is what makes the `$` upper bounds below exact.
 */
import type { ReactionType } from './entities.js';

export const PK = 'PK';
export const SK = 'SK';
export const INVERTED_INDEX = 'InvertedIndex';

export interface ItemKey {
  PK: string;
  SK: string;
}

const USER = 'USER#';
const METADATA = '#METADATA#';
const PHOTO = 'PHOTO#';
const REACTION = 'REACTION#';
const FRIEND = '#FRIEND#';
const ACCOUNT = 'ACCOUNT#';
const SESSION = 'SESSION#';

export const keys = {
  user: (username: string): ItemKey => ({ PK: USER + username, SK: METADATA + username }),
  photo: (username: string, timestamp: string): ItemKey => ({ PK: USER + username, SK: photoSk(username, timestamp) }),
  reaction: (reactingUser: string, type: ReactionType, owner: string, timestamp: string): ItemKey => ({
    PK: `${REACTION}${reactingUser}#${type}`,
    SK: photoSk(owner, timestamp),
  }),
  friendship: (followed: string, follower: string): ItemKey => ({ PK: USER + followed, SK: FRIEND + follower }),
  credentials: (username: string): ItemKey => ({ PK: ACCOUNT + username, SK: ACCOUNT + username }),
  session: (username: string, sessionId: string): ItemKey => ({ PK: ACCOUNT + username, SK: SESSION + sessionId }),
};

export function photoSk(username: string, timestamp: string): string {
  return `${PHOTO}${username}#${timestamp}`;
}

export const userPartition = (username: string): string => USER + username;

/** Key conditions the access patterns use, named after the question they answer. */
export const ranges = {
  /** The lab's "user and photos in one query": the profile item sorts just before the photos. */
  userAndPhotos: (username: string) => ({ pk: USER + username, from: METADATA + username, to: 'PHOTO$' }),
  /** All photos of one user; the timestamp suffix makes the order chronological. */
  photosOf: (username: string) => ({ pk: USER + username, prefix: `${PHOTO}${username}#` }),
  /** Main table: friendship items under the followed user's partition are its followers. */
  followersOf: (username: string) => ({ pk: USER + username, prefix: FRIEND }),
  /** InvertedIndex: every friendship whose SK names this follower, one per followed user. */
  followedBy: (username: string) => ({ sk: FRIEND + username }),
  /** InvertedIndex: the photo item (PK USER#...) and its reactions (PK REACTION#...). */
  photoAndReactions: (owner: string, timestamp: string) => ({ sk: photoSk(owner, timestamp), from: REACTION, to: 'USER$' }),
};

/** The lab's four queries, named after what they read. */
export type LabQuery = 'user-and-photos' | 'followers' | 'photo-and-reactions' | 'followed-by';

/**
 * Which of the lab's queries would read an item with this key, for any user and photo: the
 * guard that keeps new item types out of the lab's key ranges (test/schema.test.ts runs it
 * over every key builder above, so a new one that strays fails at once).
 */
export function labQueriesReading(key: ItemKey): LabQuery[] {
  const found: LabQuery[] = [];
  if (key.PK.startsWith(USER)) {
    const username = key.PK.slice(USER.length);
    const range = ranges.userAndPhotos(username);
    if (key.SK >= range.from && key.SK <= range.to) found.push('user-and-photos');
    if (key.SK.startsWith(FRIEND)) found.push('followers');
  }
  // InvertedIndex: every item is there, keyed by its SK, sorted by its PK.
  if (key.SK.startsWith(PHOTO) && key.PK >= REACTION && key.PK <= 'USER$') found.push('photo-and-reactions');
  if (key.SK.startsWith(FRIEND)) found.push('followed-by');
  return found;
}

/** What a key says about the item that carries it; the one place keys are read back. */
export type KeyKind =
  | { kind: 'user'; username: string }
  | { kind: 'photo'; username: string; timestamp: string }
  | { kind: 'reaction'; reactingUser: string; reactionType: string; owner: string; timestamp: string }
  | { kind: 'friendship'; followed: string; follower: string }
  | { kind: 'other' };

export function parsePhotoSk(sk: string): { username: string; timestamp: string } | undefined {
  if (!sk.startsWith(PHOTO)) return undefined;
  const rest = sk.slice(PHOTO.length);
  const cut = rest.indexOf('#');
  if (cut <= 0 || cut === rest.length - 1) return undefined;
  return { username: rest.slice(0, cut), timestamp: rest.slice(cut + 1) };
}

export function classifyKey(key: ItemKey): KeyKind {
  const { PK: pk, SK: sk } = key;
  if (pk.startsWith(USER)) {
    const username = pk.slice(USER.length);
    if (sk === METADATA + username) return { kind: 'user', username };
    if (sk.startsWith(FRIEND)) return { kind: 'friendship', followed: username, follower: sk.slice(FRIEND.length) };
    const photo = parsePhotoSk(sk);
    if (photo && photo.username === username) return { kind: 'photo', ...photo };
    return { kind: 'other' };
  }
  if (pk.startsWith(REACTION)) {
    const rest = pk.slice(REACTION.length);
    const cut = rest.lastIndexOf('#');
    const photo = parsePhotoSk(sk);
    if (cut <= 0 || !photo) return { kind: 'other' };
    return { kind: 'reaction', reactingUser: rest.slice(0, cut), reactionType: rest.slice(cut + 1), owner: photo.username, timestamp: photo.timestamp };
  }
  return { kind: 'other' };
}

/**
 * Keys of the derived table (`<table>-derived`, see schema/table.ts): feeds, activity, the
 * user directory and the stream consumer's checkpoints. They live in a table of their own, so
 * no lab query can ever read them and the InvertedIndex never doubles their write cost.
 *
 * | Item              | PK                      | SK                                              |
 * |-------------------|-------------------------|-------------------------------------------------|
 * | Feed entry        | FEED#<reader>           | <photoTimestamp>#<author>                       |
 * | Followed celebrity| FEEDSRC#<reader>        | <author>                                        |
 * | Activity item     | ACTIVITY#<user>         | A#<at>#follow#<actor> / A#<at>#reaction#<actor>#<type>#<photoTs> |
 * | Activity state    | ACTIVITY#<user>         | STATE                                           |
 * | Directory token   | DIR#<first 2 chars>     | <token>#<username>                              |
 * | Checkpoint        | CHECKPOINT#<view>       | <streamLabel>#<shardId>                         |
 * | Dead letter       | DEADLETTER#<view>       | <sequenceNumber>                                |
 * | Worker heartbeat  | WORKERSTATUS            | <view>                                          |
 */
const FEED = 'FEED#';
const FEED_SOURCE = 'FEEDSRC#';
const ACTIVITY = 'ACTIVITY#';
const ACTIVITY_ITEM = 'A#';
const DIRECTORY = 'DIR#';
const CHECKPOINT = 'CHECKPOINT#';
const DEAD_LETTER = 'DEADLETTER#';
const WORKER_STATUS = 'WORKERSTATUS';

export const derivedKeys = {
  feedEntry: (reader: string, author: string, timestamp: string): ItemKey => ({ PK: FEED + reader, SK: feedPosition(author, timestamp) }),
  celebrityFollow: (reader: string, author: string): ItemKey => ({ PK: FEED_SOURCE + reader, SK: author }),
  followActivity: (user: string, at: string, follower: string): ItemKey => ({ PK: ACTIVITY + user, SK: `${ACTIVITY_ITEM}${at}#follow#${follower}` }),
  reactionActivity: (owner: string, at: string, actor: string, type: string, photoTimestamp: string): ItemKey => ({
    PK: ACTIVITY + owner,
    SK: `${ACTIVITY_ITEM}${at}#reaction#${actor}#${type}#${photoTimestamp}`,
  }),
  activityState: (user: string): ItemKey => ({ PK: ACTIVITY + user, SK: 'STATE' }),
  directoryToken: (token: string, username: string): ItemKey => ({ PK: DIRECTORY + token.slice(0, 2), SK: `${token}#${username}` }),
  checkpoint: (view: string, streamLabel: string, shardId: string): ItemKey => ({ PK: CHECKPOINT + view, SK: `${streamLabel}#${shardId}` }),
  deadLetter: (view: string, sequenceNumber: string): ItemKey => ({ PK: DEAD_LETTER + view, SK: sequenceNumber }),
  workerStatus: (view: string): ItemKey => ({ PK: WORKER_STATUS, SK: view }),
};

/** A feed entry's sort key: newest first when read descending; the author breaks ties. */
export function feedPosition(author: string, timestamp: string): string {
  return `${timestamp}#${author}`;
}

export function parseFeedPosition(sk: string): { author: string; timestamp: string } | undefined {
  const cut = sk.lastIndexOf('#');
  if (cut <= 0 || cut === sk.length - 1) return undefined;
  return { timestamp: sk.slice(0, cut), author: sk.slice(cut + 1) };
}

export const derivedRanges = {
  feed: (reader: string) => ({ pk: FEED + reader }),
  celebritiesFollowedBy: (reader: string) => ({ pk: FEED_SOURCE + reader }),
  activity: (user: string) => ({ pk: ACTIVITY + user, prefix: ACTIVITY_ITEM }),
  activitySk: (at: string) => ACTIVITY_ITEM + at,
  directory: (prefix: string) => ({ pk: DIRECTORY + prefix.slice(0, 2), prefix }),
  checkpoints: (view: string, streamLabel: string) => ({ pk: CHECKPOINT + view, prefix: `${streamLabel}#` }),
  workerStatus: () => ({ pk: WORKER_STATUS }),
  /** A user's photos strictly older than `timestamp` (the exclusive upper bound of a feed page). */
  photosBefore: (username: string, timestamp: string) => ({ pk: USER + username, from: `${PHOTO}${username}#`, to: `${PHOTO}${username}#${timestamp}` }),
};

export type DerivedKeyKind =
  | { kind: 'feedEntry'; reader: string; author: string; timestamp: string }
  | { kind: 'activity'; user: string }
  | { kind: 'directoryToken' }
  | { kind: 'other' };

/** What a derived-table key says about its item; the one place those keys are read back. */
export function classifyDerivedKey(key: ItemKey): DerivedKeyKind {
  if (key.PK.startsWith(FEED)) {
    const position = parseFeedPosition(key.SK);
    return position ? { kind: 'feedEntry', reader: key.PK.slice(FEED.length), ...position } : { kind: 'other' };
  }
  if (key.PK.startsWith(ACTIVITY) && key.SK.startsWith(ACTIVITY_ITEM)) return { kind: 'activity', user: key.PK.slice(ACTIVITY.length) };
  if (key.PK.startsWith(DIRECTORY)) return { kind: 'directoryToken' };
  return { kind: 'other' };
}
