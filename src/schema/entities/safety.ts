/**
 * Social-safety items (src/patterns/safety/): blocks, follow requests, private marks, reports
 * with their moderators' queue entries, and takedown notices.
 */
import { Type } from 'typebox';
import { defineEntity, type EntityType } from '../entity.js';
import { keys } from '../keys.js';

/** One per (blocker, blocked) pair, in the blocker's BLOCK# partition. */
export const Block = defineEntity({
  name: 'Block',
  kind: 'block',
  attributes: { blocker: Type.String(), blocked: Type.String(), timestamp: Type.String() },
  key: (b) => keys.block(b.blocker, b.blocked),
});
export type Block = EntityType<typeof Block>;

/** A pending request to follow a private account. */
export const FollowRequest = defineEntity({
  name: 'FollowRequest',
  kind: 'followRequest',
  attributes: { target: Type.String(), requester: Type.String(), timestamp: Type.String() },
  key: (r) => keys.followRequest(r.target, r.requester),
});
export type FollowRequest = EntityType<typeof FollowRequest>;

/**
 * Exists while the account is private or hidden (mirrors the User item's `private`, and with
 * `hidden` its `suspendedAt` or `deleting`).
 */
export const PrivateMark = defineEntity({
  name: 'PrivateMark',
  kind: 'privateMark',
  attributes: { username: Type.String(), hidden: Type.Optional(Type.Boolean()) },
  key: (m) => keys.privateMark(m.username),
});
export type PrivateMark = EntityType<typeof PrivateMark>;

export const ReportState = Type.Union([Type.Literal('open'), Type.Literal('resolved')]);

/** A report and its queue entry carry the same attributes; only their keys differ. */
const reportAttributes = {
  /** `user:<name>` or `photo:<photoId>`. */
  target: Type.String(),
  reporter: Type.String(),
  reason: Type.String(),
  text: Type.Optional(Type.String()),
  state: ReportState,
  createdAt: Type.String(),
  resolvedAt: Type.Optional(Type.String()),
  resolution: Type.Optional(Type.String()),
};

/** One per reporter and target: the conditional Put's key. */
export const Report = defineEntity({
  name: 'Report',
  kind: 'report',
  attributes: reportAttributes,
  key: (r) => keys.report(r.target, r.reporter),
});
export type Report = EntityType<typeof Report>;

/** The moderators' queue entry of a report, oldest first within its state. */
export const ReportQueueEntry = defineEntity({
  name: 'ReportQueueEntry',
  kind: 'reportQueue',
  attributes: reportAttributes,
  key: (r) => keys.reportQueue(r.state, r.createdAt, r.target, r.reporter),
});
export type ReportQueueEntry = EntityType<typeof ReportQueueEntry>;

/** What a photo's owner (or a comment's author, with `commentId`) is told when a moderator took it down. */
export const Notice = defineEntity({
  name: 'Notice',
  kind: 'notice',
  attributes: { owner: Type.String(), photoId: Type.String(), commentId: Type.Optional(Type.String()), reason: Type.String(), at: Type.String() },
  key: (n) => keys.notice(n.owner, n.at, n.photoId),
});
export type Notice = EntityType<typeof Notice>;
