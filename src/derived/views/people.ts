/**
 * Who to suggest to someone whose graph gives nothing yet: the most followed accounts
 * (`PEOPLE#popular` / `<followers>#<username>`, one entry per account with a follower, moved
 * when its count changes) and recently joined ones (`PEOPLE#new` / `<joinedAt>#<username>`,
 * written on sign-up, expiring after NEW_ACCOUNT_DAYS). Suspended accounts and accounts being
 * deleted leave the popular list; the new list is filtered at read (its key's time is not in
 * the User item) and by TTL. Keys come from the record's images, so a replay writes the same.
 *
 * The popular list is one partition: every follow moves one entry (a Delete and a Put). Past
 * ~500 follows a second it would be hot: shard it as Explore is (a hash of the name) and merge
 * the partitions' tops at read.
 */
import { derivedKeys, type ItemKey } from '../../schema/keys.js';
import type { RawItem } from '../../schema/items.js';
import type { DerivedView } from '../apply.js';
import type { Change } from '../records.js';
import { batchWrite, expiresIn, type DerivedWrite } from '../store.js';
import type { ViewContext } from './context.js';

/** Days a sign-up stays in the new-accounts list. */
export const NEW_ACCOUNT_DAYS = 30;

/** The popular-list entry a User item should have (none below one follower, nor for a hidden account). */
export function popularItem(user: RawItem | undefined): (RawItem & ItemKey) | undefined {
  if (!user || typeof user.username !== 'string' || user.suspendedAt !== undefined || user.deleting !== undefined) return undefined;
  const followers = typeof user.followers === 'number' ? user.followers : 0;
  if (followers < 1) return undefined;
  return { ...derivedKeys.popularAccount(user.username, followers), username: user.username, followers };
}

export function peopleView(ctx: ViewContext): DerivedView {
  const { derived } = ctx;
  return {
    name: 'people',
    async apply(change: Change): Promise<void> {
      if (change.kind.kind !== 'user') return;
      const before = change.event === 'INSERT' ? undefined : popularItem(change.oldImage);
      const after = change.event === 'REMOVE' ? undefined : popularItem(change.newImage);
      const writes: DerivedWrite[] = [];
      if (before && (!after || before.SK !== after.SK)) writes.push({ delete: { PK: before.PK, SK: before.SK } });
      if (after && (!before || before.SK !== after.SK || change.event === 'INSERT')) writes.push({ put: after });
      if (change.event === 'INSERT') {
        const joinedAt = change.at.toISOString();
        writes.push({ put: { ...derivedKeys.newAccount(change.kind.username, joinedAt), username: change.kind.username, expiresAt: expiresIn(NEW_ACCOUNT_DAYS) } });
      }
      if (writes.length > 0) await batchWrite(derived, writes);
    },
  };
}
