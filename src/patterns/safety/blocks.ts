/**
 * Blocking. A block is one item, `BLOCK#<blocker>` / `BLOCKED#<blocked>` (keys.ts), outside
 * every USER# partition and every lab range. The lab's follow and react transactions carry a
 * ConditionCheck `attribute_not_exists(PK)` on it (see `notBlocked`), so a block and a racing
 * follow or reaction serialize inside DynamoDB: whichever commits second fails its condition.
 */
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../../errors.js';
import { assertUsername } from '../../schema/entities.js';
import { Block } from '../../schema/entities/index.js';
import { keys, ranges } from '../../schema/keys.js';
import { uniqueTimestamp } from '../../schema/timestamps.js';
import { backoff, batchGet, call, RETRY, transact, type Db } from '../db.js';
import { inPrefix, queryPage, type Page, type PageRequest } from '../paging.js';
import { ACTIVE_USER, activeFor, inactiveUser } from '../guards.js';
import { safetyErrors } from './errors.js';
import { setCounterIf, updateIfUnchanged } from '../repair.js';
import { plainItem } from '../acting.js';
import { storedNames } from '../viewer.js';
import { besideSessionCheck } from '../session-check.js';

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
 * Names a User item keeps in `blockingNames` and in `blockedByNames` (string sets moved with the
 * counters), so that list pages decide blocks from the viewer's own item (src/patterns/viewer.ts
 * `viewerBlocksOf`). Past it a name is counted but not kept: that viewer's pages read the block
 * items (one request more). 1,000 names of up to 30 characters: at most ~31 KB an item each.
 */
export const BLOCK_NAMES_MAX = 1_000;

const setSize = (value: unknown): number => storedNames(value)?.length ?? 0;

/** A set update that failed its bound: the item a condition failure returned holds BLOCK_NAMES_MAX names already. */
const setFull = (reason: CancellationReason | undefined, attribute: string): boolean => setSize(plainItem(reason?.Item)?.[attribute]) >= BLOCK_NAMES_MAX;

/**
 * BatchGetItem of both friendships and both User items, then one TransactWriteItems (7 items):
 * Put of the block (`attribute_not_exists(PK)`) + per friendship a Delete (`attribute_exists`)
 * if it exists or a ConditionCheck (`attribute_not_exists`) if not + one Update per user
 * adjusting followers/following by what is deleted (and `blocking + 1` on the blocker,
 * `blockedBy + 1` on the blocked: lists read by either skip their filter while these are 0; each
 * with the other's name added to `blockingNames` / `blockedByNames` below BLOCK_NAMES_MAX) +
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
    // The two User items too: whether each still has room for the other's name.
    const found = await batchGet(db, 'blockUser', [byBlockedKey, byBlockerKey, keys.user(blocker), keys.user(blocked)]);
    const has = (key: { PK: string; SK: string }) => found.some((item) => item.PK === key.PK && item.SK === key.SK);
    const user = (name: string) => found.find((item) => item.PK === keys.user(name).PK && item.SK === keys.user(name).SK);
    const byBlocked = has(byBlockedKey) ? 1 : 0;
    const byBlocker = has(byBlockerKey) ? 1 : 0;
    const friendshipItem = (key: { PK: string; SK: string }, exists: number) =>
      exists
        ? { Delete: { TableName: db.table, Key: key, ConditionExpression: 'attribute_exists(SK)' } }
        : { ConditionCheck: { TableName: db.table, Key: key, ConditionExpression: 'attribute_not_exists(SK)' } };
    // The blocker's update carries the acting-user condition (exists, not deleting, not suspended).
    // Each side's counter, and the other's name in its set while the set is below its bound
    // (conditioned on it: a race past the bound fails and is planned again without the name).
    const userUpdate = (username: string, followers: number, following: number, counter: string, names: string, other: string, acting: boolean) => {
      const named = setSize(user(username)?.[names]) < BLOCK_NAMES_MAX;
      return {
        Update: activeFor(acting ? username : '', {
          TableName: db.table,
          Key: keys.user(username),
          UpdateExpression: `SET followers = followers - :fr, following = following - :fg, ${counter} = if_not_exists(${counter}, :zero) + :one${named ? ' ADD #names :name' : ''}`,
          // The blocked side may not be an account being deleted: its job has already swept the blocks against it.
          ConditionExpression: `${acting ? ACTIVE_USER : 'attribute_exists(PK) AND attribute_not_exists(deleting)'} AND followers >= :fr AND following >= :fg${named ? ' AND (attribute_not_exists(#names) OR size(#names) < :max)' : ''}`,
          ...(named ? { ExpressionAttributeNames: { '#names': names } } : {}),
          ExpressionAttributeValues: { ':fr': followers, ':fg': following, ':one': 1, ':zero': 0, ...(named ? { ':name': new Set([other]), ':max': BLOCK_NAMES_MAX } : {}) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        }),
      };
    };
    const applied = await transact(
      db,
      'blockUser',
      [
        { Put: { TableName: db.table, Item: { ...keys.block(blocker, blocked), ...block }, ConditionExpression: 'attribute_not_exists(PK)' } },
        friendshipItem(byBlockedKey, byBlocked),
        friendshipItem(byBlockerKey, byBlocker),
        userUpdate(blocker, byBlocked, byBlocker, 'blocking', 'blockingNames', blocked, true),
        userUpdate(blocked, byBlocker, byBlocked, 'blockedBy', 'blockedByNames', blocker, false),
        // Pending requests either way go too; none can be made afterwards (requestFollow checks the block).
        { Delete: { TableName: db.table, Key: keys.followRequest(blocker, blocked) } },
        { Delete: { TableName: db.table, Key: keys.followRequest(blocked, blocker) } },
      ],
      (failed, reasons) => {
        if (failed(0)) return safetyErrors.alreadyBlocked(blocker, blocked);
        if (failed(1) || failed(2)) return RETRY;
        if ((failed(3) && setFull(reasons[3], 'blockingNames')) || (failed(4) && setFull(reasons[4], 'blockedByNames'))) return RETRY;
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
 * `blockedBy - 1` on the blocked (if it is at least 1), each name leaving its set. Follows are not restored. A blocked
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
      UpdateExpression: 'SET blockedBy = blockedBy - :one DELETE blockedByNames :name',
      ConditionExpression: 'blockedBy >= :one',
      ExpressionAttributeValues: { ':one': 1, ':name': new Set([blocker]) },
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
        UpdateExpression: 'SET blocking = blocking - :one DELETE blockingNames :name',
        ConditionExpression: `${ACTIVE_USER} AND blocking >= :one`,
        ExpressionAttributeValues: { ':one': 1, ':name': new Set([blocked]) },
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
  const read = () => queryPage(db, 'listBlocks', `blocks:${blocker}`, inPrefix(ranges.blocksBy(blocker)), page, Block.decode);
  return (await besideSessionCheck(db, read)).page;
}

/**
 * Doctor's repair of `blocking` (the user's block items) or `blockedBy` (the block items naming
 * the user), which blocking and unblocking keep exact: set to the recount if still as read.
 */
export function repairBlockCounter(db: Db, username: string, counter: 'blocking' | 'blockedBy', stored: unknown, actual: number): Promise<boolean> {
  return setCounterIf(db, keys.user(username), [counter], stored, actual);
}

/**
 * Doctor's repair of `blockingNames` or `blockedByNames`: set to `expected` (removed when empty),
 * if the set is still what the audit read (`stored`; undefined: still absent).
 */
export function repairBlockNames(db: Db, username: string, attribute: 'blockingNames' | 'blockedByNames', stored: string[] | undefined, expected: string[]): Promise<boolean> {
  // DynamoDB keeps no empty set: none stored is the attribute absent.
  const seen = stored === undefined || stored.length === 0 ? undefined : new Set(stored);
  const update = expected.length === 0 ? { expression: 'REMOVE #seen' } : { expression: 'SET #seen = :expected', values: { ':expected': new Set(expected) } };
  return updateIfUnchanged(db, keys.user(username), attribute, seen, update);
}

/**
 * What `blockingNames` / `blockedByNames` should hold given the names the block items give:
 * all of them up to BLOCK_NAMES_MAX; past it, the stored names that are still blocked (any
 * subset is sound: pages then read the block items). Undefined when `stored` is right.
 */
export function expectedBlockNames(stored: string[] | undefined, actual: string[]): string[] | undefined {
  const have = stored ?? [];
  const real = new Set(actual);
  const sound = have.length <= BLOCK_NAMES_MAX && have.every((n) => real.has(n));
  if (actual.length <= BLOCK_NAMES_MAX) return sound && have.length === actual.length ? undefined : [...actual].sort();
  return sound ? undefined : have.filter((n) => real.has(n)).slice(0, BLOCK_NAMES_MAX).sort();
}
