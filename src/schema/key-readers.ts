/**
 * Keys read back: what a stored key says about the item that carries it (its entity and the
 * parts it was built from). The one place keys are parsed; keys.ts builds them.
 */
import { parseDerivedKey } from './derived-keys.js';
import { cut, parsed, type ItemKey, type ParsedKey } from './key-parts.js';
import {
  USER, METADATA, PHOTO, REACTION, FRIEND, ACCOUNT, SESSION, TOKEN, THROTTLE, EMAIL, DELETION,
  BLOCK, BLOCKED, FOLLOW_REQUEST, REQUESTER, REPORT, REPORTER, REPORTS, NOTICE, TAKEDOWN, PRIVACY,
  UPLOAD, USAGE, HOUR, IDEMPOTENCY, PUSH_DEVICE, PUSH_PREFS, COMMENTS, COMMENT, REPLY,
  COMMENT_COUNT, COMMENTS_BY, COMMENT_REF, COMMENT_LIKES, COMMENT_LIKE,
} from './key-prefixes.js';

/** What a key says about the item that carries it. */
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
