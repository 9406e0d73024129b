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
import type { ItemKey } from './key-parts.js';
import {
  USER, METADATA, PHOTO, REACTION, FRIEND, ACCOUNT, SESSION, TOKEN, THROTTLE, EMAIL, DELETION,
  BLOCK, BLOCKED, FOLLOW_REQUEST, REQUESTER, REPORT, REPORTER, REPORTS, NOTICE, TAKEDOWN, PRIVACY,
  UPLOAD, USAGE, HOUR, IDEMPOTENCY, PUSH_DEVICE, PUSH_PREFS, COMMENTS, COMMENT, REPLY,
  COMMENT_COUNT, COMMENTS_BY, COMMENT_REF, COMMENT_LIKES, COMMENT_LIKE,
} from './key-prefixes.js';

// The derived table's keys, the parsed-key shapes and the readers of keys are declared beside
// this file; importers keep one place to ask for any key.
export * from './derived-keys.js';
export * from './key-readers.js';
export type { EntityKind, ItemKey, ParsedKey } from './key-parts.js';

export const PK = 'PK';
export const SK = 'SK';
export const INVERTED_INDEX = 'InvertedIndex';

/** An item's (or key's) primary key as one string: for sets and maps of items read back from a batch. */
export const keyString = (key: { PK?: unknown; SK?: unknown }): string => `${String(key.PK)}\n${String(key.SK)}`;

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
