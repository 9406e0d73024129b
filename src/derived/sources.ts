/**
 * The main-table reads the views make while applying a record. They read the table's current
 * state, not the record's moment: the stream's later records bring the views to the same end.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { call, forEachQueryPage, type Db } from '../patterns/db.js';
import { classifyKey, keys, ranges } from '../schema/keys.js';

/** GetItem projecting `followers`; undefined when the user no longer exists. */
export async function followerCount(db: Db, username: string): Promise<number | undefined> {
  const result = await call(db, () =>
    db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(username), ProjectionExpression: 'followers' })),
  );
  if (!result.Item) return undefined;
  return typeof result.Item.followers === 'number' ? result.Item.followers : 0;
}

const FOLLOWER_PAGE = 1_000;

/** Every follower, a page at a time: Query `PK = USER#u AND begins_with(SK, #FRIEND#)`, keys only. */
export async function forEachFollowerPage(db: Db, username: string, onPage: (followers: string[]) => Promise<void>): Promise<void> {
  const range = ranges.followersOf(username);
  const input = {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.prefix },
    ProjectionExpression: 'PK, SK',
    Limit: FOLLOWER_PAGE,
  };
  await forEachQueryPage(db, input, async (items) => {
    const followers = items.flatMap((item) => {
      const kind = classifyKey({ PK: String(item.PK), SK: String(item.SK) });
      return kind.kind === 'friendship' ? [kind.follower] : [];
    });
    if (followers.length > 0) await onPage(followers);
  });
}

/** The user's newest photos' timestamps: Query `PK = USER#u AND begins_with(SK, PHOTO#u#)`, descending, keys only. */
export async function recentPhotoTimestamps(db: Db, username: string, limit: number): Promise<string[]> {
  const range = ranges.photosOf(username);
  const page = await call(db, () =>
    db.doc.send(
      new QueryCommand({
        TableName: db.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.prefix },
        ProjectionExpression: 'PK, SK',
        ScanIndexForward: false,
        Limit: limit,
      }),
    ),
  );
  return (page.Items ?? []).flatMap((item) => {
    const kind = classifyKey({ PK: String(item.PK), SK: String(item.SK) });
    return kind.kind === 'photo' ? [kind.timestamp] : [];
  });
}

/** Whether a user's photos may be shown to strangers: public, not suspended, not being deleted. */
export function isPubliclyListed(user: Record<string, unknown> | undefined): boolean {
  return user !== undefined && user.private !== true && user.suspendedAt === undefined && user.deleting === undefined;
}

/** GetItem of the user projected to what public listing depends on; undefined when the user no longer exists. */
export async function listingState(db: Db, username: string): Promise<Record<string, unknown> | undefined> {
  const result = await call(db, () =>
    db.doc.send(
      new GetCommand({
        TableName: db.table,
        Key: keys.user(username),
        ProjectionExpression: 'username, #p, suspendedAt, deleting',
        ExpressionAttributeNames: { '#p': 'private' },
      }),
    ),
  );
  return result.Item;
}

/** Every photo timestamp of the user, a page at a time: Query `PK = USER#u AND begins_with(SK, PHOTO#u#)`, keys only. */
export async function forEachPhotoPage(db: Db, username: string, onPage: (timestamps: string[]) => Promise<void>): Promise<void> {
  const range = ranges.photosOf(username);
  const input = {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.prefix },
    ProjectionExpression: 'PK, SK',
    Limit: FOLLOWER_PAGE,
  };
  await forEachQueryPage(db, input, async (items) => {
    const timestamps = items.flatMap((item) => {
      const kind = classifyKey({ PK: String(item.PK), SK: String(item.SK) });
      return kind.kind === 'photo' ? [kind.timestamp] : [];
    });
    if (timestamps.length > 0) await onPage(timestamps);
  });
}
