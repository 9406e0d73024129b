/**
 * The social-safety invariants, audited and repaired (`quick-photos doctor` runs this before
 * the counter audit, because its repairs change what the counters should be):
 *  - no follow between a blocked pair (repair: the unfollow transaction, counters included);
 *  - no follow request between a blocked pair, nor beside a follow of the same pair (repair:
 *    delete the request);
 *  - each user's `blocking` equals its block items (repair: conditional set);
 *  - each user's `blockedBy` equals the block items naming it as blocked (repair: conditional set);
 *  - each user's `blockingNames` / `blockedByNames` hold those names, up to BLOCK_NAMES_MAX, and
 *    no other (repair: conditional set);
 *  - the private mark exists exactly when the User item says `private` (repair: put/delete).
 * One Scan of its own; every repair is conditional on what the audit read (the block still
 * there, the follow still there, `private` still what it was), and a re-audit says what is left.
 */
import type { DocClient } from '../engine/doc-client.js';
import type { RawItem } from '../schema/entity.js';
import { classifyKey, classifySafetyKey, keys, type ItemKey } from '../schema/keys.js';
import { forEachTableItem } from '../patterns/audit/index.js';
import { removeFollowIf } from '../patterns/follows.js';
import { deleteIf, operatorDb, present } from '../patterns/repair.js';
import { expectedBlockNames, repairBlockCounter, repairBlockNames } from '../patterns/safety/blocks.js';
import { repairPrivateMark } from '../patterns/safety/requests.js';
import { storedNames } from '../patterns/viewer.js';

export type SafetyProblem =
  | { type: 'blocked-follow'; key: ItemKey; follower: string; followed: string; block: ItemKey }
  | { type: 'blocked-request'; key: ItemKey; requester: string; target: string; block: ItemKey }
  | { type: 'request-beside-follow'; key: ItemKey; requester: string; target: string }
  | { type: 'blocking-counter'; key: ItemKey; username: string; stored: unknown; actual: number }
  | { type: 'blocked-by-counter'; key: ItemKey; username: string; stored: unknown; actual: number }
  | { type: 'private-mark'; key: ItemKey; username: string; private: boolean; hidden: boolean }
  | { type: 'block-names'; key: ItemKey; username: string; attribute: 'blockingNames' | 'blockedByNames'; stored: string[] | undefined; expected: string[] };

export interface SafetyReport {
  blocks: number;
  requests: number;
  problems: SafetyProblem[];
  fixed?: number;
  remaining?: SafetyProblem[];
}

export function describeSafetyProblem(p: SafetyProblem): string {
  switch (p.type) {
    case 'blocked-follow':
      return `${p.follower} follows ${p.followed} although one of them blocked the other`;
    case 'blocked-request':
      return `${p.requester} asks to follow ${p.target} although one of them blocked the other`;
    case 'request-beside-follow':
      return `${p.requester} both follows and asks to follow ${p.target}`;
    case 'blocking-counter':
      return `user ${p.username}: blocking is ${String(p.stored)} but ${p.actual} block items exist`;
    case 'blocked-by-counter':
      return `user ${p.username}: blockedBy is ${String(p.stored)} but ${p.actual} users block it`;
    case 'private-mark': {
      const account = `${p.private ? 'private' : 'public'}${p.hidden ? ', hidden (suspended or being deleted)' : ''} account`;
      return `user ${p.username}: the private mark ${p.private || p.hidden ? 'is missing or says otherwise' : 'remains'} for a ${account}`;
    }
    case 'block-names':
      return `user ${p.username}: ${p.attribute} holds ${p.stored?.length ?? 0} names, not the ${p.expected.length} the block items give`;
  }
}

export async function auditSafetyOnce(doc: DocClient, table: string): Promise<SafetyReport> {
  const blocks = new Set<string>();
  const blockingOf = new Map<string, number>();
  const blockedByOf = new Map<string, number>();
  const namesOf = { blockingNames: new Map<string, string[]>(), blockedByNames: new Map<string, string[]>() };
  const follows = new Set<string>();
  const followItems: { follower: string; followed: string; key: ItemKey }[] = [];
  const requests: { requester: string; target: string; key: ItemKey }[] = [];
  const users = new Map<string, { blocking: unknown; blockedBy: unknown; private: boolean; hidden: boolean; blockingNames: string[] | undefined; blockedByNames: string[] | undefined }>();
  const add = (map: Map<string, string[]>, user: string, name: string) => map.set(user, [...(map.get(user) ?? []), name]);
  /** The private marks found, by username: whether each says hidden. */
  const marks = new Map<string, boolean>();
  const pairKey = (a: string, b: string) => `${a}\u0000${b}`;

  await forEachTableItem(operatorDb(doc, table), 1, (items: RawItem[]) => {
    for (const item of items) {
      const key = { PK: String(item.PK), SK: String(item.SK) };
      const safety = classifySafetyKey(key);
      if (safety?.kind === 'block') {
        blocks.add(pairKey(safety.blocker, safety.blocked));
        blockingOf.set(safety.blocker, (blockingOf.get(safety.blocker) ?? 0) + 1);
        blockedByOf.set(safety.blocked, (blockedByOf.get(safety.blocked) ?? 0) + 1);
        add(namesOf.blockingNames, safety.blocker, safety.blocked);
        add(namesOf.blockedByNames, safety.blocked, safety.blocker);
      } else if (safety?.kind === 'follow-request') requests.push({ requester: safety.requester, target: safety.target, key });
      else if (safety?.kind === 'private-mark') marks.set(safety.username, item.hidden !== undefined);
      else {
        const kind = classifyKey(key);
        if (kind.kind === 'user') {
          users.set(kind.username, { blocking: item.blocking, blockedBy: item.blockedBy, private: item.private === true, hidden: item.suspendedAt !== undefined || item.deleting !== undefined, blockingNames: storedNames(item.blockingNames), blockedByNames: storedNames(item.blockedByNames) });
        }
        if (kind.kind === 'friendship') {
          follows.add(pairKey(kind.follower, kind.followed));
          followItems.push({ follower: kind.follower, followed: kind.followed, key });
        }
      }
    }
  });

  /** A block item between the pair, either way round (the one a repair re-checks). */
  const blockBetween = (a: string, b: string): ItemKey | undefined =>
    blocks.has(pairKey(a, b)) ? keys.block(a, b) : blocks.has(pairKey(b, a)) ? keys.block(b, a) : undefined;
  const problems: SafetyProblem[] = [];
  for (const f of followItems) {
    const block = f.follower !== f.followed ? blockBetween(f.follower, f.followed) : undefined;
    if (block) problems.push({ type: 'blocked-follow', ...f, block });
  }
  for (const r of requests) {
    const block = blockBetween(r.requester, r.target);
    if (block) problems.push({ type: 'blocked-request', ...r, block });
    else if (follows.has(pairKey(r.requester, r.target))) problems.push({ type: 'request-beside-follow', ...r });
  }
  for (const [username, user] of users) {
    const actual = blockingOf.get(username) ?? 0;
    const stored = user.blocking ?? 0;
    if (stored !== actual) problems.push({ type: 'blocking-counter', key: keys.user(username), username, stored: user.blocking, actual });
    const blockedBy = blockedByOf.get(username) ?? 0;
    if ((user.blockedBy ?? 0) !== blockedBy) problems.push({ type: 'blocked-by-counter', key: keys.user(username), username, stored: user.blockedBy, actual: blockedBy });
    // The mark exists while the account is private or hidden (suspended, being deleted), and says hidden exactly when hidden.
    const mark = marks.get(username);
    if ((user.private || user.hidden) !== (mark !== undefined) || (mark !== undefined && mark !== user.hidden)) {
      problems.push({ type: 'private-mark', key: keys.privateMark(username), username, private: user.private, hidden: user.hidden });
    }
    for (const attribute of ['blockingNames', 'blockedByNames'] as const) {
      const expected = expectedBlockNames(user[attribute], namesOf[attribute].get(username) ?? []);
      if (expected) problems.push({ type: 'block-names', key: keys.user(username), username, attribute, stored: user[attribute], expected });
    }
  }
  return { blocks: blocks.size, requests: requests.length, problems };
}

/**
 * Applies one repair if what the audit read still holds; false when it no longer does (a user
 * unblocked, unfollowed or toggled privacy meanwhile) or the item changed.
 */
export async function repairSafetyProblem(doc: DocClient, table: string, problem: SafetyProblem): Promise<boolean> {
  const db = operatorDb(doc, table);
  switch (problem.type) {
    case 'blocked-follow':
      return removeFollowIf(db, problem.follower, problem.followed, [present(problem.block)]);
    case 'blocked-request':
      return deleteIf(db, problem.key, [present(problem.block)]);
    case 'request-beside-follow':
      return deleteIf(db, problem.key, [present(keys.friendship(problem.target, problem.requester))]);
    case 'blocking-counter':
      return repairBlockCounter(db, problem.username, 'blocking', problem.stored, problem.actual);
    case 'blocked-by-counter':
      return repairBlockCounter(db, problem.username, 'blockedBy', problem.stored, problem.actual);
    case 'private-mark':
      return repairPrivateMark(db, problem.username, problem.private, problem.hidden);
    case 'block-names':
      return repairBlockNames(db, problem.username, problem.attribute, problem.stored, problem.expected);
  }
}

/** Audits; with `fix`, repairs each problem and audits again. */
export async function auditSafety(doc: DocClient, table: string, options: { fix?: boolean } = {}): Promise<SafetyReport> {
  const first = await auditSafetyOnce(doc, table);
  if (!options.fix || first.problems.length === 0) return first;
  let fixed = 0;
  for (const problem of first.problems) if (await repairSafetyProblem(doc, table, problem)) fixed++;
  const again = await auditSafetyOnce(doc, table);
  return { ...first, fixed, remaining: again.problems };
}
