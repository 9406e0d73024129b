/**
 * Private accounts and follow requests. `private` is an attribute of the User item (the lab's
 * readers ignore it). A request is its own item, `FOLLOWREQ#<target>` / `REQUESTER#<requester>`
 * (keys.ts), outside every lab range; approving it runs the lab's follow transaction with the
 * request's Delete inside, so the counters move exactly once per approved request.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { errors, isDomainError } from '../../errors.js';
import { assertUsername } from '../../schema/entities.js';
import type { Friendship } from '../../schema/entities/index.js';
import { FollowRequest } from '../../schema/entities/index.js';
import { keys, ranges } from '../../schema/keys.js';
import { uniqueTimestamp } from '../../schema/timestamps.js';
import { call, transact, type Db } from '../db.js';
import { inPrefix, queryPage, type Page, type PageRequest } from '../paging.js';
import { followUser } from '../follows.js';
import { ACTIVE_USER, activeFor, activeUserCheck, inactiveUser } from '../guards.js';
import { notBlocked } from './blocks.js';
import { safetyErrors } from './errors.js';
import { privateMarkItem } from './marks.js';
import { repairIf, type Precondition } from '../repair.js';
import { besideSessionCheck } from '../session-check.js';

export type { FollowRequest };

function pair(requesterName: string, targetName: string) {
  const requester = assertUsername(requesterName, 'requester');
  const target = assertUsername(targetName, 'target user');
  if (requester === target) throw errors.selfFollow(requester);
  return { requester, target };
}

const isCode = (error: unknown, code: string) => isDomainError(error) && error.code === code;

/**
 * TransactWriteItems: Put of the request `attribute_not_exists(PK)` + ConditionCheck the target
 * is private (ALL_OLD on failure tells "public" from "missing") + ConditionCheck no friendship
 * yet + the pair's two block checks + ConditionCheck the requester exists.
 */
export async function requestFollow(db: Db, requesterName: string, targetName: string): Promise<FollowRequest> {
  const { requester, target } = pair(requesterName, targetName);
  const request: FollowRequest = { target, requester, timestamp: uniqueTimestamp() };
  await transact(
    db,
    'requestFollow',
    [
      { Put: { TableName: db.table, Item: { ...keys.followRequest(target, requester), ...request }, ConditionExpression: 'attribute_not_exists(PK)' } },
      {
        ConditionCheck: {
          TableName: db.table,
          Key: keys.user(target),
          // Never to an account being deleted (its job has already swept the requests to it) nor
          // to a suspended one: both are not found, as their profile's read answers.
          ConditionExpression: '#private = :true AND attribute_not_exists(deleting) AND attribute_not_exists(suspendedAt)',
          ExpressionAttributeNames: { '#private': 'private' },
          ExpressionAttributeValues: { ':true': true },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      { ConditionCheck: { TableName: db.table, Key: keys.friendship(target, requester), ConditionExpression: 'attribute_not_exists(SK)' } },
      notBlocked(db, target, requester),
      notBlocked(db, requester, target),
      activeUserCheck(db, requester),
    ],
    (failed, reasons) => {
      if (failed(1)) {
        const item = reasons[1]?.Item;
        return item === undefined || item.deleting !== undefined || item.suspendedAt !== undefined ? errors.userNotFound(target) : safetyErrors.notPrivate(target);
      }
      if (failed(3)) return errors.userNotFound(target);
      if (failed(4)) return safetyErrors.youBlocked(requester, target);
      if (failed(5)) return inactiveUser(requester, reasons[5]);
      if (failed(2)) return errors.alreadyFollowing(requester, target);
      return safetyErrors.requestExists(requester, target);
    },
  );
  return request;
}

export type FollowOutcome = { kind: 'follow'; friendship: Friendship } | { kind: 'request'; request: FollowRequest };

const FOLLOW_ATTEMPTS = 3;

/**
 * What "follow" means for any account: the lab's follow transaction on a public one, a
 * request on a private one. The account may change between the two (PRIVATE_ACCOUNT then
 * NOT_PRIVATE): each answer is authoritative at its commit, so we simply try the other again.
 */
export async function followOrRequest(db: Db, follower: string, followed: string): Promise<FollowOutcome> {
  for (let attempt = 0; attempt < FOLLOW_ATTEMPTS; attempt++) {
    try {
      return { kind: 'follow', friendship: await followUser(db, follower, followed) };
    } catch (error) {
      if (!isCode(error, 'PRIVATE_ACCOUNT')) throw error;
    }
    try {
      return { kind: 'request', request: await requestFollow(db, follower, followed) };
    } catch (error) {
      if (!isCode(error, 'NOT_PRIVATE')) throw error;
    }
  }
  throw errors.transactionConflict();
}

/** Approve: the lab's follow transaction (counters + 1) with the request's Delete (must exist). */
export async function approveRequest(db: Db, ownerName: string, requesterName: string): Promise<Friendship> {
  const { requester, target } = pair(requesterName, ownerName);
  return followUser(db, requester, target, { approvingRequest: true });
}

/**
 * Decline (by the owner) and cancel (by the requester) are the same write: TransactWriteItems of
 * the request's Delete (`attribute_exists(PK)`) + the acting user's active-user check, so a
 * suspended or departing account changes nothing. `actor` defaults to the owner.
 */
export async function deleteRequest(db: Db, requesterName: string, targetName: string, actorName: string = targetName): Promise<void> {
  const { requester, target } = pair(requesterName, targetName);
  const actor = assertUsername(actorName, 'acting user');
  if (actor !== requester && actor !== target) throw errors.forbidden('Only the requester or the requested account can remove a follow request.');
  await transact(
    db,
    'deleteRequest',
    [
      { Delete: { TableName: db.table, Key: keys.followRequest(target, requester), ConditionExpression: 'attribute_exists(PK)' } },
      activeUserCheck(db, actor),
    ],
    (failed, reasons) => (failed(1) ? inactiveUser(actor, reasons[1]) : safetyErrors.requestNotFound(requester, target)),
  );
}

/** GetItem on one request. */
export async function findRequest(db: Db, requesterName: string, targetName: string): Promise<FollowRequest | undefined> {
  const { requester, target } = pair(requesterName, targetName);
  const result = await call(db, 'findRequest', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.followRequest(target, requester) })));
  return result.Item ? FollowRequest.decode(result.Item) : undefined;
}

/** Incoming requests, by requester name: Query `PK = FOLLOWREQ#u AND begins_with(SK, REQUESTER#)`. */
export async function listRequests(db: Db, targetName: string, page: PageRequest = {}): Promise<Page<FollowRequest>> {
  const target = assertUsername(targetName);
  const read = () => queryPage(db, 'listRequests', `requests:${target}`, inPrefix(ranges.requestsTo(target)), page, FollowRequest.decode);
  return (await besideSessionCheck(db, read)).page;
}

/** How many pending requests one call to go public approves before answering; the rest stay pending. */
export const APPROVE_ON_PUBLIC_LIMIT = 100;
const STALE = ['ALREADY_FOLLOWING', 'USER_NOT_FOUND', 'USER_BLOCKED'];

/**
 * TransactWriteItems: Update `SET private = :p` on the User item (the active-user condition) + Put or
 * Delete of its private mark (the item reactions check). Going public approves pending
 * requests (each its own approve transaction, so counters stay exact) up to
 * APPROVE_ON_PUBLIC_LIMIT per call; `pending` says how many remain, and calling again resumes.
 */

export async function setPrivate(db: Db, usernameInput: string, isPrivate: boolean): Promise<{ private: boolean; approved: number; pending: boolean }> {
  const username = assertUsername(usernameInput);
  const mark = keys.privateMark(username);
  await transact(
    db,
    'setPrivate',
    [
      {
        Update: activeFor(username, {
          TableName: db.table,
          Key: keys.user(username),
          UpdateExpression: 'SET #private = :p',
          ConditionExpression: ACTIVE_USER,
          ExpressionAttributeNames: { '#private': 'private' },
          ExpressionAttributeValues: { ':p': isPrivate },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        }),
      },
      isPrivate
        ? { Put: { TableName: db.table, Item: privateMarkItem(username) } }
        : { Delete: { TableName: db.table, Key: mark } },
    ],
    (_failed, reasons) => inactiveUser(username, reasons[0]),
  );
  if (isPrivate) return { private: true, approved: 0, pending: false };
  let approved = 0;
  while (approved < APPROVE_ON_PUBLIC_LIMIT) {
    const page = await listRequests(db, username, { limit: Math.min(25, APPROVE_ON_PUBLIC_LIMIT - approved) });
    if (page.items.length === 0) return { private: false, approved, pending: false };
    for (const request of page.items) {
      try {
        await approveRequest(db, username, request.requester);
        approved++;
      } catch (error) {
        if (isCode(error, 'REQUEST_NOT_FOUND')) continue; // cancelled meanwhile
        // A request that can never be approved (already a follower, requester gone, a block) just goes.
        if (!STALE.some((code) => isCode(error, code))) throw error;
        await deleteRequest(db, request.requester, username).catch((e: unknown) => {
          if (!isCode(e, 'REQUEST_NOT_FOUND')) throw e;
        });
      }
    }
  }
  const rest = await listRequests(db, username, { limit: 1 });
  return { private: false, approved, pending: rest.items.length > 0 };
}

/** The user's `private` and hidden state (suspended or being deleted) as the audit read them. */
function stateWas(username: string, wasPrivate: boolean, wasHidden: boolean): Precondition {
  const hidden = wasHidden ? '(attribute_exists(suspendedAt) OR attribute_exists(deleting))' : '(attribute_not_exists(suspendedAt) AND attribute_not_exists(deleting))';
  return {
    key: keys.user(username),
    condition: `attribute_exists(PK) AND ${wasPrivate ? '#p = :true' : '(attribute_not_exists(#p) OR #p <> :true)'} AND ${hidden}`,
    names: { '#p': 'private' },
    values: { ':true': true },
  };
}

/**
 * Doctor's repair of a private mark that disagrees with the User item as read (`isPrivate`,
 * `hidden`: suspended or being deleted): the mark put as they say (present when either, `hidden`
 * when hidden) or deleted (neither), only if the User item still says that (a toggle, a
 * suspension or a deletion since then wrote the mark itself, in its own transaction).
 */
export function repairPrivateMark(db: Db, username: string, isPrivate: boolean, hidden = false): Promise<boolean> {
  const mark = keys.privateMark(username);
  return isPrivate || hidden
    ? repairIf(db, [{ Put: { TableName: db.table, Item: privateMarkItem(username, hidden) } }], [stateWas(username, isPrivate, hidden)])
    : repairIf(db, [{ Delete: { TableName: db.table, Key: mark, ConditionExpression: 'attribute_exists(PK)' } }], [stateWas(username, false, false)]);
}
