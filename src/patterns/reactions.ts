/** Access patterns on reactions: the lab's react transaction and its inverse. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { assertReactionType, assertTimestamp, assertUsername, type ReactionType } from '../schema/entities.js';
import { Reaction } from '../schema/entities/index.js';
import { keys, photoSk } from '../schema/keys.js';
import { uniqueTimestamp } from '../schema/timestamps.js';
import { call, RETRY, transact, type Db } from './db.js';
import { setCounterIf } from './repair.js';
import { activeUserCheck, inactiveUser } from './guards.js';
import { notBlocked } from './safety/blocks.js';
import { safetyErrors } from './safety/errors.js';
import { ownerChecks } from './safety/marks.js';

export interface ReactionTarget {
  reactingUser: string;
  /** The photo's owner and timestamp: together they name the photo. */
  owner: string;
  timestamp: string;
  type: string;
}

function validTarget(target: ReactionTarget) {
  return {
    reactingUser: assertUsername(target.reactingUser, 'reacting user'),
    owner: assertUsername(target.owner, 'owner'),
    timestamp: assertTimestamp(target.timestamp),
    type: assertReactionType(target.type),
  };
}

/**
 * TransactWriteItems (the lab's, plus a check that the reacting user exists):
 * Put of the Reaction with `attribute_not_exists(SK)` + `SET reactions.#t = reactions.#t + 1`
 * on the photo, conditional on the photo existing. A repeated reaction is REACTION_EXISTS
 * and a missing photo is PHOTO_NOT_FOUND; either way nothing is written. On another user's
 * photo, ConditionChecks on the pair's block items ride along: blocked by the owner, the photo
 * is PHOTO_NOT_FOUND; having blocked the owner, USER_BLOCKED. So does a check that the owner
 * is public (its private mark is absent: not the User item, which follows update); when it is private, the transaction is made once more with a check that the
 * reacting user follows the owner instead (PRIVATE_ACCOUNT otherwise) and that the mark is not
 * hidden: one transaction on public accounts, two on private ones. A mark that says hidden (the
 * owner suspended or being deleted) is PHOTO_NOT_FOUND, as the photo's read answers.
 */
export async function reactToPhoto(db: Db, target: ReactionTarget): Promise<Reaction> {
  const { reactingUser, owner, timestamp, type } = validTarget(target);
  const reaction: Reaction = { reactingUser, reactionType: type, photo: photoSk(owner, timestamp), timestamp: uniqueTimestamp() };
  const ownPhoto = owner === reactingUser;
  for (const privateOwner of [false, true]) {
    const audience = ownerChecks(db, owner, reactingUser, privateOwner);
    const applied = await transact(
      db,
      'reactToPhoto',
      [
        { Put: { TableName: db.table, Item: Reaction.encode(reaction), ConditionExpression: 'attribute_not_exists(SK)' } },
        {
          Update: {
            TableName: db.table,
            Key: keys.photo(owner, timestamp),
            // if_not_exists keeps the increment working on photos written without all four keys.
            UpdateExpression: 'SET reactions.#t = if_not_exists(reactions.#t, :zero) + :one',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeNames: { '#t': type },
            ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
          },
        },
        activeUserCheck(db, reactingUser),
        // One item per key per transaction: on one's own photo there is no pair to check.
        ...(ownPhoto ? [] : [notBlocked(db, owner, reactingUser), notBlocked(db, reactingUser, owner), ...audience.items]),
      ],
      (failed, reasons) => {
        const why = ownPhoto ? undefined : audience.why(5, failed, reasons);
        // A suspended or departing owner's photo is not found, as its read answers.
        if (failed(1) || failed(3) || why === 'hidden') return errors.photoNotFound(owner, timestamp);
        if (failed(2)) return inactiveUser(reactingUser, reasons[2]);
        if (failed(4)) return safetyErrors.youBlocked(reactingUser, owner);
        if (failed(0)) return errors.reactionExists(reactingUser, type);
        return privateOwner ? safetyErrors.privateAccount(owner) : RETRY;
      },
    );
    if (applied) return reaction;
  }
  throw safetyErrors.privateAccount(owner);
}

/**
 * TransactWriteItems: Delete of the Reaction, conditional on it existing, + the matching
 * decrement on the photo, so the counter always equals the reaction items, + ConditionCheck that
 * the reacting user is active.
 */
export async function removeReaction(db: Db, target: ReactionTarget): Promise<void> {
  const { reactingUser, owner, timestamp, type } = validTarget(target);
  await transact(
    db,
    'removeReaction',
    [
      { Delete: { TableName: db.table, Key: keys.reaction(reactingUser, type, owner, timestamp), ConditionExpression: 'attribute_exists(SK)' } },
      {
        Update: {
          TableName: db.table,
          Key: keys.photo(owner, timestamp),
          UpdateExpression: 'SET reactions.#t = reactions.#t - :one',
          ConditionExpression: 'attribute_exists(PK) AND reactions.#t >= :one',
          ExpressionAttributeNames: { '#t': type },
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
      activeUserCheck(db, reactingUser),
    ],
    (failed, reasons) => {
      if (failed(2)) return inactiveUser(reactingUser, reasons[2]);
      return failed(0) ? errors.reactionNotFound(reactingUser, type) : errors.photoNotFound(owner, timestamp);
    },
  );
}

/** GetItem on one reaction; undefined when the user has not reacted so to the photo. */
export async function findReaction(db: Db, target: ReactionTarget): Promise<Reaction | undefined> {
  const { reactingUser, owner, timestamp, type } = validTarget(target);
  const result = await call(db, 'findReaction', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.reaction(reactingUser, type, owner, timestamp) })));
  return result.Item ? Reaction.decode(result.Item) : undefined;
}

/**
 * Doctor's repair of a photo's `reactions.<type>`, which the react transaction and its inverse
 * keep equal to the number of that type's reaction items: set to the recount if it still holds
 * what the audit read.
 */
export function repairReactionCount(db: Db, owner: string, timestamp: string, type: ReactionType, stored: unknown, actual: number): Promise<boolean> {
  return setCounterIf(db, keys.photo(owner, timestamp), ['reactions', type], stored, actual);
}
