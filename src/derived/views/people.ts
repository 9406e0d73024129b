/**
 * Who to suggest to someone whose graph gives nothing yet: the most followed accounts
 * (`PEOPLE#popular` / `<followers>#<username>`, one entry per account with a follower, moved
 * when its count changes) and the recently active ones (`PEOPLE#active` / `<newest photo's
 * timestamp>#<username>`, moved by each post and photo deletion). Suspended accounts and
 * accounts being deleted leave the popular list; the active list is filtered at read. Keys
 * come from the record's images or the table's current state, so a replay writes the same.
 *
 * Each list is one partition: every follow moves one popular entry (a Delete and a Put), every
 * post one active entry. Past ~500 of those a second a list would be hot: shard it as Explore
 * is (a hash of the name) and merge the partitions' tops at read.
 */
import { derivedKeys, type ItemKey } from '../../schema/keys.js';
import type { RawItem } from '../../schema/entity.js';
import { ActiveAccount, PopularAccount } from '../../schema/entities/index.js';
import type { DerivedView } from '../apply.js';
import type { Change } from '../records.js';
import { recentPhotoTimestamps } from '../../patterns/photos.js';
import { batchWrite, type DerivedWrite } from '../store/index.js';
import type { ViewContext } from './context.js';

/** The popular-list entry a User item should have (none below one follower, nor for a hidden account). */
export function popularItem(user: RawItem | undefined): (RawItem & ItemKey) | undefined {
  if (!user || typeof user.username !== 'string' || user.suspendedAt !== undefined || user.deleting !== undefined) return undefined;
  const followers = typeof user.followers === 'number' ? user.followers : 0;
  if (followers < 1) return undefined;
  return PopularAccount.encode({ username: user.username, followers });
}

export const activeItem = (username: string, newestPhoto: string): RawItem & ItemKey => ActiveAccount.encode({ username, newestPhoto });

export function peopleView(ctx: ViewContext): DerivedView {
  const { db, derived } = ctx;

  /** The author's entry at their newest photo (read from the table), and none at the changed or the previous one. */
  async function active(author: string, changed: string): Promise<void> {
    const [newest, previous] = await recentPhotoTimestamps(db, author, 2);
    const writes: DerivedWrite[] = [];
    if (newest !== undefined) writes.push({ put: activeItem(author, newest) });
    for (const stale of [previous, changed]) if (stale !== undefined && stale !== newest) writes.push({ delete: derivedKeys.activeAccount(author, stale) });
    await batchWrite(derived, writes);
  }

  return {
    name: 'people',
    async apply(change: Change): Promise<void> {
      const { kind } = change;
      if (kind.kind === 'photo' && change.event !== 'MODIFY') return active(kind.username, kind.timestamp);
      if (kind.kind !== 'user') return;
      const before = change.event === 'INSERT' ? undefined : popularItem(change.oldImage);
      const after = change.event === 'REMOVE' ? undefined : popularItem(change.newImage);
      const writes: DerivedWrite[] = [];
      if (before && (!after || before.SK !== after.SK)) writes.push({ delete: { PK: before.PK, SK: before.SK } });
      if (after && (!before || before.SK !== after.SK || change.event === 'INSERT')) writes.push({ put: after });
      if (writes.length > 0) await batchWrite(derived, writes);
    },
  };
}
