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
import { parseDerivedKey } from './derived-keys.js';
import { cut, parsed, type ItemKey, type ParsedKey } from './key-parts.js';

// The derived table's keys and the parsed-key shapes are declared beside this file; importers
// keep one place to ask for any key.
export * from './derived-keys.js';
export type { EntityKind, ItemKey, ParsedKey } from './key-parts.js';

export const PK = 'PK';
export const SK = 'SK';
export const INVERTED_INDEX = 'InvertedIndex';

/** An item's (or key's) primary key as one string: for sets and maps of items read back from a batch. */
export const keyString = (key: { PK?: unknown; SK?: unknown }): string => `${String(key.PK)}\n${String(key.SK)}`;


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
 * entries (reporter, and the target: a user, or the names in a photo's or comment's id), usage counters, idempotency keys, upload slots. What the doctor
 * checks against the users that exist. Photo and comment targets name users through their ids
 * (a photo its owner; a comment its photo's owner, its author and a reply's parent author),
 * which `namesInId` reads (schema/ids.ts owns those formats).
 */
export function usernamesNamedBy(key: ItemKey, namesInId: (kind: 'photo' | 'comment', id: string) => readonly string[], item?: Record<string, unknown>): string[] {
  const safety = classifySafetyKey(key);
  if (safety?.kind === 'block') return [safety.blocker, safety.blocked];
  if (safety?.kind === 'follow-request') return [safety.target, safety.requester];
  if (safety?.kind === 'private-mark') return [safety.username];
  const target = (name: string): string[] => {
    if (name.startsWith('user:')) return [name.slice('user:'.length)];
    if (name.startsWith('photo:')) return [...namesInId('photo', name.slice('photo:'.length))];
    if (name.startsWith('comment:')) return [...namesInId('comment', name.slice('comment:'.length))];
    return [];
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

export function parseKey(key: ItemKey): ParsedKey | undefined {
  return parseMainKey(key) ?? parseDerivedKey(key);
}
