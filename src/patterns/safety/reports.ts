/**
 * Reports of a photo or a user, for moderators. Two items per report, written together:
 *  - `REPORT#<target>` / `REPORTER#<reporter>`: its Put is conditional, so there is one report
 *    per reporter and target;
 *  - `REPORTS#<state>` / `<createdAt>#<target>#<reporter>`: the moderators' queue, one
 *    partition per state, read oldest first. Resolving moves the entry from `open` to
 *    `resolved` in the same transaction that updates the report.
 * Report volume is small next to reads; one queue partition per state is enough until it is not
 * (then shard the queue PK by day).
 */
import { Type, type Static } from 'typebox';
import { errors, RetryLaterError } from '../../errors.js';
import { assertUsername, validator } from '../../schema/entities.js';
import { commentKey, Report, ReportQueueEntry } from '../../schema/entities/index.js';
import type { CommentRefId } from '../../schema/ids.js';
import { keys, ranges } from '../../schema/keys.js';
import { uniqueTimestamp } from '../../schema/timestamps.js';
import { call, transact, type Db } from '../db.js';
import { queryPage, type Page, type PageRequest } from '../paging.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { activeUserCheck, inactiveUser } from '../guards.js';
import { hourlyBound } from '../hourly.js';
import { safetyErrors } from './errors.js';

export const REPORT_REASONS = ['spam', 'nudity', 'harassment', 'hate', 'violence', 'self_harm', 'impersonation', 'other'] as const;
export const ReportReason = Type.Union(REPORT_REASONS.map((r) => Type.Literal(r)));
export const ReportBody = Type.Object(
  { reason: ReportReason, text: Type.Optional(Type.String({ maxLength: 1000, description: 'Optional details, at most 1000 characters' })) },
  { additionalProperties: false, title: 'ReportRequest' },
);
export type ReportBody = Static<typeof ReportBody>;
const reportCheck = validator(ReportBody);

export const REPORT_STATES = ['open', 'resolved'] as const;
export type ReportState = (typeof REPORT_STATES)[number];
export type { Report };

/** What is reported: a user, a photo (by its owner and timestamp, shown as its id), or a comment (shown as its id). */
export type ReportTarget =
  | { kind: 'user'; username: string }
  | { kind: 'photo'; owner: string; timestamp: string; photoId: string }
  | { kind: 'comment'; comment: CommentRefId; commentId: string };

export const targetName = (target: ReportTarget): string =>
  target.kind === 'user' ? `user:${target.username}` : target.kind === 'photo' ? `photo:${target.photoId}` : `comment:${target.commentId}`;

/** The users a photo or comment names through its id: the photo's owner; a comment's author and a reply's parent author too. */
function namesInContent(target: ReportTarget): string[] {
  if (target.kind === 'user') return [];
  if (target.kind === 'photo') return [target.owner];
  const { photoOwner, author, parentAuthor } = target.comment;
  return [photoOwner, author, ...(parentAuthor === undefined ? [] : [parentAuthor])];
}

/** 429 REPORT_RATE_EXCEEDED, retry when the hour turns. */
export const reportRate = (max: number, now = Date.now()) =>
  new RetryLaterError('busy', 'REPORT_RATE_EXCEEDED', `At most ${max} reports an hour; retry later.`, 3600 - (Math.floor(now / 1000) % 3600));

/**
 * TransactWriteItems: Put report `attribute_not_exists(PK)` + Put queue entry + ConditionCheck
 * the target exists (user, photo or comment) + the acting-user check on the reporter + for a
 * photo or comment, a ConditionCheck that no account its id names (but the reporter) is being
 * deleted; with `perHour`, the reporter's hourly count too (`ADD reports 1` on the hourly usage
 * item, below `perHour`: 429 REPORT_RATE_EXCEEDED), so that no reporter fills the moderators'
 * one queue partition. A repeat of a filed report fails on the report first (REPORT_EXISTS) and
 * counts nothing.
 */
export async function reportTarget(db: Db, reporterInput: string, target: ReportTarget, input: unknown, options: { perHour?: number | undefined } = {}): Promise<Report> {
  const reporter = assertUsername(reporterInput, 'reporter');
  const body = reportCheck.assert(input, 'report');
  const name = targetName(target);
  const report: Report = { target: name, reporter, reason: body.reason, ...(body.text ? { text: body.text } : {}), state: 'open', createdAt: uniqueTimestamp() };
  const targetKey = target.kind === 'user' ? keys.user(target.username) : target.kind === 'photo' ? keys.photo(target.owner, target.timestamp) : commentKey(target.comment);
  // Content of an account being deleted takes no new report either: its job has swept the reports
  // of that content (src/patterns/accounts/leftovers.ts), which name the account through its id.
  const departing = [...new Set(namesInContent(target))].filter((name) => name !== reporter).map((name) => ({
    ConditionCheck: { TableName: db.table, Key: keys.user(name), ConditionExpression: 'attribute_not_exists(deleting)' },
  }));
  const hourly = hourlyBound(db, reporter, 'reports', options.perHour);
  await transact(
    db,
    'reportTarget',
    [
      { Put: { TableName: db.table, Item: { ...keys.report(name, reporter), ...report }, ConditionExpression: 'attribute_not_exists(PK)' } },
      { Put: { TableName: db.table, Item: { ...keys.reportQueue('open', report.createdAt, name, reporter), ...report } } },
      // A user being deleted takes no new report: its job has already swept the reports against it.
      { ConditionCheck: { TableName: db.table, Key: targetKey, ConditionExpression: target.kind === 'user' ? 'attribute_exists(PK) AND attribute_not_exists(deleting)' : 'attribute_exists(PK)' } },
      activeUserCheck(db, reporter),
      ...departing,
      ...hourly,
    ],
    (failed, reasons) => {
      if (failed(0)) return safetyErrors.reportExists(reporter, name);
      if (failed(2) || departing.some((_, i) => failed(4 + i))) return target.kind === 'user' ? errors.userNotFound(target.username) : target.kind === 'photo' ? errors.unknownPhotoId(target.photoId) : errors.commentNotFound();
      if (!failed(3) && options.perHour !== undefined && failed(4 + departing.length)) return reportRate(options.perHour);
      return inactiveUser(reporter, reasons[3]);
    },
  );
  return report;
}

/** GetItem on one report. */
export async function findReport(db: Db, target: string, reporter: string): Promise<Report | undefined> {
  const result = await call(db, 'findReport', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.report(target, reporter) })));
  return result.Item ? Report.decode(result.Item) : undefined;
}

/** Reports in one state, oldest first: Query `PK = REPORTS#<state>`, ascending. */
export async function listReports(db: Db, state: ReportState, page: PageRequest = {}): Promise<Page<Report>> {
  const { page: result } = await queryPage(
    db,
    'listReports',
    `reports:${state}`,
    { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': ranges.reportsIn(state).pk }, ScanIndexForward: true },
    page,
    ReportQueueEntry.decode,
  );
  return result;
}

/**
 * TransactWriteItems: Update report `state = resolved` (condition `state = open`) + Delete the
 * open queue entry + Put the resolved one. A second resolve is REPORT_NOT_FOUND.
 */
export async function resolveReport(db: Db, target: string, reporterInput: string, resolution: string): Promise<Report> {
  const reporter = assertUsername(reporterInput, 'reporter');
  const found = await findReport(db, target, reporter);
  if (!found || found.state !== 'open') throw safetyErrors.reportNotFound(reporter, target);
  const resolved: Report = { ...found, state: 'resolved', resolvedAt: uniqueTimestamp(), resolution: resolution.slice(0, 1000) };
  await transact(
    db,
    'resolveReport',
    [
      {
        Update: {
          TableName: db.table,
          Key: keys.report(target, reporter),
          UpdateExpression: 'SET #state = :resolved, resolvedAt = :at, resolution = :how',
          ConditionExpression: '#state = :open',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':resolved': 'resolved', ':open': 'open', ':at': resolved.resolvedAt, ':how': resolved.resolution },
        },
      },
      { Delete: { TableName: db.table, Key: keys.reportQueue('open', found.createdAt, target, reporter), ConditionExpression: 'attribute_exists(PK)' } },
      { Put: { TableName: db.table, Item: { ...keys.reportQueue('resolved', found.createdAt, target, reporter), ...resolved } } },
    ],
    () => safetyErrors.reportNotFound(reporter, target),
  );
  return resolved;
}
