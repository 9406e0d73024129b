/**
 * Keys of the derived table (`<table>-derived`, see schema/table.ts): feeds, activity, the
 * user directory and the stream consumer's checkpoints. They live in a table of their own, so
 * no lab query can ever read them and the InvertedIndex never doubles their write cost.
 *
 * | Item              | PK                      | SK                                              |
 * |-------------------|-------------------------|-------------------------------------------------|
 * | Feed entry        | FEED#<reader>           | <photoTimestamp>#<author>                       |
 * | Big authors list  | FEED#<reader>           | ~BIG  (one attribute `big:<author>` per followed big author; sorts above every entry) |
 * | Followed celebrity| FEEDSRC#<reader>        | <author>                                        |
 * | Recent photos     | RECENT#<author>         | PHOTOS  (a big author's newest photo timestamps)|
 * | Activity item     | ACTIVITY#<user>         | A#<at>#follow#<actor> / A#<at>#request#<actor> / A#<at>#reaction#<actor>#<type>#<photoTs> |
 * | Activity state    | ACTIVITY#<user>         | STATE                                           |
 * | Directory token   | DIR#<first 2 chars>     | <token>#<username>                              |
 * | Checkpoint, lease | CHECKPOINT#<reader>     | <streamLabel>#<shardId>  (reader: `stream`; per-view names before it) |
 * | Dead letter       | DEADLETTER#<view>       | <sequenceNumber>                                |
 * | Worker heartbeat  | WORKERSTATUS            | <view>                                          |
 * | Explore entry     | EXPLORE#<shard 0-3>     | <photoTimestamp>#<author>  (shard: a hash of the author) |
 * | Popular account   | PEOPLE#popular          | <followers, 10 digits>#<username>               |
 * | Active account    | PEOPLE#active           | <newest photo's timestamp>#<username>           |
 * | Tag entry         | TAG#<folded tag>        | <photoTimestamp>#<photoOwner>#<source>          |
 * | Tag name          | TAGS#<first 2 chars>    | <folded tag>                                    |
 * | Mention activity  | ACTIVITY#<mentioned>    | A#<at>#mention#<author>#<photoTimestamp>#<source> |
 * | Comment activity  | ACTIVITY#<recipient>    | A#<at>#<comment|reply|comment-like>#<actor>#<photoOwner>#<photoTimestamp>#<commentTimestamp> |
 * | Event log entry   | EVENTS#<minute>#<shard 0-3> | <at>#<user>#<id>  (minute: `at` to the minute; shard: a hash of the user; TTL minutes) |
 * | Stream ticket     | TICKET#<SHA-256 of the ticket> | TICKET  (single use; TTL)                    |
 * | Push collapse     | PUSH#<recipient>        | C#<kind>#<subject>#<window start>  (one notification per burst; its delivery record) |
 */
import { cut, parsed, type ItemKey, type ParsedKey } from './key-parts.js';
const FEED = 'FEED#';
const FEED_SOURCE = 'FEEDSRC#';
const RECENT = 'RECENT#';
/** '~' sorts after the digits every feed position starts with. */
const FEED_BIG_AUTHORS = '~BIG';
/** The big-authors item names each author in an attribute of its own (set and removed one by one, idempotently). */
export const BIG_AUTHOR_ATTRIBUTE = 'big:';
const ACTIVITY = 'ACTIVITY#';
const ACTIVITY_ITEM = 'A#';
const DIRECTORY = 'DIR#';
const CHECKPOINT = 'CHECKPOINT#';
const DEAD_LETTER = 'DEADLETTER#';
const WORKER_STATUS = 'WORKERSTATUS';
const EXPLORE = 'EXPLORE#';
const PEOPLE = 'PEOPLE#';
const TAG = 'TAG#';
const TAG_NAMES = 'TAGS#';
const EVENTS = 'EVENTS#';
const TICKET = 'TICKET#';
const PUSH = 'PUSH#';
const PUSH_COLLAPSE = 'C#';
/** The derived table's key prefixes: like KEY_PREFIXES, none may ever reach an API response. */
export const DERIVED_KEY_PREFIXES = [FEED, FEED_SOURCE, RECENT, ACTIVITY, DIRECTORY, CHECKPOINT, DEAD_LETTER, WORKER_STATUS, EXPLORE, PEOPLE, TAG, TAG_NAMES, EVENTS, TICKET, PUSH] as const;

/**
 * Partitions of the Explore view: a new photo is one write to one of them, so the whole app's
 * posting rate is spread over this many (each takes ~1,000 writes/s); a read merges them all.
 * Changing it re-keys every entry: `worker rebuild explore` after a change.
 */
export const EXPLORE_SHARDS = 4;

/** The author's Explore partition (FNV-1a of the name): all of one author's entries in one place. */
export function exploreShard(author: string): number {
  return fnv1a(author) % EXPLORE_SHARDS;
}

function fnv1a(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** The user's event log partition: all of one user's events in one place, in the order they were logged. */
export const eventLogShard = (user: string): number => fnv1a(user) % EVENT_LOG_SHARDS;

/**
 * Partitions of the event log (EVENTS#<minute>#<shard>): every API instance reads each of them
 * once per poll, whatever its connection count; one user's events stay in one partition, in order.
 */
export const EVENT_LOG_SHARDS = 4;

/** The event log partition's minute: the ISO time cut to `YYYY-MM-DDTHH:MM`. */
export const eventLogMinute = (at: string): string => at.slice(0, 16);

/**
 * Every event log minute from `from`'s to `to`'s (ISO times), newest first: a read may span
 * three. `to`'s minute always (a clock set back past `from` reads the current minute still).
 */
export function eventLogMinutes(from: string, to: string): string[] {
  const oldest = eventLogMinute(from);
  const minutes = [eventLogMinute(to)];
  for (let at = Date.parse(`${minutes[0]}:00.000Z`) - 60_000; ; at -= 60_000) {
    const minute = eventLogMinute(new Date(at).toISOString());
    if (minute < oldest) return minutes;
    minutes.push(minute);
  }
}

/** The suggestion lists the derived table keeps: most followed accounts, and the most recently active (newest photo). */
export type PeopleList = 'popular' | 'active';

/** A tag's name partition: its first two characters (code points), so a prefix search of two or more is one Query. */
const tagNamePartition = (tag: string): string => TAG_NAMES + [...tag].slice(0, 2).join('');

/** Follower counts padded so that the sort key orders them numerically. */
const followerSortKey = (followers: number): string => String(Math.max(0, Math.min(Math.floor(followers), 9_999_999_999))).padStart(10, '0');

export const derivedKeys = {
  feedEntry: (reader: string, author: string, timestamp: string): ItemKey => ({ PK: FEED + reader, SK: feedPosition(author, timestamp) }),
  /** In the reader's feed partition, above every entry: the first page's Query returns it with the newest entries. */
  feedBigAuthors: (reader: string): ItemKey => ({ PK: FEED + reader, SK: FEED_BIG_AUTHORS }),
  celebrityFollow: (reader: string, author: string): ItemKey => ({ PK: FEED_SOURCE + reader, SK: author }),
  recentPhotos: (author: string): ItemKey => ({ PK: RECENT + author, SK: 'PHOTOS' }),
  followActivity: (user: string, at: string, follower: string): ItemKey => ({ PK: ACTIVITY + user, SK: `${ACTIVITY_ITEM}${at}#follow#${follower}` }),
  requestActivity: (target: string, at: string, requester: string): ItemKey => ({ PK: ACTIVITY + target, SK: `${ACTIVITY_ITEM}${at}#request#${requester}` }),
  reactionActivity: (owner: string, at: string, actor: string, type: string, photoTimestamp: string): ItemKey => ({
    PK: ACTIVITY + owner,
    SK: `${ACTIVITY_ITEM}${at}#reaction#${actor}#${type}#${photoTimestamp}`,
  }),
  activityState: (user: string): ItemKey => ({ PK: ACTIVITY + user, SK: 'STATE' }),
  directoryToken: (token: string, username: string): ItemKey => ({ PK: DIRECTORY + token.slice(0, 2), SK: `${token}#${username}` }),
  checkpoint: (view: string, streamLabel: string, shardId: string): ItemKey => ({ PK: CHECKPOINT + view, SK: `${streamLabel}#${shardId}` }),
  deadLetter: (view: string, sequenceNumber: string): ItemKey => ({ PK: DEAD_LETTER + view, SK: sequenceNumber }),
  workerStatus: (view: string): ItemKey => ({ PK: WORKER_STATUS, SK: view }),
  /** A recent public photo in its author's Explore partition, newest first when read descending. */
  exploreEntry: (author: string, timestamp: string): ItemKey => ({ PK: EXPLORE + String(exploreShard(author)), SK: feedPosition(author, timestamp) }),
  popularAccount: (username: string, followers: number): ItemKey => ({ PK: `${PEOPLE}popular`, SK: `${followerSortKey(followers)}#${username}` }),
  activeAccount: (username: string, newestPhoto: string): ItemKey => ({ PK: `${PEOPLE}active`, SK: `${newestPhoto}#${username}` }),
  /**
   * A photo under a (folded) tag, newest first when read descending. `source` names the text the
   * tag is in (`caption`; another text on the photo names itself), so each text's tags come and go
   * with that text alone. Tags hold no `#` (schema/text-entities.ts), nor do names and times.
   */
  tagEntry: (tag: string, photoOwner: string, photoTimestamp: string, source: string): ItemKey => ({ PK: TAG + tag, SK: `${photoTimestamp}#${photoOwner}#${source}` }),
  /** A tag in the tag directory (prefix search, with its count). */
  tagName: (tag: string): ItemKey => ({ PK: tagNamePartition(tag), SK: tag }),
  /** "author mentioned you" in a text (`source`) on the photo; `at` is when the mention was made. */
  mentionActivity: (user: string, at: string, author: string, photoTimestamp: string, source: string): ItemKey => ({
    PK: ACTIVITY + user,
    SK: `${ACTIVITY_ITEM}${at}#mention#${author}#${photoTimestamp}#${source}`,
  }),
  /**
   * "commented on your photo" (to the photo's owner), "replied to your comment" (to the comment's
   * author), "liked your comment" (to the comment's author): `at` is the comment's, reply's or
   * like's own time, `commentTimestamp` the comment's (or reply's) named, so a replay rewrites the same key.
   */
  commentActivity: (user: string, at: string, type: CommentActivityType, actor: string, photoOwner: string, photoTimestamp: string, commentTimestamp: string): ItemKey => ({
    PK: ACTIVITY + user,
    SK: `${ACTIVITY_ITEM}${at}#${type}#${actor}#${photoOwner}#${photoTimestamp}#${commentTimestamp}`,
  }),
  /** An event for `user` (a recipient, or a post's author) logged at `at` (ISO), tailed by every API instance. */
  eventLogEntry: (user: string, at: string, id: string): ItemKey => ({ PK: `${EVENTS}${eventLogMinute(at)}#${String(eventLogShard(user))}`, SK: `${at}#${user}#${id}` }),
  /** A stream ticket, by the SHA-256 of its value (the value itself is never stored). */
  streamTicket: (digest: string): ItemKey => ({ PK: TICKET + digest, SK: 'TICKET' }),
  /** One burst of one kind about one subject (a photo, an actor) for one recipient: its notification's delivery record. */
  pushCollapse: (recipient: string, kind: string, subject: string, window: string): ItemKey => ({ PK: PUSH + recipient, SK: `${PUSH_COLLAPSE}${kind}#${subject}#${window}` }),
};

export type CommentActivityType = 'comment' | 'reply' | 'comment-like';

/** Whether an activity sort key is the mention by `author` in `source` on the photo at `photoTimestamp` (any time it was made). */
export function isMentionActivityOf(sk: string, author: string, photoTimestamp: string, source: string): boolean {
  return sk.startsWith(ACTIVITY_ITEM) && sk.endsWith(`#mention#${author}#${photoTimestamp}#${source}`);
}

/**
 * A comment's or reply's name as a text on its photo (a tag entry's and a mention's `source`):
 * `c<commentTs>.<author>` (two authors may post in the same microsecond; a comment is named by both).
 */
export const commentSource = (timestamp: string, author: string): string => `c${timestamp}.${author}`;

/** A comment's time is canonical (26 characters): what follows it and its dot is the author, dots and all. */
const COMMENT_SOURCE = /^c(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6})\.([a-z0-9_][a-z0-9_.-]{0,29})$/;

/** The author of the comment a `source` names; undefined when it names no comment (a caption). */
export function commentSourceAuthor(source: string): string | undefined {
  return COMMENT_SOURCE.exec(source)?.[2];
}

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
  deadLetters: (view: string) => ({ pk: DEAD_LETTER + view }),
  workerStatus: () => ({ pk: WORKER_STATUS }),
  exploreShard: (shard: number) => ({ pk: EXPLORE + String(shard) }),
  people: (list: PeopleList) => ({ pk: PEOPLE + list }),
  /** Every entry of one folded tag, newest first when read descending. */
  tag: (tag: string) => ({ pk: TAG + tag }),
  /** Tag names starting with `prefix` (folded, at least two characters to span its partition). */
  tagNames: (prefix: string) => ({ pk: tagNamePartition(prefix), prefix }),
  /** One minute of one event log partition; entries sort by the time they were logged. */
  eventLog: (minute: string, shard: number) => ({ pk: `${EVENTS}${minute}#${String(shard)}` }),
  /** A recipient's push collapse items (removed with the account). */
  push: (recipient: string) => ({ pk: PUSH + recipient }),
};

export type DerivedKeyKind =
  | { kind: 'feedEntry'; reader: string; author: string; timestamp: string }
  | { kind: 'feedBigAuthors'; reader: string }
  | { kind: 'celebrityFollow'; reader: string; author: string }
  | { kind: 'activity'; user: string }
  | { kind: 'directoryToken' }
  | { kind: 'exploreEntry'; author: string; timestamp: string }
  | { kind: 'people'; list: PeopleList; username: string; rank: string }
  | { kind: 'tagEntry'; tag: string; photoOwner: string; photoTimestamp: string; source: string }
  | { kind: 'tagName'; tag: string }
  | { kind: 'other' };

/** What a derived-table key says about its item; the one place those keys are read back. */
export function classifyDerivedKey(key: ItemKey): DerivedKeyKind {
  if (key.PK.startsWith(FEED) && key.SK === FEED_BIG_AUTHORS) return { kind: 'feedBigAuthors', reader: key.PK.slice(FEED.length) };
  if (key.PK.startsWith(FEED)) {
    const position = parseFeedPosition(key.SK);
    return position ? { kind: 'feedEntry', reader: key.PK.slice(FEED.length), ...position } : { kind: 'other' };
  }
  if (key.PK.startsWith(FEED_SOURCE)) return { kind: 'celebrityFollow', reader: key.PK.slice(FEED_SOURCE.length), author: key.SK };
  if (key.PK.startsWith(ACTIVITY) && key.SK.startsWith(ACTIVITY_ITEM)) return { kind: 'activity', user: key.PK.slice(ACTIVITY.length) };
  if (key.PK.startsWith(DIRECTORY)) return { kind: 'directoryToken' };
  if (key.PK.startsWith(EXPLORE)) {
    const position = parseFeedPosition(key.SK);
    return position ? { kind: 'exploreEntry', ...position } : { kind: 'other' };
  }
  if (key.PK.startsWith(TAG)) {
    const [photoTimestamp, photoOwner, source] = cut(key.SK, 3) ?? [];
    return source === undefined ? { kind: 'other' } : { kind: 'tagEntry', tag: key.PK.slice(TAG.length), photoOwner: photoOwner!, photoTimestamp: photoTimestamp!, source };
  }
  if (key.PK.startsWith(TAG_NAMES) && key.SK.length > 0) return { kind: 'tagName', tag: key.SK };
  const list = key.PK.slice(PEOPLE.length);
  if (key.PK.startsWith(PEOPLE) && (list === 'popular' || list === 'active')) {
    const cut = key.SK.lastIndexOf('#');
    if (cut > 0 && cut < key.SK.length - 1) return { kind: 'people', list, rank: key.SK.slice(0, cut), username: key.SK.slice(cut + 1) };
  }
  return { kind: 'other' };
}

export function parseDerivedKey(key: ItemKey): ParsedKey | undefined {
  const { PK: pk, SK: sk } = key;
  const derived = classifyDerivedKey(key);
  if (derived.kind === 'feedEntry') return parsed('feedEntry', { reader: derived.reader, author: derived.author, timestamp: derived.timestamp });
  if (derived.kind === 'feedBigAuthors') return parsed('feedBigAuthors', { reader: derived.reader });
  if (derived.kind === 'celebrityFollow') return parsed('celebrityFollow', { reader: derived.reader, author: derived.author });
  if (derived.kind === 'activity') {
    const [at, type, actor] = cut(sk.slice(ACTIVITY_ITEM.length), 3) ?? [];
    return actor === undefined ? undefined : parsed('activityItem', { user: derived.user, at: at!, type: type! });
  }
  if (pk.startsWith(ACTIVITY) && sk === 'STATE') return parsed('activityState', { user: pk.slice(ACTIVITY.length) });
  if (pk.startsWith(RECENT) && sk === 'PHOTOS') return parsed('recentPhotos', { author: pk.slice(RECENT.length) });
  if (derived.kind === 'directoryToken') {
    const at = sk.lastIndexOf('#');
    return at <= 0 ? undefined : parsed('directoryToken', { token: sk.slice(0, at), username: sk.slice(at + 1) });
  }
  if (pk.startsWith(CHECKPOINT)) {
    const [streamLabel, shardId] = cut(sk, 2) ?? [];
    return shardId === undefined ? undefined : parsed('checkpoint', { reader: pk.slice(CHECKPOINT.length), streamLabel: streamLabel!, shardId });
  }
  if (derived.kind === 'exploreEntry') return parsed('exploreEntry', { author: derived.author, photoTimestamp: derived.timestamp });
  if (derived.kind === 'people') {
    return derived.list === 'popular'
      ? parsed('popularAccount', { username: derived.username })
      : parsed('activeAccount', { username: derived.username, newestPhoto: derived.rank });
  }
  if (derived.kind === 'tagEntry') return parsed('tagEntry', { tag: derived.tag, photoOwner: derived.photoOwner, photoTimestamp: derived.photoTimestamp, source: derived.source });
  if (derived.kind === 'tagName') return parsed('tagName', { tag: derived.tag });
  if (pk.startsWith(DEAD_LETTER)) return parsed('deadLetter', { view: pk.slice(DEAD_LETTER.length), sequenceNumber: sk });
  if (pk === WORKER_STATUS) return parsed('workerStatus', { view: sk });
  if (pk.startsWith(EVENTS)) {
    const [at, user, id] = cut(sk, 3) ?? [];
    return id === undefined ? undefined : parsed('eventLogEntry', { at: at!, user: user!, id });
  }
  if (pk.startsWith(TICKET) && sk === 'TICKET') return parsed('streamTicket', { digest: pk.slice(TICKET.length) });
  if (pk.startsWith(PUSH) && sk.startsWith(PUSH_COLLAPSE)) {
    const [kind, subject, window] = cut(sk.slice(PUSH_COLLAPSE.length), 3) ?? [];
    return window === undefined ? undefined : parsed('pushCollapse', { recipient: pk.slice(PUSH.length), kind: kind!, subject: subject!, window });
  }
  return undefined;
}

/** Which item type a key belongs to (either table's: their prefixes never overlap), and its parts. */
