/**
 * The tag index's writes (src/derived/views/tags.ts): entries `TAG#<tag>` / `<ts>#<owner>#<source>`
 * and the tag directory `TAGS#<first 2 chars>` / `<tag>` with a count of the tag's entries.
 *
 * The count moves only when an entry really appears or goes: the entry's Put is conditional on
 * it being absent and its Delete returns what it removed, so a replayed record finds the entry
 * already there (or already gone) and leaves the count alone. What can still put it off: a
 * crash between the entry's write and the count's (the replay then sees the entry and skips
 * the count), and two shards' records racing on one tag's count item; `doctor` recounts
 * (`countTagEntries`, `setTagCount`). So the count is documented as approximate.
 */
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { eachLimited } from '../../limit.js';
import { call, isConditionFailure, type Db } from '../../patterns/db.js';
import { paginate } from '../../patterns/paging.js';
import { derivedKeys, derivedRanges, type ItemKey } from '../../schema/keys.js';
import { TagEntry, TagName } from '../../schema/entities/index.js';
import { WRITE_CONCURRENCY } from './writes.js';

/** One tag's count moved by `by`; the directory item goes when it reaches 0 (conditional: a racing add keeps it). */
async function moveCount(derived: Db, tag: string, by: number): Promise<void> {
  const key = derivedKeys.tagName(tag);
  const result = await call(derived, 'moveTagCount', () =>
    derived.doc.send(
      new UpdateCommand({
        TableName: derived.table,
        Key: key,
        UpdateExpression: 'SET tag = :tag ADD #c :by',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':tag': tag, ':by': by },
        ReturnValues: 'UPDATED_NEW',
      }),
    ),
  );
  const count: unknown = result.Attributes?.count;
  if (typeof count === 'number' && count <= 0) await deleteNameIfEmpty(derived, key);
}

async function deleteNameIfEmpty(derived: Db, key: ItemKey): Promise<void> {
  try {
    await call(derived, 'moveTagCount', () =>
      derived.doc.send(new DeleteCommand({ TableName: derived.table, Key: key, ConditionExpression: '#c <= :zero', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':zero': 0 } })),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Puts the entry if absent and, if it was, counts it: true when it was new. */
export async function addTagEntry(derived: Db, entry: TagEntry): Promise<boolean> {
  try {
    await call(derived, 'addTagEntry', () =>
      derived.doc.send(new PutCommand({ TableName: derived.table, Item: TagEntry.encode(entry), ConditionExpression: 'attribute_not_exists(PK)' })),
    );
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
  await moveCount(derived, entry.tag, 1);
  return true;
}

/** Deletes the entry and, if it was there, uncounts it: true when it was there. */
export async function removeTagEntry(derived: Db, entry: Pick<TagEntry, 'tag' | 'photoOwner' | 'photoTimestamp' | 'source'>): Promise<boolean> {
  const key = derivedKeys.tagEntry(entry.tag, entry.photoOwner, entry.photoTimestamp, entry.source);
  const result = await call(derived, 'removeTagEntry', () => derived.doc.send(new DeleteCommand({ TableName: derived.table, Key: key, ReturnValues: 'ALL_OLD' })));
  if (!result.Attributes) return false;
  await moveCount(derived, entry.tag, -1);
  return true;
}

/**
 * Keeps the newest `keep` entries of one tag and removes the rest (each as `removeTagEntry`, so
 * the count follows): Query descending, keys only. Converges whenever it runs. Returns the removed.
 */
export async function trimTag(derived: Db, tag: string, keep: number): Promise<number> {
  let seen = 0;
  const doomed: TagEntry[] = [];
  const input = { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.tag(tag).pk }, ScanIndexForward: false };
  for await (const { Items: items } of paginate(derived, 'trimTag', QueryCommand, input)) {
    for (const item of items) if (++seen > keep) doomed.push(TagEntry.decode(item));
  }
  let removed = 0;
  await eachLimited(doomed, WRITE_CONCURRENCY, async (entry) => {
    if (await removeTagEntry(derived, entry)) removed++;
  });
  return removed;
}

/** How many entries a tag has (Query, Select COUNT; bounded by the per-tag trim). */
export async function countTagEntries(derived: Db, tag: string): Promise<number> {
  let count = 0;
  const input = { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.tag(tag).pk }, Select: 'COUNT' as const };
  for await (const page of paginate(derived, 'countTagEntries', QueryCommand, input)) count += page.Count ?? 0;
  return count;
}

/** doctor's repair: the directory item set to the recount (deleted at 0), if the count is still what the audit read. */
export async function setTagCount(derived: Db, tag: string, was: number | undefined, count: number): Promise<boolean> {
  const key = derivedKeys.tagName(tag);
  const still = was === undefined ? { ConditionExpression: 'attribute_not_exists(PK)' } : { ConditionExpression: '#c = :was', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':was': was } };
  try {
    if (count > 0) {
      await call(derived, 'setTagCount', () => derived.doc.send(new PutCommand({ TableName: derived.table, Item: TagName.encode({ tag, count }), ...still })));
    } else {
      await call(derived, 'setTagCount', () => derived.doc.send(new DeleteCommand({ TableName: derived.table, Key: key, ...still })));
    }
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
