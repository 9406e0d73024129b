/**
 * Consistency audit (`quick-photos doctor`): scans the whole table, recounts what every
 * counter counts (by the rules the writes state: countedBy in patterns/follows.ts), and finds
 * orphans. An operator tool, never on a request path: its Scan is src/patterns/audit/, which
 * only src/admin/ imports.
 *
 * Repairs are conditional so they never clobber a write that lands meanwhile: an orphan is
 * deleted only if still present and what it lacked (its photo, its user) is still missing,
 * and a counter is set to the recount only if it still holds the value the audit saw. What
 * could not be repaired shows up in the re-audit that follows.
 */
import type { DocClient } from '../engine/doc-client.js';
import { isReactionType, REACTION_TYPES, type ReactionType } from '../schema/entities.js';
import { classifyKey, keys, type ItemKey } from '../schema/keys.js';
import type { RawItem } from '../schema/entity.js';
import { accountAuditor, describeAccountProblem, repairAccountProblem, type AccountProblem } from './doctor-accounts.js';
import { forEachTableItem } from '../patterns/audit/index.js';
import { countedBy, repairFollowCounter } from '../patterns/follows.js';
import { repairReactionCount } from '../patterns/reactions.js';
import { absent, deleteIf, operatorDb } from '../patterns/repair.js';

export type Problem =
  | { type: 'user-counter'; key: ItemKey; username: string; field: 'followers' | 'following'; stored: unknown; actual: number }
  | { type: 'photo-counter'; key: ItemKey; owner: string; timestamp: string; reaction: ReactionType; stored: unknown; actual: number }
  /** `missing`: the items whose absence makes it an orphan (the repair re-checks them). */
  | { type: 'orphan-reaction'; key: ItemKey; reason: string; missing: ItemKey[] }
  | { type: 'orphan-friendship'; key: ItemKey; reason: string; missing: ItemKey[] }
  | { type: 'orphan-photo'; key: ItemKey; reason: string; missing: ItemKey[] }
  | AccountProblem;

export interface AuditCounts {
  scanned: number;
  users: number;
  photos: number;
  reactions: number;
  friendships: number;
}

export interface AuditReport extends AuditCounts {
  problems: Problem[];
  /** With fix: how many repairs applied, and what a re-audit still finds. */
  fixed?: number;
  remaining?: Problem[];
}

export interface AuditOptions {
  fix?: boolean;
  /** Parallel scan segments: the engine does the work, so a few suffice. */
  segments?: number;
  onProgress?: (scanned: number) => void;
}

interface Tally {
  stored: unknown;
  actual: number;
}

export async function auditOnce(doc: DocClient, table: string, options: AuditOptions = {}): Promise<AuditReport> {
  const counts: AuditCounts = { scanned: 0, users: 0, photos: 0, reactions: 0, friendships: 0 };
  const users = new Map<string, { followers: Tally; following: Tally }>();
  const photos = new Map<string, { owner: string; timestamp: string; stored: RawItem; actual: Record<ReactionType, number> }>();
  const reactions: { key: ItemKey; photo: string; type: string; reactingUser: string; owner: string; timestamp: string }[] = [];
  const friendships: { key: ItemKey; followed: string; follower: string }[] = [];
  const accounts = accountAuditor();

  const onItem = (item: RawItem) => {
    counts.scanned++;
    if (counts.scanned % 1000 === 0) options.onProgress?.(counts.scanned);
    const key = { PK: String(item.PK), SK: String(item.SK) };
    const kind = classifyKey(key);
    accounts.see(item, kind);
    switch (kind.kind) {
      case 'user':
        counts.users++;
        users.set(kind.username, { followers: { stored: item.followers, actual: 0 }, following: { stored: item.following, actual: 0 } });
        break;
      case 'photo':
        counts.photos++;
        photos.set(key.SK, {
          owner: kind.username,
          timestamp: kind.timestamp,
          stored: (item.reactions ?? {}) as RawItem,
          actual: { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 },
        });
        break;
      case 'reaction':
        counts.reactions++;
        reactions.push({ key, photo: key.SK, type: kind.reactionType, reactingUser: kind.reactingUser, owner: kind.owner, timestamp: kind.timestamp });
        break;
      case 'friendship':
        counts.friendships++;
        friendships.push({ key, followed: kind.followed, follower: kind.follower });
        break;
      default:
        break; // accounts, sessions and anything else carry no counters
    }
  };
  await forEachTableItem(operatorDb(doc, table), options.segments ?? 4, (items) => items.forEach(onItem));

  const problems: Problem[] = [];
  for (const r of reactions) {
    const photo = photos.get(r.photo);
    if (!photo) problems.push({ type: 'orphan-reaction', key: r.key, reason: `photo ${r.photo} does not exist`, missing: [keys.photo(r.owner, r.timestamp)] });
    else if (!isReactionType(r.type)) problems.push({ type: 'orphan-reaction', key: r.key, reason: `unknown reaction type ${r.type}`, missing: [] });
    else if (!users.has(r.reactingUser)) problems.push({ type: 'orphan-reaction', key: r.key, reason: `reacting user ${r.reactingUser} does not exist`, missing: [keys.user(r.reactingUser)] });
    else photo.actual[r.type]++;
  }
  for (const f of friendships) {
    const followed = users.get(f.followed);
    const follower = users.get(f.follower);
    const missing = [!followed && `followed user ${f.followed}`, !follower && `follower ${f.follower}`].filter(Boolean);
    if (!followed || !follower) {
      const missingKeys = [...(followed ? [] : [keys.user(f.followed)]), ...(follower ? [] : [keys.user(f.follower)])];
      problems.push({ type: 'orphan-friendship', key: f.key, reason: `${missing.join(' and ')} does not exist`, missing: missingKeys });
      continue;
    }
    // The data's self-follows count on both sides of the same user, as they did when written.
    for (const { username, counter } of countedBy(f)) users.get(username)![counter].actual++;
  }
  for (const [sk, photo] of photos) {
    if (!users.has(photo.owner)) {
      problems.push({ type: 'orphan-photo', key: { PK: keys.photo(photo.owner, photo.timestamp).PK, SK: sk }, reason: `owner ${photo.owner} does not exist`, missing: [keys.user(photo.owner)] });
      continue;
    }
    for (const reaction of REACTION_TYPES) {
      const stored = photo.stored[reaction];
      if (stored !== photo.actual[reaction]) {
        problems.push({ type: 'photo-counter', key: keys.photo(photo.owner, photo.timestamp), owner: photo.owner, timestamp: photo.timestamp, reaction, stored, actual: photo.actual[reaction] });
      }
    }
  }
  for (const [username, user] of users) {
    for (const field of ['followers', 'following'] as const) {
      if (user[field].stored !== user[field].actual) {
        problems.push({ type: 'user-counter', key: keys.user(username), username, field, stored: user[field].stored, actual: user[field].actual });
      }
    }
  }
  problems.push(...accounts.problems());
  return { ...counts, problems };
}

/** Applies one repair; false when the item or what made it a problem changed since the audit (the re-audit will tell). */
export async function repairProblem(doc: DocClient, table: string, problem: Problem): Promise<boolean> {
  const db = operatorDb(doc, table);
  switch (problem.type) {
    case 'deletion-pending':
    case 'deleting-without-job':
    case 'orphan-email-claim':
    case 'orphan-account-item':
    case 'orphan-named-item':
      return repairAccountProblem(doc, table, problem);
    case 'orphan-reaction':
    case 'orphan-friendship':
    case 'orphan-photo':
      // A user registered meanwhile under the missing name may have written this very key.
      return deleteIf(db, problem.key, problem.missing.map((key) => absent(key)));
    case 'user-counter':
      return repairFollowCounter(db, problem.username, problem.field, problem.stored, problem.actual);
    case 'photo-counter':
      return repairReactionCount(db, problem.owner, problem.timestamp, problem.reaction, problem.stored, problem.actual);
  }
}

/**
 * Audits the table; with `fix`, repairs and audits again until nothing is left to repair
 * (deleting an orphan photo can orphan its reactions, which the next round removes).
 */
export async function auditTable(doc: DocClient, table: string, options: AuditOptions = {}): Promise<AuditReport> {
  const first = await auditOnce(doc, table, options);
  if (!options.fix || first.problems.length === 0) return first;
  let fixed = 0;
  let current = first;
  for (let round = 0; round < 5 && current.problems.length > 0; round++) {
    // Orphans first: their deletion changes what the counters should be.
    const orphans = current.problems.filter((p) => p.type.startsWith('orphan-'));
    const batch = orphans.length > 0 ? orphans : current.problems;
    for (const problem of batch) if (await repairProblem(doc, table, problem)) fixed++;
    current = await auditOnce(doc, table, options);
  }
  return { ...first, fixed, remaining: current.problems };
}

/** One line per problem, for people. */
export function describeProblem(problem: Problem): string {
  switch (problem.type) {
    case 'user-counter':
      return `User<${problem.username}> ${problem.field} is ${String(problem.stored)}, its items say ${problem.actual}`;
    case 'photo-counter':
      return `Photo<${problem.owner} -- ${problem.timestamp}> reactions.${problem.reaction} is ${String(problem.stored)}, its items say ${problem.actual}`;
    case 'orphan-reaction':
      return `orphan reaction ${problem.key.PK} / ${problem.key.SK}: ${problem.reason}`;
    case 'orphan-friendship':
      return `orphan friendship ${problem.key.PK} / ${problem.key.SK}: ${problem.reason}`;
    case 'deletion-pending':
    case 'deleting-without-job':
    case 'orphan-email-claim':
    case 'orphan-account-item':
    case 'orphan-named-item':
      return describeAccountProblem(problem);
    case 'orphan-photo':
      return `orphan photo ${problem.key.PK} / ${problem.key.SK}: ${problem.reason}`;
  }
}
