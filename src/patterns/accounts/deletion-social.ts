/**
 * The deletion job's sweep of the account's social ties, each step exact on the counters it
 * implies: the reactions it gave (each photo's count down) and its follows both ways (the other
 * user's counter and its own down), in bounded transactions guarded by the job's check.
 */
import { REACTION_TYPES, type ReactionType } from '../../schema/entities.js';
import { INVERTED_INDEX, keys, parsePhotoSk, ranges, reactionPartition, type ItemKey } from '../../schema/keys.js';
import { type Db } from '../db.js';
import { inPrefix } from '../paging.js';
import { DELETING_USER, deletingUserCheck } from '../guards.js';
import { drain, page, type Step } from './deletion-steps.js';

/** Pairs a transaction of at most 100 items holds beside the job's check. */
const PAIR_CHUNK = 49;

const decrementUser = (db: Db, username: string, field: 'followers' | 'following', n: number, guard: string) => ({
  Update: {
    TableName: db.table,
    Key: keys.user(username),
    UpdateExpression: `SET ${field} = ${field} - :n`,
    ConditionExpression: `${guard} AND ${field} >= :n`,
    ExpressionAttributeValues: { ':n': n },
  },
});

/**
 * Reactions the user gave: Query `PK = REACTION#u#<type>` per type (49 at a time), then one
 * transaction per page: each reaction's Delete + its photo's `reactions.<type> - 1`, + the
 * job's ConditionCheck. A page that fails (a photo deleted meanwhile) is redone one by one;
 * a reaction whose photo no longer exists is deleted alone, conditional on that.
 */
export async function deleteReactionsGiven(db: Db, username: string, step: Step): Promise<void> {
  for (const type of REACTION_TYPES) {
    await drain(async () => {
      const items = await page(db, { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': reactionPartition(username, type) } }, PAIR_CHUNK);
      if (items.length === 0) return 'empty';
      const pairs = items.map((item) => reactionPair(db, { PK: String(item.PK), SK: String(item.SK) }, type));
      if (await step('reactions given', [...pairs.flat(), deletingUserCheck(db, username)])) return 'progress';
      let progress = false;
      for (const [i, pair] of pairs.entries()) {
        if (await step('reaction given', [...pair, deletingUserCheck(db, username)])) progress = true;
        else {
          const photo = parsePhotoSk(String(items[i]?.SK));
          if (!photo) continue;
          const orphan = await step('orphan reaction', [
            { Delete: { TableName: db.table, Key: { PK: String(items[i]?.PK), SK: String(items[i]?.SK) }, ConditionExpression: 'attribute_exists(PK)' } },
            { ConditionCheck: { TableName: db.table, Key: keys.photo(photo.username, photo.timestamp), ConditionExpression: 'attribute_not_exists(PK)' } },
          ]);
          progress ||= orphan;
        }
      }
      return progress ? 'progress' : 'stalled';
    });
  }
}

function reactionPair(db: Db, key: ItemKey, type: ReactionType) {
  const photo = parsePhotoSk(key.SK);
  return [
    { Delete: { TableName: db.table, Key: key, ConditionExpression: 'attribute_exists(PK)' } },
    {
      Update: {
        TableName: db.table,
        Key: photo ? keys.photo(photo.username, photo.timestamp) : key,
        UpdateExpression: 'SET reactions.#t = reactions.#t - :one',
        ConditionExpression: 'attribute_exists(PK) AND reactions.#t >= :one',
        ExpressionAttributeNames: { '#t': type },
        ExpressionAttributeValues: { ':one': 1 },
      },
    },
  ];
}

interface FriendshipKey {
  followed: string;
  follower: string;
}

/** Self-follows (in the lab's data) are one item counted on both sides of one user: one Update. */
function selfFollow(db: Db, username: string) {
  return [
    { Delete: { TableName: db.table, Key: keys.friendship(username, username), ConditionExpression: 'attribute_exists(PK)' } },
    {
      Update: {
        TableName: db.table,
        Key: keys.user(username),
        UpdateExpression: 'SET followers = followers - :one, following = following - :one',
        ConditionExpression: `${DELETING_USER} AND followers >= :one AND following >= :one`,
        ExpressionAttributeValues: { ':one': 1 },
      },
    },
  ];
}

/**
 * One page of friendships touching the user: each friendship's Delete + the other user's
 * counter - 1, + one Update of this user's counter by the page's size (conditional on the
 * user being marked and the counter covering it). Failed pages are redone one by one.
 */
async function deleteFriendships(db: Db, username: string, step: Step, side: 'following' | 'followers', read: () => Promise<FriendshipKey[]>): Promise<void> {
  const other = side === 'following' ? 'followers' : 'following';
  await drain(async () => {
    const found = await read();
    if (found.length === 0) return 'empty';
    const self = found.some((f) => f.followed === f.follower);
    const others = found.filter((f) => f.followed !== f.follower);
    const pair = (f: FriendshipKey) => [
      { Delete: { TableName: db.table, Key: keys.friendship(f.followed, f.follower), ConditionExpression: 'attribute_exists(PK)' } },
      decrementUser(db, side === 'following' ? f.followed : f.follower, other, 1, 'attribute_exists(PK)'),
    ];
    let progress = false;
    if (self) progress = (await step('self-follow', selfFollow(db, username))) || progress;
    if (others.length === 0) return progress ? 'progress' : 'stalled';
    if (await step(side, [...others.flatMap(pair), decrementUser(db, username, side, others.length, DELETING_USER)])) return 'progress';
    for (const f of others) {
      if (await step(side, [...pair(f), decrementUser(db, username, side, 1, DELETING_USER)])) progress = true;
    }
    return progress ? 'progress' : 'stalled';
  });
}

/** Whom the user follows: Query InvertedIndex `SK = #FRIEND#u`, 49 at a time. */
export async function deleteFollowing(db: Db, username: string, step: Step): Promise<void> {
  await deleteFriendships(db, username, step, 'following', async () => {
    const items = await page(db, { IndexName: INVERTED_INDEX, KeyConditionExpression: 'SK = :sk', ExpressionAttributeValues: { ':sk': ranges.followedBy(username).sk } }, PAIR_CHUNK);
    return items.map((item) => ({ followed: String(item.followedUser), follower: username }));
  });
}

/** Who follows the user: Query `PK = USER#u AND begins_with(SK, #FRIEND#)`, 49 at a time. */
export async function deleteFollowers(db: Db, username: string, step: Step): Promise<void> {
  const range = ranges.followersOf(username);
  await deleteFriendships(db, username, step, 'followers', async () => {
    const items = await page(db, inPrefix(range), PAIR_CHUNK);
    return items.map((item) => ({ followed: username, follower: String(item.followingUser) }));
  });
}
