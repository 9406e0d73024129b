/** Access patterns on friendships (one-way follows). */
import { GetCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { assertUsername } from '../schema/entities.js';
import { Friendship, User } from '../schema/entities/index.js';
import { classifyKey, INVERTED_INDEX, keys, ranges } from '../schema/keys.js';
import { uniqueTimestamp } from '../schema/timestamps.js';
import { batchGet, call, transact, type Db, type TransactItem } from './db.js';
import { inPrefix, mapPage, queryPage, type Page, type PageRequest } from './paging.js';
import { notBlocked } from './safety/blocks.js';
import { safetyErrors } from './safety/errors.js';
import { assertUserExists } from './users.js';
import { ACTIVE_USER, activeFor, inactiveUser } from './guards.js';
import { repairIf, setCounterIf, type Precondition } from './repair.js';
import { checkedAs } from './acting.js';

/** A profile that failed the follow's condition only because it is private (not gone, not suspended). */
function isPrivateAndActive(item: Record<string, unknown> | undefined): boolean {
  if (item === undefined || item.deleting !== undefined || item.suspendedAt !== undefined) return false;
  const mark = item.private;
  return mark === true || (typeof mark === 'object' && mark !== null && (mark as { BOOL?: unknown }).BOOL === true);
}

function pair(follower: string, followed: string) {
  return { follower: assertUsername(follower, 'follower'), followed: assertUsername(followed, 'followed user') };
}

/**
 * The lab's three-item TransactWriteItems: Put of the Friendship with
 * `attribute_not_exists(SK)` + `followers + 1` on the followed user + `following + 1` on the
 * follower, both conditional on the user existing and being active (not being deleted, not
 * suspended: the follower is the acting user; a user being deleted can gain no follower).
 * Nothing changes unless all three apply. Two ConditionChecks on the block items of the pair ride along (src/patterns/safety/): a
 * user the followed one blocked sees USER_NOT_FOUND, as if the account did not exist.
 */
export interface FollowOptions {
  /**
   * Approving a follow request: the request item is deleted in the same transaction (it must
   * exist, so an approval racing a cancel applies exactly once), and the target may be private.
   */
  approvingRequest?: boolean;
}

export async function followUser(db: Db, followerName: string, followedName: string, options: FollowOptions = {}): Promise<Friendship> {
  const { follower, followed } = pair(followerName, followedName);
  if (follower === followed) throw errors.selfFollow(follower);
  const friendship: Friendship = { followedUser: followed, followingUser: follower, timestamp: uniqueTimestamp() };
  const approving = options.approvingRequest === true;
  await transact(
    db,
    'followUser',
    [
      { Put: { TableName: db.table, Item: Friendship.encode(friendship), ConditionExpression: 'attribute_not_exists(SK)' } },
      {
        Update: activeFor(followed, {
          TableName: db.table,
          Key: keys.user(followed),
          UpdateExpression: 'SET followers = followers + :one',
          // A private account is followed only through an approved request (src/patterns/safety/).
          ...(approving
            ? { ConditionExpression: ACTIVE_USER, ExpressionAttributeValues: { ':one': 1 } }
            : {
                ConditionExpression: `${ACTIVE_USER} AND (attribute_not_exists(#private) OR #private = :false)`,
                ExpressionAttributeNames: { '#private': 'private' },
                ExpressionAttributeValues: { ':one': 1, ':false': false },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
              }),
        }),
      },
      {
        Update: activeFor(follower, {
          TableName: db.table,
          Key: keys.user(follower),
          UpdateExpression: 'SET following = following + :one',
          ConditionExpression: ACTIVE_USER,
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        }),
      },
      notBlocked(db, followed, follower),
      notBlocked(db, follower, followed),
      ...(approving
        ? [{ Delete: { TableName: db.table, Key: keys.followRequest(followed, follower), ConditionExpression: 'attribute_exists(PK)' } }]
        : []),
    ],
    (failed, reasons) => {
      if (failed(5)) return safetyErrors.requestNotFound(follower, followed);
      if (failed(1) && isPrivateAndActive(reasons[1]?.Item)) return safetyErrors.privateAccount(followed);
      if (failed(1) || failed(3)) return errors.userNotFound(followed);
      if (failed(2)) return inactiveUser(follower, reasons[2]);
      if (failed(4)) return safetyErrors.youBlocked(follower, followed);
      return errors.alreadyFollowing(follower, followed);
    },
  );
  return friendship;
}

/**
 * The inverse transaction: Delete of the Friendship (conditional on it existing) + both
 * decrements, the follower's conditional on being active (the followed may be mid-deletion). The data's existing self-follows are one user item, so they take one update
 * (a transaction may not touch an item twice).
 */
export async function unfollowUser(db: Db, followerName: string, followedName: string): Promise<void> {
  const { follower, followed } = pair(followerName, followedName);
  const decrement = (username: string, expression: string, condition: string, actor: boolean) => ({
    Update: activeFor(actor ? username : '', {
      TableName: db.table,
      Key: keys.user(username),
      UpdateExpression: expression,
      ConditionExpression: `${actor ? ACTIVE_USER : 'attribute_exists(PK)'} AND ${condition}`,
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    }),
  });
  const updates =
    follower === followed
      ? [decrement(follower, 'SET followers = followers - :one, following = following - :one', 'followers >= :one AND following >= :one', true)]
      : [
          decrement(followed, 'SET followers = followers - :one', 'followers >= :one', false),
          decrement(follower, 'SET following = following - :one', 'following >= :one', true),
        ];
  const actorIndex = updates.length;
  await transact(
    db,
    'unfollowUser',
    [{ Delete: { TableName: db.table, Key: keys.friendship(followed, follower), ConditionExpression: 'attribute_exists(SK)' } }, ...updates],
    (failed, reasons) => {
      if (failed(actorIndex) && reasons[actorIndex]?.Item?.deleting !== undefined) return errors.accountDeleted(follower);
      return failed(0) ? errors.notFollowing(follower, followed) : errors.userNotFound(failed(1) && actorIndex !== 1 ? followed : follower);
    },
  );
}

/** GetItem on one friendship; undefined when `follower` does not follow `followed`. */
export async function findFriendship(db: Db, followerName: string, followedName: string): Promise<Friendship | undefined> {
  const { follower, followed } = pair(followerName, followedName);
  const result = await call(db, 'findFriendship', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.friendship(followed, follower) })));
  return result.Item ? Friendship.decode(result.Item) : undefined;
}

/** A user's followers: `PK = USER#u AND begins_with(SK, #FRIEND#)` on the main table. */
function followersQuery(username: string) {
  const range = ranges.followersOf(username);
  return inPrefix(range);
}

/** Followers: Query on the main table, `PK = USER#u AND begins_with(SK, #FRIEND#)`. */
export async function listFollowers(db: Db, username: string, page: PageRequest = {}): Promise<Page<Friendship>> {
  assertUsername(username);
  const { page: result } = await queryPage(
    db,
    'listFollowers',
    `followers:${username}`,
    followersQuery(username),
    page,
    Friendship.decode,
  );
  if (result.items.length === 0 && page.cursor === undefined && !checkedAs(username)) await assertUserExists(db, username);
  return result;
}

/** Followed users: Query on InvertedIndex, `SK = #FRIEND#u` (one item per followed user). */
export async function listFollowed(db: Db, username: string, page: PageRequest = {}): Promise<Page<Friendship>> {
  assertUsername(username);
  const { page: result } = await queryPage(
    db,
    'listFollowed',
    `followed:${username}`,
    {
      IndexName: INVERTED_INDEX,
      KeyConditionExpression: 'SK = :sk',
      ExpressionAttributeValues: { ':sk': ranges.followedBy(username).sk },
    },
    page,
    Friendship.decode,
  );
  if (result.items.length === 0 && page.cursor === undefined && !checkedAs(username)) await assertUserExists(db, username);
  return result;
}

export interface FollowedProfile {
  friendship: Friendship;
  /** Undefined only if the followed user's item is missing (an orphan `quick-photos doctor` reports). */
  user: User | undefined;
}

/**
 * Partial normalization, as the lab: the followed list (one index Query) enriched with each
 * user's profile through BatchGetItem (chunks of 100, UnprocessedKeys retried with backoff).
 */
export async function listFollowedWithProfiles(db: Db, username: string, page: PageRequest = {}): Promise<Page<FollowedProfile>> {
  const followed = await listFollowed(db, username, page);
  const profiles = await batchGet(db, 'listFollowedWithProfiles', followed.items.map((f) => keys.user(f.followedUser)));
  const byName = new Map(profiles.map((item) => [String(item.username), User.decode(item)]));
  return mapPage(followed, (friendship) => ({ friendship, user: byName.get(friendship.followedUser) }));
}

export type FollowCounter = 'followers' | 'following';

/**
 * The follow counters' rule, as followUser and unfollowUser write them: each friendship counts
 * once in its followed user's `followers` and once in its follower's `following` (a self-follow
 * of the data counts on both sides of the same user). Doctor recounts with it.
 */
export function countedBy(friendship: { follower: string; followed: string }): { username: string; counter: FollowCounter }[] {
  return [
    { username: friendship.followed, counter: 'followers' },
    { username: friendship.follower, counter: 'following' },
  ];
}

/** Doctor's repair: a follow counter set to its recount if it still holds what the audit read. */
export function repairFollowCounter(db: Db, username: string, counter: FollowCounter, stored: unknown, actual: number): Promise<boolean> {
  return setCounterIf(db, keys.user(username), [counter], stored, actual);
}

/**
 * Doctor's removal of a follow that must not exist (a blocked pair), if `preconditions` still
 * hold: as unfollowing does, counters included; counters already off (below one): the item
 * alone, and the counter audit recounts after.
 */
export async function removeFollowIf(db: Db, follower: string, followed: string, preconditions: Precondition[]): Promise<boolean> {
  const unfollow: TransactItem = { Delete: { TableName: db.table, Key: keys.friendship(followed, follower), ConditionExpression: 'attribute_exists(PK)' } };
  const decrements = countedBy({ follower, followed }).map(({ username, counter }): TransactItem => ({
    Update: {
      TableName: db.table,
      Key: keys.user(username),
      UpdateExpression: 'SET #f = #f - :one',
      ConditionExpression: '#f >= :one',
      ExpressionAttributeNames: { '#f': counter },
      ExpressionAttributeValues: { ':one': 1 },
    },
  }));
  return (await repairIf(db, [unfollow, ...decrements], preconditions)) || repairIf(db, [unfollow], preconditions);
}

/**
 * Follower pages of a fan-out: the first small, so the first writes start after a short read,
 * then 1,000 and 2,000 (keys only), so 10,000 followers are 7 Queries, not 11. Not larger: the
 * engine answers other requests late while it reads a page (DynamoDB Local: a GetItem up to
 * 70-200 ms behind a 5,000-item page, up to 50 ms behind 2,000 or 1,000), and a small author's
 * post waits behind it.
 */
const FIRST_FOLLOWER_PAGE = 250;
const FOLLOWER_PAGE = 2_000;

/**
 * Every follower's name, a page at a time, for fan-outs over a whole partition (the feed's):
 * the followers Query, keys only, pages growing from 250 to 2,000. The next page is read while
 * `onPage` runs on this one (one page ahead at most), so a writer fed by it need not wait for the read.
 */
export async function forEachFollowerPage(db: Db, username: string, onPage: (followers: string[]) => Promise<void>): Promise<void> {
  const read = (limit: number, start: Record<string, unknown> | undefined): Promise<QueryCommandOutput> =>
    call(db, 'forEachFollowerPage', () =>
      db.doc.send(new QueryCommand({ TableName: db.table, ...followersQuery(username), ProjectionExpression: 'PK, SK', Limit: limit, ExclusiveStartKey: start })),
    );
  let limit = FIRST_FOLLOWER_PAGE;
  let next: Promise<QueryCommandOutput> | undefined = read(limit, undefined);
  while (next) {
    const page: QueryCommandOutput = await next;
    const items = page.Items ?? [];
    const start = page.LastEvaluatedKey;
    limit = Math.min(FOLLOWER_PAGE, limit * 4);
    next = start ? read(limit, start) : undefined;
    // Awaited on the next turn; if onPage throws first, its failure must not go unhandled.
    next?.catch(() => undefined);
    const followers = items.flatMap((item) => {
      const kind = classifyKey({ PK: String(item.PK), SK: String(item.SK) });
      return kind.kind === 'friendship' ? [kind.follower] : [];
    });
    if (followers.length > 0) await onPage(followers);
  }
}
