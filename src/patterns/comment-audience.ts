/**
 * What a comment, a reply or a like carries beside its own items (comments.ts, comment-likes.ts):
 * the audience checks, read back from a cancelled transaction as the answer the route gives.
 */
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { errors, type DomainError } from '../errors.js';
import type { Db } from './db.js';
import { activeUserCheck, inactiveUser } from './guards.js';
import { notBlocked } from './safety/blocks.js';
import { ownerChecks, shownOwnerCheck } from './safety/marks.js';

/**
 * The checks a write by `actor` on `owner`'s photo carries beside its own items: the actor is
 * active; for another's photo (or a reply to another's comment), no block either way with each
 * other party, and the owner public (its private mark absent) or, on the second pass, followed
 * (and its mark not hidden).
 * Returns the items and how to read their failures.
 */
export function audienceChecks(db: Db, actor: string, owner: string, others: string[], privateOwner: boolean) {
  const parties = [...new Set([owner, ...others])].filter((u) => u !== actor);
  const ownerItems = ownerChecks(db, owner, actor, privateOwner);
  // The other parties besides the owner (a replied-to or liked comment's author): shown, not suspended or departing.
  const authors = parties.filter((u) => u !== owner);
  const items = [
    activeUserCheck(db, actor),
    ...parties.flatMap((u) => [notBlocked(db, u, actor), notBlocked(db, actor, u)]),
    ...(owner === actor ? [] : ownerItems.items),
    ...authors.map((u) => shownOwnerCheck(db, u)),
  ];
  /**
   * Explains a failure among these items, which start at `offset` in the transaction; undefined
   * when none of them failed. 'hidden': the owner is suspended or being deleted (the photo is
   * not found, as its read answers).
   */
  const explain = (offset: number, failed: (i: number) => boolean, reasons: CancellationReason[]): DomainError | 'private' | 'hidden' | undefined => {
    if (failed(offset)) return inactiveUser(actor, reasons[offset]);
    for (let i = 1; i < 1 + parties.length * 2; i++) if (failed(offset + i)) return errors.commentNotAllowed();
    const ownerWhy = owner === actor ? undefined : ownerItems.why(offset + 1 + parties.length * 2, failed, reasons);
    if (ownerWhy) return ownerWhy;
    // A hidden author's comment is answered as one that does not exist.
    for (let i = items.length - authors.length; i < items.length; i++) if (failed(offset + i)) return errors.commentNotFound();
    return undefined;
  };
  return { items, explain };
}
