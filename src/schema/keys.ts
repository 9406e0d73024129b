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
 * | Mail token | ACCOUNT#<username>            | TOKEN#<purpose>                |
 * | Log-in throttle | ACCOUNT#<username>       | THROTTLE#LOGIN                 |
 * | Password-check throttle | ACCOUNT#<username> | THROTTLE#PASSWORD#<sessionId>  |
 * | Email-taken probes | ACCOUNT#<username>    | THROTTLE#EMAIL-TAKEN           |
 * | Email claim| EMAIL#<lower-case email>      | EMAIL#<lower-case email>       |
 * | Deletion job | DELETION                    | DELETION#<username>            |
 * | Block      | BLOCK#<blocker>               | BLOCKED#<blocked>              |
 * | FollowReq. | FOLLOWREQ#<target>            | REQUESTER#<requester>          |
 * | Report     | REPORT#<target>               | REPORTER#<reporter>            |
 * | Report queue| REPORTS#<state>              | <createdAt>#<target>#<reporter> |
 * | Notice     | NOTICE#<owner>                | TAKEDOWN#<at>#<photoId>        |
 * | Private mark| PRIVACY#<username>           | PRIVATE                        |
 * | Upload slot| UPLOAD#<id>                   | UPLOAD#<id>                    |
 * | Storage use| USAGE#<username>              | USAGE#<username>               |
 * | Hourly uploads | USAGE#<username>          | HOUR#<username>#<yyyy-mm-ddThh>|
 * | Idempotency key | IDEMPOTENCY#<username>   | <scope>#<key digest>           |
 * | Push device | ACCOUNT#<username>           | PUSH#DEVICE#<id>               |
 * | Push preferences | ACCOUNT#<username>      | PUSH#PREFS                     |
 * | Comment    | COMMENTS#<owner>#<photoTs>    | C#<commentTs>#<author>         |
 * | Reply      | COMMENTS#<owner>#<photoTs>    | R#<parentTs>#<parentAuthor>#<replyTs>#<author> |
 * | Comment count shard | COMMENTS#<owner>#<photoTs> | N#<owner>#<photoTs>#<shard 0-3> |
 * | Comment by author | COMMENTSBY#<author>     | CREF#<owner>#<photoTs>#<commentTs> |
 * | Comment like | CLIKES#<liker>              | CL#<owner>#<photoTs>#<commentTs>#<commentAuthor> |
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
const TOKEN = 'TOKEN#';
const THROTTLE = 'THROTTLE#';
const EMAIL = 'EMAIL#';
const DELETION = 'DELETION';
const BLOCK = 'BLOCK#';
const BLOCKED = 'BLOCKED#';
const FOLLOW_REQUEST = 'FOLLOWREQ#';
const REQUESTER = 'REQUESTER#';
const REPORT = 'REPORT#';
const REPORTER = 'REPORTER#';
const REPORTS = 'REPORTS#';
const NOTICE = 'NOTICE#';
const TAKEDOWN = 'TAKEDOWN#';
const PRIVACY = 'PRIVACY#';
const UPLOAD = 'UPLOAD#';
const USAGE = 'USAGE#';
const HOUR = 'HOUR#';
const IDEMPOTENCY = 'IDEMPOTENCY#';
const PUSH_DEVICE = 'PUSH#DEVICE#';
const PUSH_PREFS = 'PUSH#PREFS';
const COMMENTS = 'COMMENTS#';
const COMMENT = 'C#';
const REPLY = 'R#';
const COMMENT_COUNT = 'N#';
const COMMENTS_BY = 'COMMENTSBY#';
const COMMENT_REF = 'CREF#';
const COMMENT_LIKES = 'CLIKES#';
const COMMENT_LIKE = 'CL#';

/**
 * Counter shards of a photo's comment count, summed at read: a post or delete updates one of
 * them (picked at random), so a hot photo's transactions spread over four items instead of
 * conflicting on one; four keys a photo keep a 20-photo page's counts to 80 keys (one
 * BatchGetItem with room to spare).
 */
export const COMMENT_SHARDS = 4;

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
  /** A single-use emailed token (verify-email, password-reset): one live token per purpose. */
  mailToken: (username: string, purpose: string): ItemKey => ({ PK: ACCOUNT + username, SK: TOKEN + purpose }),
  /** Failed log-ins of one account, shared by every API instance. */
  loginThrottle: (username: string): ItemKey => ({ PK: ACCOUNT + username, SK: `${THROTTLE}LOGIN` }),
  /**
   * Failed password checks of one signed-in session (change password, delete account, change
   * email): keyed on the session, so a thief's guesses never lock the owner's other devices.
   */
  passwordThrottle: (username: string, sessionId: string): ItemKey => ({ PK: ACCOUNT + username, SK: `${THROTTLE}PASSWORD#${sessionId}` }),
  /** Times others were told this account's address is taken (its owner is mailed once a window). */
  emailProbes: (username: string): ItemKey => ({ PK: ACCOUNT + username, SK: `${THROTTLE}EMAIL-TAKEN` }),
  /** Claims an email (lower case) for one account; the conditional Put is the uniqueness check. */
  emailClaim: (email: string): ItemKey => ({ PK: EMAIL + email, SK: EMAIL + email }),
  /** A pending account deletion, in one partition so a restart can find every one with a Query. */
  deletionJob: (username: string): ItemKey => ({ PK: DELETION, SK: `${DELETION}#${username}` }),
  /** One item per (blocker, blocked) pair, in the blocker's own BLOCK# partition (src/patterns/safety/). */
  block: (blocker: string, blocked: string): ItemKey => ({ PK: BLOCK + blocker, SK: BLOCKED + blocked }),
  /** A pending request to follow a private account, in the target's FOLLOWREQ# partition. */
  followRequest: (target: string, requester: string): ItemKey => ({ PK: FOLLOW_REQUEST + target, SK: REQUESTER + requester }),
  /** One per reporter and target (`user:<name>` / `photo:<photoId>`): the conditional Put's key. */
  report: (target: string, reporter: string): ItemKey => ({ PK: REPORT + target, SK: REPORTER + reporter }),
  /** The moderators' queue entry of a report, oldest first within its state. */
  reportQueue: (state: string, createdAt: string, target: string, reporter: string): ItemKey => ({
    PK: REPORTS + state,
    SK: `${createdAt}#${target}#${reporter}`,
  }),
  /** What a photo's owner is told when a moderator took it down. */
  notice: (owner: string, at: string, photoId: string): ItemKey => ({ PK: NOTICE + owner, SK: `${TAKEDOWN}${at}#${photoId}` }),
  /**
   * Exists while the account is private (mirrors the User item's `private`): reactions check it
   * instead of the User item, which follows update, so reactions and follows never contend.
   */
  privateMark: (username: string): ItemKey => ({ PK: PRIVACY + username, SK: 'PRIVATE' }),
  /** Direct-upload slots and storage use live in partitions of their own: no lab query reads them. */
  uploadSlot: (uploadId: string): ItemKey => ({ PK: UPLOAD + uploadId, SK: UPLOAD + uploadId }),
  storageUse: (username: string): ItemKey => ({ PK: USAGE + username, SK: USAGE + username }),
  hourlyUploads: (username: string, hour: string): ItemKey => ({ PK: USAGE + username, SK: `${HOUR}${username}#${hour}` }),
  /**
   * One Idempotency-Key of a POST, in its account's partition (so deletion sweeps it with one
   * Query). `scope` is the immutable account id's (`A<id>`; `N` for accounts made before ids,
   * `P` for routes without a token: sign-up, emailed codes), so a later account of the same
   * name never matches an earlier one's keys; `digest` is a keyed hash of the client's key.
   */
  idempotency: (username: string, scope: string, digest: string): ItemKey => ({ PK: IDEMPOTENCY + username, SK: `${scope}#${digest}` }),
  /** A push endpoint of one account (src/patterns/push.ts): in its ACCOUNT# partition, so deletion sweeps it with the sessions. */
  pushDevice: (username: string, deviceId: string): ItemKey => ({ PK: ACCOUNT + username, SK: PUSH_DEVICE + deviceId }),
  pushPreferences: (username: string): ItemKey => ({ PK: ACCOUNT + username, SK: PUSH_PREFS }),
  /**
   * A photo's conversation lives in a partition of its own (COMMENTS#<owner>#<photoTs>): comments
   * sort oldest first under C#, replies under their parent's R# prefix, the count shards in between.
   * Every SK names its photo or its own time, so no two photos share an InvertedIndex partition.
   */
  comment: (owner: string, photoTimestamp: string, timestamp: string, author: string): ItemKey => ({
    PK: conversationPk(owner, photoTimestamp),
    SK: `${COMMENT}${timestamp}#${author}`,
  }),
  reply: (owner: string, photoTimestamp: string, parentTimestamp: string, parentAuthor: string, timestamp: string, author: string): ItemKey => ({
    PK: conversationPk(owner, photoTimestamp),
    SK: `${REPLY}${parentTimestamp}#${parentAuthor}#${timestamp}#${author}`,
  }),
  commentCount: (owner: string, photoTimestamp: string, shard: string): ItemKey => ({
    PK: conversationPk(owner, photoTimestamp),
    SK: `${COMMENT_COUNT}${owner}#${photoTimestamp}#${shard}`,
  }),
  /** One per comment or reply in its author's partition: what account deletion and the doctor find an author's comments by. */
  commentRef: (author: string, owner: string, photoTimestamp: string, timestamp: string): ItemKey => ({
    PK: COMMENTS_BY + author,
    SK: `${COMMENT_REF}${owner}#${photoTimestamp}#${timestamp}`,
  }),
  /** One per (liker, comment): the liker's partition lists their likes; InvertedIndex (SK) lists a comment's. */
  commentLike: (liker: string, owner: string, photoTimestamp: string, timestamp: string, author: string): ItemKey => ({
    PK: COMMENT_LIKES + liker,
    SK: commentLikeSk(owner, photoTimestamp, timestamp, author),
  }),
};

const conversationPk = (owner: string, photoTimestamp: string): string => `${COMMENTS}${owner}#${photoTimestamp}`;
const commentLikeSk = (owner: string, photoTimestamp: string, timestamp: string, author: string): string => `${COMMENT_LIKE}${owner}#${photoTimestamp}#${timestamp}#${author}`;

/** Key conditions of the comment access patterns (src/patterns/comments*.ts). */
export const commentRanges = {
  /** The whole conversation of a photo: comments, replies and count shards. */
  conversation: (owner: string, photoTimestamp: string) => ({ pk: conversationPk(owner, photoTimestamp) }),
  /** Top-level comments of a photo, oldest first ascending. */
  topLevel: (owner: string, photoTimestamp: string) => ({ pk: conversationPk(owner, photoTimestamp), prefix: COMMENT }),
  /** The replies of one comment, oldest first ascending. */
  replies: (owner: string, photoTimestamp: string, parentTimestamp: string, parentAuthor: string) => ({
    pk: conversationPk(owner, photoTimestamp),
    prefix: `${REPLY}${parentTimestamp}#${parentAuthor}#`,
  }),
  /** Every comment and reply an author wrote. */
  byAuthor: (author: string) => ({ pk: COMMENTS_BY + author }),
  /** Every comment like a user gave. */
  likesBy: (liker: string) => ({ pk: COMMENT_LIKES + liker }),
  /** InvertedIndex: every like of one comment (`SK = CL#...`). */
  likesOf: (owner: string, photoTimestamp: string, timestamp: string, author: string) => ({ sk: commentLikeSk(owner, photoTimestamp, timestamp, author) }),
};

/** Every item of one account's private partition (credentials, sessions, tokens, throttles). */
export const accountPartition = (username: string): string => ACCOUNT + username;
/** The partition holding every pending deletion job. */
export const deletionPartition = (): string => DELETION;
/** The partitions of the reactions one user gave, one per reaction type. */
export const reactionPartition = (reactingUser: string, type: ReactionType): string => `${REACTION}${reactingUser}#${type}`;
/** Prefix of session items inside an account partition. */
export const SESSION_PREFIX = SESSION;
/** The session family id a session item's sort key names (undefined for any other sort key). */
export const sessionIdOfKey = (sk: string): string | undefined => (sk.startsWith(SESSION) ? sk.slice(SESSION.length) : undefined);
/** Every prefix a stored key may start with: none of them may ever reach an API response. */
export const KEY_PREFIXES = [
  USER, METADATA, PHOTO, REACTION, FRIEND, ACCOUNT, SESSION, TOKEN, THROTTLE, EMAIL, `${DELETION}#`,
  BLOCK, BLOCKED, FOLLOW_REQUEST, REQUESTER, REPORT, REPORTER, REPORTS, NOTICE, TAKEDOWN, PRIVACY, IDEMPOTENCY,
  COMMENTS, COMMENTS_BY, COMMENT_REF, COMMENT_LIKES,
] as const;

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
  /** Main table: the users this one blocked, in name order. */
  blocksBy: (blocker: string) => ({ pk: BLOCK + blocker, prefix: BLOCKED }),
  /** Main table: pending follow requests to this user, by requester name. */
  requestsTo: (target: string) => ({ pk: FOLLOW_REQUEST + target, prefix: REQUESTER }),
  /** Main table: the report queue of one state, oldest first. */
  reportsIn: (state: string) => ({ pk: REPORTS + state }),
  /** Main table: a user's takedown notices, oldest first. */
  noticesOf: (owner: string) => ({ pk: NOTICE + owner, prefix: TAKEDOWN }),
  /** InvertedIndex: every block whose blocked user is this one (one per blocker). */
  blocksAgainst: (blocked: string) => ({ sk: BLOCKED + blocked }),
  /** InvertedIndex: every pending follow request this user made (one per target). */
  requestsBy: (requester: string) => ({ sk: REQUESTER + requester }),
  /** InvertedIndex: every report this user filed (one per target). */
  reportsBy: (reporter: string) => ({ sk: REPORTER + reporter }),
  /** Main table: the reports against one target (`user:<name>` / `photo:<id>`), one per reporter. */
  reportsAgainst: (target: string) => ({ pk: REPORT + target, prefix: REPORTER }),
  /** Main table: a user's usage counters (storage use and hourly uploads). */
  usageOf: (username: string) => ({ pk: USAGE + username }),
  /** Main table: every idempotency key kept for one account name (any scope). */
  idempotencyOf: (username: string) => ({ pk: IDEMPOTENCY + username }),
  /** Main table: one account's push devices and push preferences (one Query). */
  pushOf: (username: string) => ({ pk: ACCOUNT + username, prefix: 'PUSH#', devicePrefix: PUSH_DEVICE }),
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
  | { kind: 'account'; username: string; sk: string }
  | { kind: 'email-claim'; email: string }
  | { kind: 'deletion-job'; username: string }
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
  if (pk.startsWith(ACCOUNT)) return { kind: 'account', username: pk.slice(ACCOUNT.length), sk };
  if (pk.startsWith(EMAIL) && pk === sk) return { kind: 'email-claim', email: pk.slice(EMAIL.length) };
  if (pk === DELETION && sk.startsWith(`${DELETION}#`)) return { kind: 'deletion-job', username: sk.slice(DELETION.length + 1) };
  return { kind: 'other' };
}

/** What a social-safety key names (src/patterns/safety/); undefined for any other key. */
export type SafetyKeyKind =
  | { kind: 'block'; blocker: string; blocked: string }
  | { kind: 'follow-request'; target: string; requester: string }
  | { kind: 'private-mark'; username: string };

export function classifySafetyKey(key: ItemKey): SafetyKeyKind | undefined {
  const { PK: pk, SK: sk } = key;
  if (pk.startsWith(BLOCK) && sk.startsWith(BLOCKED)) return { kind: 'block', blocker: pk.slice(BLOCK.length), blocked: sk.slice(BLOCKED.length) };
  if (pk.startsWith(FOLLOW_REQUEST) && sk.startsWith(REQUESTER)) {
    return { kind: 'follow-request', target: pk.slice(FOLLOW_REQUEST.length), requester: sk.slice(REQUESTER.length) };
  }
  if (pk.startsWith(PRIVACY) && sk === 'PRIVATE') return { kind: 'private-mark', username: pk.slice(PRIVACY.length) };
  return undefined;
}

/**
 * The usernames an item outside the USER#/ACCOUNT#/REACTION# partitions names by its key:
 * blocks and follow requests (both sides), notices, private marks, reports and their queue
 * entries (reporter, and the target when it is a user), usage counters, idempotency keys, upload slots. What the doctor
 * checks against the users that exist. Photo targets name their owner through the photo id,
 * which `ownerOfPhotoId` reads (schema/ids.ts owns that format).
 */
export function usernamesNamedBy(key: ItemKey, ownerOfPhotoId: (id: string) => string | undefined, item?: Record<string, unknown>): string[] {
  const safety = classifySafetyKey(key);
  if (safety?.kind === 'block') return [safety.blocker, safety.blocked];
  if (safety?.kind === 'follow-request') return [safety.target, safety.requester];
  if (safety?.kind === 'private-mark') return [safety.username];
  const target = (name: string): string[] => {
    if (name.startsWith('user:')) return [name.slice('user:'.length)];
    const owner = name.startsWith('photo:') ? ownerOfPhotoId(name.slice('photo:'.length)) : undefined;
    return owner === undefined ? [] : [owner];
  };
  if (key.PK.startsWith(NOTICE) && key.SK.startsWith(TAKEDOWN)) return [key.PK.slice(NOTICE.length)];
  if (key.PK.startsWith(REPORT) && key.SK.startsWith(REPORTER)) return [...target(key.PK.slice(REPORT.length)), key.SK.slice(REPORTER.length)];
  if (key.PK.startsWith(REPORTS)) {
    const [, name, reporter] = key.SK.split('#');
    return name !== undefined && reporter !== undefined ? [...target(name), reporter] : [];
  }
  if (key.PK.startsWith(USAGE)) return [key.PK.slice(USAGE.length)];
  if (key.PK.startsWith(IDEMPOTENCY)) return [key.PK.slice(IDEMPOTENCY.length)];
  // Upload slots name their owner in an attribute (the key is the slot's id).
  if (key.PK.startsWith(UPLOAD) && typeof item?.username === 'string') return [item.username];
  return [];
}

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
  /** A user's photos strictly older than `timestamp` (the exclusive upper bound of a feed page). */
  photosBefore: (username: string, timestamp: string) => ({ pk: USER + username, from: `${PHOTO}${username}#`, to: `${PHOTO}${username}#${timestamp}` }),
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

/**
 * Every item type's name, for the entity declarations (src/schema/entities/): `parseKey`
 * recognises each one by its key alone and reads back the parts its key was built from.
 */
export type EntityKind =
  | 'user' | 'photo' | 'reaction' | 'friendship'
  | 'credentials' | 'session' | 'mailToken' | 'loginThrottle' | 'passwordThrottle' | 'emailProbes' | 'emailClaim' | 'deletionJob'
  | 'block' | 'followRequest' | 'report' | 'reportQueue' | 'notice' | 'privateMark'
  | 'uploadSlot' | 'storageUse' | 'hourlyUploads' | 'idempotency'
  | 'comment' | 'commentCount' | 'commentRef' | 'commentLike'
  | 'feedEntry' | 'feedBigAuthors' | 'celebrityFollow' | 'recentPhotos' | 'activityItem' | 'activityState'
  | 'directoryToken' | 'checkpoint' | 'deadLetter' | 'workerStatus'
  | 'exploreEntry' | 'popularAccount' | 'activeAccount' | 'tagEntry' | 'tagName' | 'eventLogEntry' | 'streamTicket'
  | 'pushDevice' | 'pushPreferences' | 'pushCollapse';

export interface ParsedKey {
  kind: EntityKind;
  /** The values the key was built from, named as the entity names them. */
  parts: Record<string, string>;
}

/** `a#b#c` split at its first `count - 1` separators (the last part keeps any further `#`). */
function cut(value: string, count: number): string[] | undefined {
  const parts: string[] = [];
  let rest = value;
  for (let i = 1; i < count; i++) {
    const at = rest.indexOf('#');
    if (at < 0) return undefined;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts.every((p) => p.length > 0) ? parts : undefined;
}

const parsed = (kind: EntityKind, parts: Record<string, string>): ParsedKey => ({ kind, parts });

function parseMainKey(key: ItemKey): ParsedKey | undefined {
  const { PK: pk, SK: sk } = key;
  const lab = classifyKey(key);
  switch (lab.kind) {
    case 'user': return parsed('user', { username: lab.username });
    case 'photo': return parsed('photo', { username: lab.username, timestamp: lab.timestamp });
    case 'reaction': return parsed('reaction', { reactingUser: lab.reactingUser, reactionType: lab.reactionType, owner: lab.owner, photoTimestamp: lab.timestamp });
    case 'friendship': return parsed('friendship', { followedUser: lab.followed, followingUser: lab.follower });
    case 'email-claim': return parsed('emailClaim', { email: lab.email });
    case 'deletion-job': return parsed('deletionJob', { username: lab.username });
    case 'account': {
      const username = lab.username;
      if (sk === pk) return parsed('credentials', { username });
      if (sk.startsWith(SESSION)) return parsed('session', { username, sessionId: sk.slice(SESSION.length) });
      if (sk.startsWith(TOKEN)) return parsed('mailToken', { username, purpose: sk.slice(TOKEN.length) });
      if (sk === `${THROTTLE}LOGIN`) return parsed('loginThrottle', { username });
      if (sk === `${THROTTLE}EMAIL-TAKEN`) return parsed('emailProbes', { username });
      if (sk.startsWith(`${THROTTLE}PASSWORD#`)) return parsed('passwordThrottle', { username, sessionId: sk.slice(`${THROTTLE}PASSWORD#`.length) });
      if (sk.startsWith(PUSH_DEVICE) && sk.length > PUSH_DEVICE.length) return parsed('pushDevice', { username, deviceId: sk.slice(PUSH_DEVICE.length) });
      if (sk === PUSH_PREFS) return parsed('pushPreferences', { username });
      return undefined;
    }
    default:
  }
  const safety = classifySafetyKey(key);
  if (safety?.kind === 'block') return parsed('block', { blocker: safety.blocker, blocked: safety.blocked });
  if (safety?.kind === 'follow-request') return parsed('followRequest', { target: safety.target, requester: safety.requester });
  if (safety?.kind === 'private-mark') return parsed('privateMark', { username: safety.username });
  if (pk.startsWith(REPORT) && sk.startsWith(REPORTER)) return parsed('report', { target: pk.slice(REPORT.length), reporter: sk.slice(REPORTER.length) });
  if (pk.startsWith(REPORTS)) {
    const [createdAt, target, reporter] = cut(sk, 3) ?? [];
    return reporter === undefined ? undefined : parsed('reportQueue', { state: pk.slice(REPORTS.length), createdAt: createdAt!, target: target!, reporter });
  }
  if (pk.startsWith(NOTICE) && sk.startsWith(TAKEDOWN)) {
    const [at, photoId] = cut(sk.slice(TAKEDOWN.length), 2) ?? [];
    return photoId === undefined ? undefined : parsed('notice', { owner: pk.slice(NOTICE.length), at: at!, photoId });
  }
  if (pk.startsWith(UPLOAD) && sk === pk) return parsed('uploadSlot', { uploadId: pk.slice(UPLOAD.length) });
  if (pk.startsWith(USAGE)) {
    const username = pk.slice(USAGE.length);
    if (sk === pk) return parsed('storageUse', { username });
    const hour = sk.startsWith(`${HOUR}${username}#`) ? sk.slice(`${HOUR}${username}#`.length) : '';
    return hour ? parsed('hourlyUploads', { username, hour }) : undefined;
  }
  if (pk.startsWith(IDEMPOTENCY)) {
    const [scope, digest] = cut(sk, 2) ?? [];
    return digest === undefined ? undefined : parsed('idempotency', { username: pk.slice(IDEMPOTENCY.length), scope: scope!, digest });
  }
  if (pk.startsWith(COMMENTS)) {
    if (sk.startsWith(COMMENT) || sk.startsWith(REPLY)) return parsed('comment', {});
    if (sk.startsWith(COMMENT_COUNT)) return parsed('commentCount', {});
    return undefined;
  }
  if (pk.startsWith(COMMENTS_BY) && sk.startsWith(COMMENT_REF)) return parsed('commentRef', {});
  if (pk.startsWith(COMMENT_LIKES) && sk.startsWith(COMMENT_LIKE)) return parsed('commentLike', {});
  return undefined;
}

function parseDerivedKey(key: ItemKey): ParsedKey | undefined {
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
export function parseKey(key: ItemKey): ParsedKey | undefined {
  return parseMainKey(key) ?? parseDerivedKey(key);
}
