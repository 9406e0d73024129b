/** Access patterns on photos. */
import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { assertTimestamp, assertUsername, REACTION_TYPES, type Reactions } from '../schema/entities.js';
import type { RawItem } from '../schema/entity.js';
import { Photo, Reaction } from '../schema/entities/index.js';
import { classifyKey, keys, ranges } from '../schema/keys.js';
import { nextTimestamp, uniqueTimestamp } from '../schema/timestamps.js';
import { backoff, call, isConditionFailure, RETRY, transact, type Db } from './db.js';
import { inPrefix, pageOf, paginate, queryPage, type Page, type PageRequest } from './paging.js';
import { activeUserCheck, deletingUserCheck, existingUserCheck, inactiveUser } from './guards.js';
import { assertUserExists } from './users.js';
import { sweepConversation } from './comment-deletion.js';

export const emptyReactions = (): Reactions => ({ '+1': 0, smiley: 0, sunglasses: 0, heart: 0 });

export interface NewPhoto {
  username: string;
  /** Where the image lives (a blob-store URI); the lab's readers require it. */
  location: string;
  /** Defaults to now, in the canonical format. */
  timestamp?: string;
}

const UPLOAD_ATTEMPTS = 5;

/**
 * TransactWriteItems: ConditionCheck that the owner exists and is not being deleted + Put of the photo with
 * `attribute_not_exists(SK)`. A sort-key collision (two uploads in the same microsecond)
 * moves the timestamp forward and tries again, so no upload ever overwrites another.
 */
export async function uploadPhoto(db: Db, input: NewPhoto): Promise<Photo> {
  assertUsername(input.username);
  if (typeof input.location !== 'string' || input.location.length === 0 || input.location.length > 1024) {
    throw errors.validation('location must be a non-empty string of at most 1024 characters.', [{ path: '/location', message: 'invalid' }]);
  }
  let timestamp = input.timestamp === undefined ? uniqueTimestamp() : assertTimestamp(input.timestamp);
  for (let attempt = 1; attempt <= UPLOAD_ATTEMPTS; attempt++) {
    const photo: Photo = { username: input.username, timestamp, location: input.location, reactions: emptyReactions() };
    const applied = await transact(
      db,
      'uploadPhoto',
      [
        activeUserCheck(db, input.username),
        { Put: { TableName: db.table, Item: Photo.encode(photo), ConditionExpression: 'attribute_not_exists(SK)' } },
      ],
      (failed, reasons) => (failed(0) ? inactiveUser(input.username, reasons[0]) : RETRY),
    );
    if (applied) return photo;
    timestamp = nextTimestamp(timestamp);
  }
  throw errors.transactionConflict();
}

/** GetItem on the photo; PHOTO_NOT_FOUND when there is none. */
export async function getPhoto(db: Db, owner: string, timestamp: string): Promise<Photo> {
  assertUsername(owner, 'owner');
  assertTimestamp(timestamp);
  const result = await call(db, 'getPhoto', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.photo(owner, timestamp) })));
  if (!result.Item) throw errors.photoNotFound(owner, timestamp);
  return Photo.decode(result.Item);
}

/** A user's photos, newest first: `PK = USER#u AND begins_with(SK, PHOTO#u#)`, descending. */
function recentPhotosQuery(username: string) {
  const range = ranges.photosOf(username);
  return { ...inPrefix(range), ScanIndexForward: false };
}

/**
 * Recent photos, newest first: Query `PK = USER#u AND begins_with(SK, PHOTO#u#)`, descending.
 * An empty first page costs one more GetItem, to answer USER_NOT_FOUND for unknown users.
 */
export async function listRecentPhotos(db: Db, username: string, page: PageRequest = {}, ownerKnown = false): Promise<Page<Photo>> {
  assertUsername(username);
  const { page: result } = await queryPage(
    db,
    'listRecentPhotos',
    `photos:${username}`,
    recentPhotosQuery(username),
    page,
    Photo.decode,
  );
  // `ownerKnown`: the caller read the user in this request already (the profile with its photos).
  if (result.items.length === 0 && page.cursor === undefined && !ownerKnown) await assertUserExists(db, username);
  return result;
}

export interface PhotoWithReactions {
  /** The photo, on the first page only. */
  photo: Photo | undefined;
  reactions: Page<Reaction>;
}

/**
 * The lab's photo-and-reactions: one Query on InvertedIndex,
 * `SK = PHOTO#owner#ts AND PK BETWEEN REACTION# AND USER$`. We read it descending so that
 * the photo item (PK USER#...) comes first and each later page holds reactions only.
 */
export async function getPhotoWithReactions(db: Db, owner: string, timestamp: string, page: PageRequest = {}): Promise<PhotoWithReactions> {
  assertUsername(owner, 'owner');
  assertTimestamp(timestamp);
  const range = ranges.photoAndReactions(owner, timestamp);
  const first = page.cursor === undefined;
  const { raw, page: result } = await queryPage<RawItem>(
    db,
    'getPhotoWithReactions',
    `reactions:${range.sk}`,
    {
      IndexName: 'InvertedIndex',
      KeyConditionExpression: 'SK = :sk AND PK BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':sk': range.sk, ':from': range.from, ':to': range.to },
      ScanIndexForward: false,
    },
    page,
    (item) => item,
    first ? 1 : 0,
  );
  const photoItem = first && Photo.is(raw[0]) ? raw[0] : undefined;
  if (first && !photoItem) throw errors.photoNotFound(owner, timestamp);
  const reactions = (photoItem ? raw.slice(1) : raw).map(Reaction.decode);
  return {
    photo: photoItem ? Photo.decode(photoItem) : undefined,
    reactions: pageOf(reactions, result.nextCursor),
  };
}

/** Who deletes a photo decides the condition on its owner (see deletePhoto). */
export type PhotoDeleter = 'owner' | 'deletion-job' | 'moderator';

/** Reactions one delete transaction removes beside the photo write and the owner check (limit 100 items). */
const DELETE_CHUNK = 98;
/** Failed rounds (stale reads) tolerated before giving up; successful rounds do not count. */
const DELETE_ATTEMPTS = 20;
/** Reads whose counters disagree with the reactions found before the counters are taken as drifted. */
const DRIFT_ROUNDS = 5;

/**
 * Deletes a photo and every reaction on it, then its conversation (sweepConversation). Reactions go in transactions of up to 98 that also
 * decrement the counters; the photo itself goes in a transaction whose condition says its
 * counters match exactly the reactions deleted with it, so a reaction that sneaks in meanwhile
 * (or one the index does not show yet) fails it, and the loop takes it along on the next round.
 *
 * Counters that drifted (a bug, a restore) would fail that condition forever, and with it
 * takedowns and account deletion. So when DRIFT_ROUNDS reads, spaced by a backoff long enough
 * for the index to catch up, keep disagreeing, the counters are repaired in the same step:
 * each transaction is conditioned on the counters being exactly what was read (a reaction
 * racing in still changes them and fails it) and sets them to what remains. Once the photo is
 * gone no reaction can be added (reacting needs the photo), and the photo's reactions that the
 * index shows then are deleted too; one it had not shown yet is an orphan `doctor --fix` removes.
 *
 * Every transaction also checks the owner: active for the owner's own request, marked deleting
 * for the deletion job, merely existing for a moderator's takedown (whatever the account's state).
 */
export async function deletePhoto(db: Db, owner: string, timestamp: string, as: PhotoDeleter = 'owner'): Promise<void> {
  assertUsername(owner, 'owner');
  assertTimestamp(timestamp);
  const photoKey = keys.photo(owner, timestamp);
  let failures = 0;
  let disagreements = 0;
  let repaired = false;
  while (failures < DELETE_ATTEMPTS) {
    const { photo, reactions } = await getPhotoWithReactions(db, owner, timestamp, { limit: DELETE_CHUNK });
    const chunk = reactions.items;
    const last = reactions.nextCursor === undefined;
    const removed = emptyReactions();
    for (const r of chunk) removed[r.reactionType] += 1;
    const read = photo?.reactions ?? emptyReactions();
    const agrees = REACTION_TYPES.every((t) => (last ? read[t] === removed[t] : read[t] >= removed[t]));
    if (!agrees && ++disagreements < DRIFT_ROUNDS) {
      // Most likely the index lags the table: give it time before calling the counters wrong.
      failures += 1;
      await backoff(disagreements, 100, 2_000);
      continue;
    }
    const repair = !agrees;
    const names: Record<string, string> = { '#reactions': 'reactions' };
    const values: Record<string, number> = {};
    REACTION_TYPES.forEach((type, i) => {
      names[`#t${i}`] = type;
      values[`:n${i}`] = removed[type];
      if (repair) {
        values[`:r${i}`] = read[type];
        values[`:left${i}`] = Math.max(0, read[type] - removed[type]);
      }
    });
    // Repairing: the counters must still be what was read (a missing counter reads as 0).
    const asRead = REACTION_TYPES.map((_, i) => (read[REACTION_TYPES[i]!] === 0 ? `(attribute_not_exists(#reactions.#t${i}) OR #reactions.#t${i} = :r${i})` : `#reactions.#t${i} = :r${i}`)).join(' AND ');
    const photoWrite = last
      ? {
          Delete: {
            TableName: db.table,
            Key: photoKey,
            ConditionExpression: repair ? `attribute_exists(PK) AND ${asRead}` : REACTION_TYPES.map((_, i) => `#reactions.#t${i} = :n${i}`).join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: repair ? Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith(':r'))) : values,
          },
        }
      : {
          Update: {
            TableName: db.table,
            Key: photoKey,
            UpdateExpression: repair
              ? `SET ${REACTION_TYPES.map((_, i) => `#reactions.#t${i} = :left${i}`).join(', ')}`
              : `SET ${REACTION_TYPES.map((_, i) => `#reactions.#t${i} = #reactions.#t${i} - :n${i}`).join(', ')}`,
            ConditionExpression: repair ? `attribute_exists(PK) AND ${asRead}` : `attribute_exists(PK) AND ${REACTION_TYPES.map((_, i) => `#reactions.#t${i} >= :n${i}`).join(' AND ')}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: repair ? Object.fromEntries(Object.entries(values).filter(([k]) => !k.startsWith(':n'))) : values,
          },
        };
    const deletes = chunk.map((r) => ({
      Delete: { TableName: db.table, Key: keys.reaction(r.reactingUser, r.reactionType, owner, timestamp), ConditionExpression: 'attribute_exists(PK)' },
    }));
    // A failed condition means the index lagged the table, or a reaction came or went
    // meanwhile: read again and re-plan.
    const guard = as === 'owner' ? activeUserCheck(db, owner) : as === 'deletion-job' ? deletingUserCheck(db, owner) : existingUserCheck(db, owner);
    const outcome = (failed: (i: number) => boolean, reasons: Parameters<typeof inactiveUser>[1][]) =>
      failed(0) ? (as === 'owner' ? inactiveUser(owner, reasons[0]) : errors.userNotFound(owner)) : RETRY;
    if (await transact(db, 'deletePhoto', [guard, photoWrite, ...deletes], outcome)) {
      repaired ||= repair;
      if (!last) continue;
      if (repaired) await deleteLeftReactions(db, owner, timestamp);
      // The photo is gone, so no comment can be added: its conversation goes after it.
      await sweepConversation(db, owner, timestamp);
      return;
    }
    await backoff(++failures);
  }
  throw errors.transactionConflict();
}

/**
 * After a repairing delete: the photo's reactions the index still shows (Query on
 * InvertedIndex, the photo-and-reactions range, now reactions only), each DeleteItem
 * `attribute_exists(PK)`. The photo is gone, so none can be added meanwhile.
 */
async function deleteLeftReactions(db: Db, owner: string, timestamp: string): Promise<void> {
  const range = ranges.photoAndReactions(owner, timestamp);
  const pages = paginate(db, 'deleteLeftReactions', QueryCommand, {
    IndexName: 'InvertedIndex',
    KeyConditionExpression: 'SK = :sk AND PK BETWEEN :from AND :to',
    ExpressionAttributeValues: { ':sk': range.sk, ':from': range.from, ':to': range.to },
  });
  for await (const { Items: items } of pages) {
    for (const item of items) {
      if (!Reaction.is(item)) continue;
      await call(db, 'deleteLeftReactions', () =>
        db.doc.send(new DeleteCommand({ TableName: db.table, Key: { PK: item.PK, SK: item.SK }, ConditionExpression: 'attribute_exists(PK)' }))).catch(
        (error: unknown) => {
          if (!isConditionFailure(error)) throw error;
        },
      );
    }
  }
}

/** The user's newest photos' timestamps (the feed's backfill): the recent-photos Query, keys only, one request. */
export async function recentPhotoTimestamps(db: Db, username: string, limit: number): Promise<string[]> {
  const page = await call(db, 'recentPhotoTimestamps', () => db.doc.send(new QueryCommand({ ...recentPhotosQuery(username), TableName: db.table, ProjectionExpression: 'PK, SK', Limit: limit })));
  return (page.Items ?? []).flatMap((item) => {
    const kind = classifyKey({ PK: String(item.PK), SK: String(item.SK) });
    return kind.kind === 'photo' ? [kind.timestamp] : [];
  });
}

const PHOTO_PAGE = 1_000;

/** Every photo timestamp of the user, a page at a time: Query `PK = USER#u AND begins_with(SK, PHOTO#u#)`, keys only. */
export async function forEachPhotoPage(db: Db, username: string, onPage: (timestamps: string[]) => Promise<void>): Promise<void> {
  const range = ranges.photosOf(username);
  const input = {
    ...inPrefix(range),
    ProjectionExpression: 'PK, SK',
    Limit: PHOTO_PAGE,
  };
  for await (const { Items: items } of paginate(db, 'forEachPhotoPage', QueryCommand, input)) {
    const timestamps = items.flatMap((item) => {
      const kind = classifyKey({ PK: String(item.PK), SK: String(item.SK) });
      return kind.kind === 'photo' ? [kind.timestamp] : [];
    });
    if (timestamps.length > 0) await onPage(timestamps);
  }
}
