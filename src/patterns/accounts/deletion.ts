/**
 * Deleting an account: a resumable job, because one TransactWriteItems holds at most 100
 * items and an account can own thousands.
 *
 * 1. `startAccountDeletion` marks the profile `deleting` in one transaction that also writes
 *    the job item (DELETION partition), deletes the credentials and the email claim. From
 *    that instant log-in, refresh and every write of the account are refused (writes carry a
 *    ConditionCheck that the acting user is not being deleted; see guards.ts).
 * 2. `finishDeletion` empties the account in bounded transactions, each of which deletes
 *    items together with the counter changes they imply, so every counter is exact after
 *    every step: sessions and tokens; reactions given (each photo's counter down); follows
 *    both ways (the other user's counter and this user's down; deletion-social.ts); comment likes given and comments
 *    written, replies to them included (comment-deletion.ts, each count down); photos with the reactions on
 *    them (files first, through `deleteFiles`); before a comment or photo goes, the reports of it
 *    (and of the comments that go with it), which name the account through its id; every other item that names the account
 *    (leftovers.ts: blocks and requests both ways, notices, reports, usage); its derived feed
 *    and activity (`deleteDerived`); the avatar's files (`deleteUserFiles`); finally the
 *    profile (conditional on its counters being zero) with the job item, the private mark and
 *    the storage counter of the media quota. Only then is the name free for a new sign-up.
 * 3. Every step is idempotent, so an interrupted job simply runs again: on the next start
 *    (`resumeDeletions`) or with `quick-photos accounts finish-deletions`.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../../errors.js';
import { assertUsername } from '../../schema/entities.js';
import type { User } from '../../schema/entities/index.js';
import { Photo } from '../../schema/entities/index.js';
import { accountPartition, deletionPartition, keys, ranges } from '../../schema/keys.js';
import { backoff, call, RETRY, transact, type Db } from '../db.js';
import { inPrefix, paginate } from '../paging.js';
import { ACTIVE_USER, activeFor, DELETING_USER } from '../guards.js';
import { deleteUploadSlot, openUploads, type UploadSlot } from '../upload-slots.js';
import { deletePhoto } from '../photos.js';
import { deleteCommentsOf } from '../comment-deletion.js';
import { drain, page, STALLED_ROUNDS, type Step } from './deletion-steps.js';
import { repairIf } from '../repair.js';
import { hideMark } from '../safety/marks.js';
import { releaseReservedAddresses } from './email-change.js';
import { deleteContentReports, deleteLeftovers } from './leftovers.js';
import { deleteFollowers, deleteFollowing, deleteReactionsGiven } from './deletion-social.js';
import { normalizeEmail } from '../../schema/entities.js';

export interface DeletionOptions {
  /** Removes a photo's stored files (every variant); a missing file is not an error. */
  deleteFiles: (photo: Photo) => Promise<void>;
  /** Removes the user's own stored files (the avatar's variants), just before the profile goes. */
  deleteUserFiles: (user: Pick<User, 'avatar'>) => Promise<void>;
  /** Aborts an open direct upload's parts and removes its bytes (media.ts `openUploads`); a missing one is not an error. */
  discardUpload?: (upload: UploadSlot) => Promise<void>;
  /**
   * Removes what the derived table holds for the account (its feed, followed celebrities,
   * activity and its read marker; src/derived/cleanup.ts), before the profile goes.
   */
  deleteDerived?: (username: string) => Promise<void>;
  /** Stop (resumably) after this many steps: how an operator runs a job in slices, and how tests interrupt one. */
  maxSteps?: number;
  /** Checked before every step: true stops the job resumably (a shutting-down service). */
  shouldStop?: () => boolean;
  onStep?: (step: string) => void;
}

export type DeletionOutcome = 'done' | 'paused';

/** Friendships or reactions per transaction: two items each plus this user's update or check. */
const ITEM_CHUNK = 100;
const PHOTO_CHUNK = 25;

class Paused extends Error {}

/** The job item a deletion writes beside the `deleting` mark; finishDeletion removes both. */
export const deletionJobItem = (username: string, startedAt: string) => ({ ...keys.deletionJob(username), username, startedAt });

/**
 * GetItem of the profile, then one TransactWriteItems: Update `SET deleting` (conditional on
 * the user being active) + Put of the job item + Delete of the credentials + Update of the
 * private mark `SET hidden` (made if absent) + Delete of the email claim (when it is this
 * account's). Starting a deletion twice is harmless.
 */
export async function startAccountDeletion(db: Db, username: string): Promise<void> {
  assertUsername(username);
  const user = (await call(db, 'startAccountDeletion', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(username), ConsistentRead: true })))).Item;
  if (!user) throw errors.userNotFound(username);
  if (user.deleting !== undefined) return;
  const startedAt = new Date().toISOString();
  const base = [
    {
      // Every access token of the account ends at once (src/patterns/acting.ts).
      Update: activeFor(username, {
        TableName: db.table,
        Key: keys.user(username),
        UpdateExpression: 'SET deleting = :at, sessionsValidAfter = :now',
        ConditionExpression: ACTIVE_USER,
        ExpressionAttributeValues: { ':at': startedAt, ':now': Date.now() },
      }),
    },
    { Put: { TableName: db.table, Item: deletionJobItem(username, startedAt) } },
    { Delete: { TableName: db.table, Key: keys.credentials(username) } },
    // Writes on its content check the private mark, not the User item: from now on they answer 404.
    hideMark(db, username),
  ];
  const claim = typeof user.email === 'string' ? keys.emailClaim(normalizeEmail(user.email)) : undefined;
  const claimDelete = claim && {
    Delete: { TableName: db.table, Key: claim, ConditionExpression: 'username = :me', ExpressionAttributeValues: { ':me': username } },
  };
  const applied = await transact(db, 'startAccountDeletion', claimDelete ? [...base, claimDelete] : base, (failed) => (failed(0) ? errors.accountDeleted(username) : RETRY));
  // The claim is missing or another account's (the lab's users have none): mark without it.
  if (!applied) await transact(db, 'startAccountDeletion', base, () => errors.accountDeleted(username));
}

/** Usernames with a pending deletion job: Query `PK = DELETION` (consistent, paged). */
export async function listPendingDeletions(db: Db): Promise<string[]> {
  const names: string[] = [];
  const input = { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': deletionPartition() }, ConsistentRead: true };
  for await (const { Items: items } of paginate(db, 'listPendingDeletions', QueryCommand, input)) {
    for (const item of items) if (typeof item.username === 'string') names.push(item.username);
  }
  return names;
}

/** Runs every pending deletion job to the end (or to `maxSteps` in total); returns the finished ones. */
export async function resumeDeletions(db: Db, options: DeletionOptions): Promise<{ finished: string[]; paused: string[] }> {
  const finished: string[] = [];
  const paused: string[] = [];
  let budget = options.maxSteps;
  for (const username of await listPendingDeletions(db)) {
    let used = 0;
    const outcome = await finishDeletion(db, username, { ...options, ...(budget !== undefined ? { maxSteps: budget } : {}), onStep: (s) => (used++, options.onStep?.(s)) });
    (outcome === 'done' ? finished : paused).push(username);
    if (budget !== undefined) budget -= used;
    if (budget !== undefined && budget <= 0) break;
  }
  return { finished, paused };
}

/**
 * Runs the job for one user until it is done, or until `maxSteps` transactions have run.
 * A user with no job item (never marked, or already finished) is a no-op.
 */
export async function finishDeletion(db: Db, username: string, options: DeletionOptions): Promise<DeletionOutcome> {
  assertUsername(username);
  let steps = 0;
  /** Every transaction of the job goes through here: the one place it may stop. */
  const step = async (name: string, items: Parameters<typeof transact>[2]): Promise<boolean> => {
    if ((options.maxSteps !== undefined && steps >= options.maxSteps) || options.shouldStop?.()) throw new Paused();
    steps++;
    const applied = await transact(db, 'finishDeletion', items, () => RETRY);
    options.onStep?.(name);
    return applied;
  };

  const job = (await call(db, 'finishDeletion', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.deletionJob(username), ConsistentRead: true })))).Item;
  if (!job) return 'done';
  try {
    for (let round = 0; ; round++) {
      // Before the account items: the undo codes name the addresses still reserved to the account.
      await releaseReservedAddresses(db, username, step);
      await deleteAccountItems(db, username, step);
      await deleteReactionsGiven(db, username, step);
      await deleteFollowing(db, username, step);
      await deleteFollowers(db, username, step);
      await deleteCommentsOf(db, username, () => {
        if ((options.maxSteps !== undefined && steps >= options.maxSteps) || options.shouldStop?.()) throw new Paused();
        steps++;
      }, (comment) => deleteContentReports(db, { comment }, step));
      await deletePhotos(db, username, options, step, () => {
        if ((options.maxSteps !== undefined && steps >= options.maxSteps) || options.shouldStop?.()) throw new Paused();
        steps++;
      });
      await deleteLeftovers(db, username, step);
      await options.deleteDerived?.(username);
      // The avatar's files go first: after the profile item nothing references them.
      const profile = (await call(db, 'finishDeletion', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(username), ConsistentRead: true })))).Item;
      if (profile) await options.deleteUserFiles(profile as Pick<User, 'avatar'>);
      // Open uploads: their parts and bytes go, then their slots (the reservations go with USAGE#u).
      for (const upload of await openUploads(db, username)) {
        await options.discardUpload?.(upload);
        await deleteUploadSlot(db, upload.uploadId);
      }
      const done = await step('profile', [
        {
          Delete: {
            TableName: db.table,
            Key: keys.user(username),
            ConditionExpression: `${DELETING_USER} AND followers = :zero AND following = :zero`,
            ExpressionAttributeValues: { ':zero': 0 },
          },
        },
        { Delete: { TableName: db.table, Key: keys.deletionJob(username) } },
        // The storage-use counter of the quota (src/patterns/quota.ts).
        { Delete: { TableName: db.table, Key: keys.storageUse(username) } },
        { Delete: { TableName: db.table, Key: keys.privateMark(username) } },
      ]);
      if (done) return 'done';
      // Something arrived after its phase ran (an index that lagged): go round again.
      if (round >= STALLED_ROUNDS) throw errors.transactionConflict();
      await backoff(round, 50, 1_000);
    }
  } catch (error) {
    if (error instanceof Paused) return 'paused';
    throw error;
  }
}

/** Credentials' leftovers, sessions, mail tokens, throttles: Query `PK = ACCOUNT#u`, Deletes of up to 100. */
async function deleteAccountItems(db: Db, username: string, step: Step): Promise<void> {
  await drain(async () => {
    const items = await page(db, { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': accountPartition(username) }, ProjectionExpression: 'PK, SK' }, ITEM_CHUNK);
    if (items.length === 0) return 'empty';
    const applied = await step('account items', items.map((k) => ({ Delete: { TableName: db.table, Key: { PK: k.PK, SK: k.SK } } })));
    return applied ? 'progress' : 'stalled';
  });
}

/**
 * The user's photos: Query `PK = USER#u AND begins_with(SK, PHOTO#u#)`, 25 at a time; for each,
 * the reports of it and of its comments, its files (so no file outlives its item), then deletePhoto, which removes the
 * reactions on it with their counters in transactions of up to 98, guarded by the job's check.
 */
async function deletePhotos(db: Db, username: string, options: DeletionOptions, step: Step, count: () => void): Promise<void> {
  const range = ranges.photosOf(username);
  for (;;) {
    const items = await page(db, inPrefix(range), PHOTO_CHUNK);
    if (items.length === 0) return;
    for (const item of items) {
      count();
      const photo = Photo.decode(item);
      // While the photo and its conversation still say which reports name them (leftovers.ts).
      await deleteContentReports(db, { photo: { owner: username, timestamp: photo.timestamp } }, step);
      await options.deleteFiles(photo);
      await deletePhoto(db, username, photo.timestamp, 'deletion-job').catch((error: unknown) => {
        // Already gone (a retry after a crash between the two): nothing to do.
        if (error instanceof Error && 'code' in error && error.code === 'PHOTO_NOT_FOUND') return;
        throw error;
      });
      options.onStep?.('photo');
    }
  }
}

/**
 * Doctor's repair of a user marked `deleting` without a job item (nothing would finish it): the
 * job is written, if the user is still marked and no job exists.
 */
export function restoreDeletionJob(db: Db, username: string): Promise<boolean> {
  return repairIf(
    db,
    [{ Put: { TableName: db.table, Item: deletionJobItem(username, new Date().toISOString()), ConditionExpression: 'attribute_not_exists(PK)' } }],
    [{ key: keys.user(username), condition: 'attribute_exists(deleting)' }],
  );
}
