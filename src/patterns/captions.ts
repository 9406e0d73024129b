/** Editing a photo's caption after upload (the owner only). */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { assertTimestamp, assertUsername } from '../schema/entities.js';
import type { Photo } from '../schema/entities/index.js';
import { Photo as PhotoEntity } from '../schema/entities/index.js';
import { keys } from '../schema/keys.js';
import { uniqueTimestamp } from '../schema/timestamps.js';
import { call, transact, type Db } from './db.js';
import { activeUserCheck, inactiveUser } from './guards.js';
import { assertCaption } from './media.js';

/**
 * Sets (or, with '', removes) the caption: one TransactWriteItems of the owner's active-user
 * check (with the acting session's condition) + an Update of the photo conditioned on it
 * existing, so a deleted or taken-down photo is PHOTO_NOT_FOUND rather than a stray item made
 * by the Update. Setting the same caption again applies again: the same answer. Then a
 * consistent GetItem of the photo, the answer. Feeds and activity hold references to the photo,
 * not copies of it, so they show the new caption on their next read.
 */
export async function updateCaption(db: Db, owner: string, timestamp: string, captionInput: unknown): Promise<Photo> {
  assertUsername(owner, 'owner');
  assertTimestamp(timestamp);
  const caption = assertCaption(captionInput);
  const key = keys.photo(owner, timestamp);
  // The edit's time rides in the item, so the mention activity it causes is dated by it on every replay.
  const editedAt = uniqueTimestamp();
  const write =
    caption === undefined
      ? { UpdateExpression: 'SET captionEditedAt = :at REMOVE caption', ExpressionAttributeValues: { ':at': editedAt } }
      : { UpdateExpression: 'SET caption = :caption, captionEditedAt = :at', ExpressionAttributeValues: { ':caption': caption, ':at': editedAt } };
  await transact(
    db,
    'updateCaption',
    [activeUserCheck(db, owner), { Update: { TableName: db.table, Key: key, ConditionExpression: 'attribute_exists(PK)', ...write } }],
    (failed, reasons) => (failed(0) ? inactiveUser(owner, reasons[0]) : errors.photoNotFound(owner, timestamp)),
  );
  const result = await call(db, 'updateCaption', () => db.doc.send(new GetCommand({ TableName: db.table, Key: key, ConsistentRead: true })));
  // Deleted between the two requests.
  if (!result.Item) throw errors.photoNotFound(owner, timestamp);
  return PhotoEntity.decode(result.Item);
}
