/**
 * The consistency audit's account checks: email claims that no longer match their account,
 * account items (credentials, sessions, tokens) of users that are gone, users marked for
 * deletion without a job to finish it, deletions still pending, and any other item that names
 * an account that does not exist (blocks and requests either side, notices, private marks,
 * reports and their queue entries, of a user or of content whose id names one, usage counters, upload slots): a later account of that name
 * must inherit none of them. Repairs are conditional on what the audit read (the item is
 * there, the named accounts still are not, and no deletion of them has started; the user still
 * marked, still with another email); a pending deletion is finished by
 * `quick-photos accounts finish-deletions`.
 */
import { claimHeld } from '../patterns/accounts/claims.js';
import type { DocClient } from '../engine/doc-client.js';
import { releaseOrphanClaim } from '../patterns/accounts/claims.js';
import { restoreDeletionJob } from '../patterns/accounts/deletion.js';
import { absent, deleteIf, operatorDb } from '../patterns/repair.js';
import { normalizeEmail } from '../schema/entities.js';
import type { RawItem } from '../schema/entity.js';
import { parseCommentId, parsePhotoId } from '../schema/ids.js';
import { keys, usernamesNamedBy, type ItemKey, type KeyKind } from '../schema/keys.js';

export type AccountProblem =
  | { type: 'deletion-pending'; key: ItemKey; username: string; reason: string }
  | { type: 'deleting-without-job'; key: ItemKey; username: string; reason: string }
  /** `claimant` and `user`: the claim's username and that user's email as read (undefined: no such user). */
  | { type: 'orphan-email-claim'; key: ItemKey; reason: string; claimant: unknown; user: { email: string; deleting: boolean } | undefined }
  | { type: 'orphan-account-item'; key: ItemKey; reason: string; username: string }
  | { type: 'orphan-named-item'; key: ItemKey; missing: string[]; reason: string };

/** The users a photo id (its owner) or a comment id (its photo's owner, its author, a reply's parent author) names. */
function namesInId(kind: 'photo' | 'comment', id: string): string[] {
  if (kind === 'photo') {
    const photo = parsePhotoId(id);
    return photo ? [photo.username] : [];
  }
  const comment = parseCommentId(id);
  return comment ? [comment.photoOwner, comment.author, ...(comment.parentAuthor === undefined ? [] : [comment.parentAuthor])] : [];
}

export function accountAuditor() {
  // The email exactly as stored: a repair re-checks it.
  const users = new Map<string, { email: string; deleting: boolean }>();
  const jobs = new Set<string>();
  const claims: { key: ItemKey; email: string; username: unknown; reserved: boolean }[] = [];
  const accountItems: { key: ItemKey; username: string }[] = [];
  const namedItems: { key: ItemKey; names: string[] }[] = [];
  return {
    see(item: RawItem, kind: KeyKind): void {
      const key = { PK: String(item.PK), SK: String(item.SK) };
      if (kind.kind === 'user') users.set(kind.username, { email: typeof item.email === 'string' ? item.email : '', deleting: item.deleting !== undefined });
      else if (kind.kind === 'deletion-job') jobs.add(kind.username);
      // A live reservation: an address the account replaced, kept for its undo window (email-change.ts).
      else if (kind.kind === 'email-claim') claims.push({ key, email: kind.email, username: item.username, reserved: item.reservedUntil !== undefined && claimHeld(item) });
      else if (kind.kind === 'account') accountItems.push({ key, username: kind.username });
      else if (kind.kind === 'other') {
        const names = usernamesNamedBy(key, namesInId, item);
        if (names.length > 0) namedItems.push({ key, names });
      }
    },
    problems(): AccountProblem[] {
      const problems: AccountProblem[] = [];
      for (const username of jobs) {
        problems.push({ type: 'deletion-pending', key: keys.deletionJob(username), username, reason: 'run `quick-photos accounts finish-deletions`' });
      }
      for (const [username, user] of users) {
        if (user.deleting && !jobs.has(username)) {
          problems.push({ type: 'deleting-without-job', key: keys.user(username), username, reason: 'marked for deletion but no job will finish it' });
        }
      }
      for (const claim of claims) {
        const user = typeof claim.username === 'string' ? users.get(claim.username) : undefined;
        if (!user || user.deleting || (normalizeEmail(user.email) !== claim.email && !claim.reserved)) {
          problems.push({ type: 'orphan-email-claim', key: claim.key, reason: `claimed for ${String(claim.username)}, whose account does not have this email`, claimant: claim.username, user });
        }
      }
      for (const item of accountItems) {
        if (!users.has(item.username) && !jobs.has(item.username)) {
          problems.push({ type: 'orphan-account-item', key: item.key, reason: `user ${item.username} does not exist`, username: item.username });
        }
      }
      for (const item of namedItems) {
        const missing = [...new Set(item.names)].filter((name) => !users.has(name) && !jobs.has(name));
        if (missing.length > 0) problems.push({ type: 'orphan-named-item', key: item.key, missing, reason: `names ${missing.join(', ')}, which does not exist` });
      }
      return problems;
    },
  };
}

/** Applies one repair; false when it cannot be repaired here or what the audit read changed since. */
export async function repairAccountProblem(doc: DocClient, table: string, problem: AccountProblem): Promise<boolean> {
  const db = operatorDb(doc, table);
  switch (problem.type) {
    case 'deletion-pending':
      return false;
    case 'deleting-without-job':
      return restoreDeletionJob(db, problem.username);
    case 'orphan-email-claim':
      // The claim still names the same account, and that account still lacks this email.
      return releaseOrphanClaim(db, problem.key, typeof problem.claimant === 'string' ? problem.claimant : undefined, problem.user);
    case 'orphan-account-item':
      // A re-registration of the name meanwhile writes these very keys: only a still-absent user's go.
      return deleteIf(db, problem.key, [absent(keys.user(problem.username)), absent(keys.deletionJob(problem.username))]);
    case 'orphan-named-item':
      // Still no such account, and none being deleted (its job removes the item itself).
      return deleteIf(db, problem.key, problem.missing.flatMap((name) => [absent(keys.user(name)), absent(keys.deletionJob(name))]));
  }
}

export function describeAccountProblem(problem: AccountProblem): string {
  const what = {
    'deletion-pending': 'deletion pending',
    'deleting-without-job': 'deletion stuck',
    'orphan-email-claim': 'orphan email claim',
    'orphan-account-item': 'orphan account item',
    'orphan-named-item': 'item naming a missing account',
  }[problem.type];
  return `${what} ${'username' in problem ? problem.username : `${problem.key.PK} / ${problem.key.SK}`}: ${problem.reason}`;
}
