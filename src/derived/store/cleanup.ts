/**
 * What the derived table holds for one account, removed when the account is deleted (the
 * deletion job calls it before the profile goes): its feed (`FEED#u`), followed celebrities
 * (`FEEDSRC#u`), activity items and read marker (`ACTIVITY#u`), push collapse items (`PUSH#u`),
 * its newest photo times as a big author (`RECENT#u`). Entries naming the account
 * in others' partitions (feed entries of its photos, activity items it caused, directory
 * tokens) go as the worker applies the deletions of their sources; `doctor` removes any that
 * outlive their source (src/admin/doctor-derived.ts).
 */
import { isDomainError } from '../../errors.js';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type Db } from '../../patterns/db.js';
import { paginate } from '../../patterns/paging.js';
import { derivedKeys, derivedRanges } from '../../schema/keys.js';
import { batchWrite, derivedDb } from './writes.js';

export async function deleteDerivedOf(db: Db, username: string): Promise<void> {
  const derived = derivedDb(db);
  const partitions = [
    derivedRanges.feed(username).pk,
    derivedRanges.celebritiesFollowedBy(username).pk,
    derivedRanges.activity(username).pk,
    derivedRanges.push(username).pk,
    // A big author's newest photo times: its photos' deletions leave the item once the job has taken its followers.
    derivedKeys.recentPhotos(username).PK,
  ];
  try {
    for (const pk of partitions) {
      const input = { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk }, ProjectionExpression: 'PK, SK', ConsistentRead: true };
      for await (const { Items: items } of paginate(derived, 'deleteDerivedOf', QueryCommand, input)) {
        await batchWrite(derived, items.map((item) => ({ delete: { PK: String(item.PK), SK: String(item.SK) } })));
      }
    }
  } catch (error) {
    // A deployment without the derived table has nothing there to remove.
    if (isDomainError(error) && error.code === 'TABLE_NOT_FOUND') return;
    throw error;
  }
}
