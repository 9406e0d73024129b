/**
 * Blocking. A block is one item, `BLOCK#<blocker>` / `BLOCKED#<blocked>` (keys.ts), outside
 * every USER# partition and every lab range. The lab's follow and react transactions carry a
 * ConditionCheck `attribute_not_exists(PK)` on it (see `notBlocked`), so a block and a racing
 * follow or reaction serialize inside DynamoDB: whichever commits second fails its condition.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../../errors.js';
import { assertUsername } from '../../schema/entities.js';
import { Block } from '../../schema/entities/index.js';
import { keys, ranges } from '../../schema/keys.js';
import { uniqueTimestamp } from '../../schema/timestamps.js';
import { backoff, batchGet, call, queryPage, RETRY, transact, type Db, type Page, type PageRequest } from '../db.js';
import { ACTIVE_USER, activeFor, inactiveUser } from '../guards.js';
import { safetyErrors } from './errors.js';
import { setCounterIf } from '../repair.js';

export type { Block };

/** The ConditionCheck a write adds so that it fails when `blocker` has blocked `blocked`. */
export function notBlocked(db: Db, blocker: string, blocked: string) {
  return { ConditionCheck: { TableName: db.table, Key: keys.block(blocker, blocked), ConditionExpression: 'attribute_not_exists(PK)' } };
}

function pair(blockerName: string, blockedName: string) {
  const blocker = assertUsername(blockerName, 'blocker');
  const blocked = assertUsername(blockedName, 'blocked user');
  if (blocker === blocked) throw safetyErrors.selfBlock(blocker);
  return { blocker, blocked };
}

/** Re-plans tolerated when a follow slips in between the read and the transaction. */
const BLOCK_ATTEMPTS = 10;

/**
 * BatchGetItem of both friendships between the pair, then one TransactWriteItems (7 items):
 * Put of the block (`attribute_not_exists(PK)`) + per friendship a Delete (`attribute_exists`)
 * if it exists or a ConditionCheck (`attribute_not_exists`) if not + one Update per user
 * adjusting followers/following by what is deleted (and `blocking + 1` on the blocker,
 * `blockedBy + 1` on the blocked: lists read by either skip their filter while these are 0) +
 * unconditional Deletes of pending follow requests either way. A follow committed between
 * the read and the write fails a condition and the plan is made again, so the counters equal
 * the friendships afterwards, always. The pair has a fixed number of keys: it always fits.
 */
export async function blockUser(db: Db, blockerName: string, blockedName: string): Promise<Block> {
  const { blocker, blocked } = pair(blockerName, blockedName);
  const block: Block = { blocker, blocked, timestamp: uniqueTimestamp() };
  // byBlocked: blocked follows blocker (USER#blocker / #FRIEND#blocked); byBlocker: the other way.
  const byBlockedKey = keys.friendship(blocker, blocked);
  const byBlockerKey = keys.friendship(blocked, blocker);
  for (let attempt = 0; attempt < BLOCK_ATTEMPTS; attempt++) {
    const found = await batchGet(db, 'blockUser', [byBlockedKey, byBlockerKey]);
    const has = (key: { PK: string; SK: string }) => found.some((item) => item.PK === key.PK && item.SK === key.SK);
    const byBlocked = has(byBlockedKey) ? 1 : 0;
    const byBlocker = has(byBlockerKey) ? 1 : 0;
    const friendshipItem = (key: { PK: string; SK: string }, exists: number) =>
      exists
        ? { Delete: { TableName: db.table, Key: key, ConditionExpression: 'attribute_exists(SK)' } }
        : { ConditionCheck: { TableName: db.table, Key: key, ConditionExpression: 'attribute_not_exists(SK)' } };
    // The blocker's update carries the acting-user condition (exists, not deleting, not suspended).
    const userUpdate = (username: string, followers: number, following: number, extra: string, acting: boolean) => ({
      Update: activeFor(acting ? username : '', {
        TableName: db.table,
        Key: keys.user(username),
        UpdateExpression: `SET followers = followers - :fr, following = following - :fg${extra}`,
        // The blocked side may not be an account being deleted: its job has already swept the blocks against it.
        ConditionExpression: `${acting ? ACTIVE_USER : 'attribute_exists(PK) AND attribute_not_exists(deleting)'} AND followers >= :fr AND following >= :fg`,
        ExpressionAttributeValues: { ':fr': followers, ':fg': following, ...(extra ? { ':one': 1, ':zero': 0 } : {}) },
        ...(acting ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
      }),
    });
    const applied = await transact(
      db,
      'blockUser',
      [
        { Put: { TableName: db.table, Item: { ...keys.block(blocker, blocked), ...block }, ConditionExpression: 'attribute_not_exists(PK)' } },
        friendshipItem(byBlockedKey, byBlocked),
        friendshipItem(byBlockerKey, byBlocker),
        userUpdate(blocker, byBlocked, byBlocker, ', blocking = if_not_exists(blocking, :zero) + :one', true),
        userUpdate(blocked, byBlocker, byBlocked, ', blockedBy = if_not_exists(blockedBy, :zero) + :one', false),
        // Pending requests either way go too; none can be made afterwards (requestFollow checks the block).
        { Delete: { TableName: db.table, Key: keys.followRequest(blocker, blocked) } },
        { Delete: { TableName: db.table, Key: keys.followRequest(blocked, blocker) } },
      ],
      (failed, reasons) => {
        if (failed(0)) return safetyErrors.alreadyBlocked(blocker, blocked);
        if (failed(1) || failed(2)) return RETRY;
        // An inactive blocker or a missing user (a counter below what is deleted would have failed the friendship too).
        return failed(3) ? inactiveUser(blocker, reasons[3]) : errors.userNotFound(blocked);
      },
    );
    if (applied) return block;
    await backoff(attempt);
  }
  throw errors.transactionConflict();
}

/**
 * TransactWriteItems: Delete of the block (must exist) + `blocking - 1` on the blocker +
 * `blockedBy - 1` on the blocked (if it is at least 1). Follows are not restored. A blocked
 * user whose counter cannot go down (an item from before the counter, or gone) makes a second
 * transaction without that Update: the counter stays high, which costs its lists a read, never
 * hides less; `doctor --fix` sets it exact.
 */
export async function unblockUser(db: Db, blockerName: string, blockedName: string): Promise<void> {
  const { blocker, blocked } = pair(blockerName, blockedName);
  const blockedCounter = {
    Update: {
      TableName: db.table,
      Key: keys.user(blocked),
      UpdateExpression: 'SET blockedBy = blockedBy - :one',
      ConditionExpression: 'blockedBy >= :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
  for (const counted of [true, false]) {
    const applied = await transact(
      db,
      'unblockUser',
      [...blockerSide(db, blocker, blocked), ...(counted ? [blockedCounter] : [])],
      (failed, reasons) => {
        if (failed(0)) return safetyErrors.notBlocked(blocker, blocked);
        if (failed(1)) return inactiveUser(blocker, reasons[1]);
        return RETRY;
      },
    );
    if (applied) return;
  }
  throw errors.transactionConflict();
}

/** The unblock's Delete of the block and `blocking - 1` on the blocker (acting-user condition). */
function blockerSide(db: Db, blocker: string, blocked: string) {
  return [
    { Delete: { TableName: db.table, Key: keys.block(blocker, blocked), ConditionExpression: 'attribute_exists(PK)' } },
    {
      Update: activeFor(blocker, {
        TableName: db.table,
        Key: keys.user(blocker),
        UpdateExpression: 'SET blocking = blocking - :one',
        ConditionExpression: `${ACTIVE_USER} AND blocking >= :one`,
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      }),
    },
  ];
}

/** GetItem on the block item; undefined when `blocker` has not blocked `blocked`. */
export async function findBlock(db: Db, blockerName: string, blockedName: string): Promise<Block | undefined> {
  const { blocker, blocked } = pair(blockerName, blockedName);
  const result = await call(db, 'findBlock', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.block(blocker, blocked) })));
  return result.Item ? Block.decode(result.Item) : undefined;
}

/** The users `blocker` blocked, by name: Query `PK = BLOCK#u AND begins_with(SK, BLOCKED#)`. */
export async function listBlocks(db: Db, blockerName: string, page: PageRequest = {}): Promise<Page<Block>> {
  const blocker = assertUsername(blockerName, 'blocker');
  const range = ranges.blocksBy(blocker);
  const { page: result } = await queryPage(
    db,
    'listBlocks',
    `blocks:${blocker}`,
    { KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)', ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.prefix } },
    page,
    Block.decode,
  );
  return result;
}

/**
 * Doctor's repair of `blocking` (the user's block items) or `blockedBy` (the block items naming
 * the user), which blocking and unblocking keep exact: set to the recount if still as read.
 */
export function repairBlockCounter(db: Db, username: string, counter: 'blocking' | 'blockedBy', stored: unknown, actual: number): Promise<boolean> {
  return setCounterIf(db, keys.user(username), [counter], stored, actual);
}
