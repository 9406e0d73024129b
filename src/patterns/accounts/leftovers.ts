/**
 * The deletion job's sweep of every item that names the account outside its own USER# and
 * ACCOUNT# partitions, so that a later account of the same name inherits nothing:
 *  - blocks it made (Query `BLOCK#u`, each with the blocked user's `blockedBy - 1`) and blocks
 *    against it (InvertedIndex `SK = BLOCKED#u`, each with the blocker's `blocking - 1`), the
 *    name leaving the other's `blockedByNames` / `blockingNames` with it;
 *  - follow requests to it (Query `FOLLOWREQ#u`) and by it (InvertedIndex `SK = REQUESTER#u`);
 *  - takedown notices (Query `NOTICE#u`);
 *  - reports it filed (InvertedIndex `SK = REPORTER#u`) and reports against it (Query
 *    `REPORT#user:u`), each with its moderators' queue entry. Reports against a deleted
 *    account are not kept: the account and its content are gone, there is nothing left to
 *    moderate, and a report keyed by the name would otherwise greet the next account of it.
 *    Reports of its content (a photo, a comment on it, a comment it wrote and the replies to
 *    that) name it through the content's id: `deleteContentReports` removes them just before
 *    that content goes, while its ids can still be read (reports refuse the content of an
 *    account being deleted, so none arrives after);
 *  - hourly upload counters (Query `USAGE#u`, `HOUR#`; the storage counter goes last, with the
 *    profile, because photo deletions still release bytes into it);
 *  - idempotency keys and their stored answers (Query `IDEMPOTENCY#u`).
 * The private mark goes in the job's final transaction. Deletes of what an index returned are
 * conditional on the item existing, so a lagging index shows as a stalled round (bounded).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../../errors.js';
import type { RawItem } from '../../schema/entity.js';
import { Comment } from '../../schema/entities/index.js';
import { commentId, photoId, type CommentRefId } from '../../schema/ids.js';
import { commentRanges, INVERTED_INDEX, keys, ranges } from '../../schema/keys.js';
import { addressOf } from '../comments.js';
import { type Db } from '../db.js';
import { inPrefix, paginate } from '../paging.js';
import { targetName } from '../safety/reports.js';
import { drain, page, type Step } from './deletion-steps.js';

const ITEM_CHUNK = 100;
const PAIR_CHUNK = 49;

type Items = Parameters<Step>[1];

const keyOf = (item: RawItem) => ({ PK: String(item.PK), SK: String(item.SK) });
const deleteExisting = (db: Db, item: RawItem) => ({
  Delete: { TableName: db.table, Key: keyOf(item), ConditionExpression: 'attribute_exists(PK)' },
});

/** Repeats: read a page, delete it in one transaction (or item by item when that fails). */
async function sweep(name: string, step: Step, read: () => Promise<RawItem[]>, plan: (item: RawItem) => Items, orphan?: (item: RawItem) => Items): Promise<void> {
  await drain(async () => {
    const items = await read();
    if (items.length === 0) return 'empty';
    if (await step(name, items.flatMap(plan))) return 'progress';
    let progress = false;
    for (const item of items) {
      if ((await step(name, plan(item))) || (orphan !== undefined && (await step(name, orphan(item))))) progress = true;
    }
    return progress ? 'progress' : 'stalled';
  });
}

export async function deleteLeftovers(db: Db, username: string, step: Step): Promise<void> {
  const query = (pk: string, prefix?: string, limit = ITEM_CHUNK) => () =>
    page(db, inPrefix({ pk, prefix }), limit);
  const index = (sk: string, limit = ITEM_CHUNK) => () =>
    page(db, { IndexName: INVERTED_INDEX, KeyConditionExpression: 'SK = :sk', ExpressionAttributeValues: { ':sk': sk } }, limit);

  const blocks = ranges.blocksBy(username);
  await sweep('blocks made', step, query(blocks.pk, blocks.prefix, PAIR_CHUNK), (item) => blockCounted(db, item, 'blocked'), (item) => blockUncounted(db, item, 'blocked'));
  await sweep('blocks against', step, index(ranges.blocksAgainst(username).sk, PAIR_CHUNK), (item) => blockCounted(db, item, 'blocker'), (item) => blockUncounted(db, item, 'blocker'));

  const requests = ranges.requestsTo(username);
  await sweep('requests to', step, query(requests.pk, requests.prefix), (item) => [deleteExisting(db, item)]);
  await sweep('requests by', step, index(ranges.requestsBy(username).sk), (item) => [deleteExisting(db, item)]);

  const notices = ranges.noticesOf(username);
  await sweep('notices', step, query(notices.pk, notices.prefix), (item) => [deleteExisting(db, item)]);

  await sweep('reports filed', step, index(ranges.reportsBy(username).sk, PAIR_CHUNK), (item) => reportWithEntry(db, item));
  const against = ranges.reportsAgainst(`user:${username}`);
  await sweep('reports against', step, query(against.pk, against.prefix), (item) => reportWithEntry(db, item));

  const usage = ranges.usageOf(username);
  await sweep('usage', step, query(usage.pk, 'HOUR#'), (item) => [deleteExisting(db, item)]);

  // Every scope: the account's own keys and sign-up keys of its name (src/patterns/idempotency.ts).
  await sweep('idempotency keys', step, query(ranges.idempotencyOf(username).pk), (item) => [deleteExisting(db, item)]);
}

/** Every report against one target (Query `REPORT#<target>`), each with its queue entry. */
async function deleteReportsAgainst(db: Db, target: string, step: Step): Promise<void> {
  const range = ranges.reportsAgainst(target);
  const read = () => page(db, inPrefix(range), PAIR_CHUNK);
  await sweep('reports of content', step, read, (item) => reportWithEntry(db, item));
}

/** The comments and replies of one Query of a conversation (pages of 100), one callback a page. */
async function forEachCommentIn(db: Db, range: { pk: string; prefix?: string }, onPage: (comments: CommentRefId[]) => Promise<void>): Promise<void> {
  for await (const { Items: items } of paginate(db, 'finishDeletion', QueryCommand, { ...inPrefix(range), ConsistentRead: true, Limit: 100 })) {
    await onPage(items.flatMap((item) => (Comment.is(item) ? [addressOf(Comment.decode(item))] : [])));
  }
}

const commentTarget = (comment: CommentRefId) => targetName({ kind: 'comment', comment, commentId: commentId(comment) });

/**
 * Reports of content the job is about to delete, which name the account through the content's id:
 * of a photo of its (`photo:<id>`) and of every comment and reply on it; or of a comment it wrote
 * (`comment:<id>`) and, for a top-level one, of the replies that go with it. Run before the
 * content goes (its ids are read from it), so an interrupted job finds them again.
 */
export async function deleteContentReports(db: Db, content: { photo: { owner: string; timestamp: string } } | { comment: CommentRefId }, step: Step): Promise<void> {
  if ('photo' in content) {
    const { owner, timestamp } = content.photo;
    await deleteReportsAgainst(db, targetName({ kind: 'photo', owner, timestamp, photoId: photoId(owner, timestamp) }), step);
    await forEachCommentIn(db, commentRanges.conversation(owner, timestamp), async (comments) => {
      for (const comment of comments) await deleteReportsAgainst(db, commentTarget(comment), step);
    });
    return;
  }
  const { comment } = content;
  await deleteReportsAgainst(db, commentTarget(comment), step);
  if (comment.parentTimestamp !== undefined) return;
  await forEachCommentIn(db, commentRanges.replies(comment.photoOwner, comment.photoTimestamp, comment.timestamp, comment.author), async (replies) => {
    for (const reply of replies) await deleteReportsAgainst(db, commentTarget(reply), step);
  });
}

/**
 * The other party of a block the account is in, and its counter: the blocked user's `blockedBy`
 * for a block the account made, the blocker's `blocking` for a block against it. `uncounted` is
 * when the Delete may go alone: that user is gone too (or, for `blockedBy`, the block predates
 * the counter).
 */
const BLOCK_PARTIES = {
  blocked: { counter: 'blockedBy', names: 'blockedByNames', uncounted: 'attribute_not_exists(PK) OR attribute_not_exists(blockedBy) OR blockedBy < :one', values: { ':one': 1 } },
  blocker: { counter: 'blocking', names: 'blockingNames', uncounted: 'attribute_not_exists(PK)', values: undefined },
} as const;

type BlockParty = keyof typeof BLOCK_PARTIES;

function otherParty(item: RawItem, party: BlockParty): string {
  const name = item[party];
  if (typeof name !== 'string') throw errors.transactionConflict();
  return name;
}

/** A block's Delete + the other party's counter - 1, the account's name leaving that party's set. */
function blockCounted(db: Db, item: RawItem, party: BlockParty): Items {
  const { counter, names } = BLOCK_PARTIES[party];
  const account = otherParty(item, party === 'blocked' ? 'blocker' : 'blocked');
  return [
    deleteExisting(db, item),
    {
      Update: {
        TableName: db.table,
        Key: keys.user(otherParty(item, party)),
        UpdateExpression: `SET ${counter} = ${counter} - :one DELETE ${names} :name`,
        ConditionExpression: `attribute_exists(PK) AND ${counter} >= :one`,
        ExpressionAttributeValues: { ':one': 1, ':name': new Set([account]) },
      },
    },
  ];
}

/** A block's Delete alone, while there is no counter to keep (BLOCK_PARTIES' `uncounted`). */
function blockUncounted(db: Db, item: RawItem, party: BlockParty): Items {
  const { uncounted, values } = BLOCK_PARTIES[party];
  return [
    deleteExisting(db, item),
    {
      ConditionCheck: {
        TableName: db.table,
        Key: keys.user(otherParty(item, party)),
        ConditionExpression: uncounted,
        ...(values ? { ExpressionAttributeValues: values } : {}),
      },
    },
  ];
}

/** A report and its queue entry (the entry's key is made of the report's own fields). */
function reportWithEntry(db: Db, item: RawItem): Items {
  const entry = keys.reportQueue(String(item.state), String(item.createdAt), String(item.target), String(item.reporter));
  return [deleteExisting(db, item), { Delete: { TableName: db.table, Key: entry } }];
}
