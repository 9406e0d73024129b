/** Every declared entity (src/schema/entity.ts), one per item type of either table. */
import type { AnyEntity } from '../entity.js';
import { Credentials, DeletionJob, EmailClaim, EmailProbes, LoginThrottle, MailToken, PasswordThrottle, Session } from './account.js';
import { ActiveAccount, ActivityItem, ActivityState, CelebrityFollow, Checkpoint, DeadLetterItem, DirectoryToken, EventLogEntry, ExploreEntry, FeedBigAuthors, FeedEntry, PopularAccount, RecentPhotos, StreamTicket, TagEntry, TagName, WorkerHeartbeat } from './derived.js';
import { Comment, CommentCount, CommentLike, CommentRef } from './comment.js';
import { Friendship } from './friendship.js';
import { Photo } from './photo.js';
import { PushCollapse, PushDevice, PushPreferences } from './push.js';
import { Reaction } from './reaction.js';
import { Block, FollowRequest, Notice, PrivateMark, Report, ReportQueueEntry } from './safety.js';
import { HourlyUploads, IdempotencyKey, StorageUse, UploadSlot } from './uploads.js';
import { User } from './user.js';

export * from './account.js';
export * from './comment.js';
export * from './derived.js';
export * from './friendship.js';
export * from './photo.js';
export * from './push.js';
export * from './reaction.js';
export * from './safety.js';
export * from './uploads.js';
export * from './user.js';

/** The main table's entities: the lab's four first. */
export const MAIN_ENTITIES: readonly AnyEntity[] = [
  User, Photo, Reaction, Friendship,
  Credentials, Session, MailToken, LoginThrottle, PasswordThrottle, EmailProbes, EmailClaim, DeletionJob,
  Block, FollowRequest, PrivateMark, Report, ReportQueueEntry, Notice,
  UploadSlot, StorageUse, HourlyUploads, IdempotencyKey,
  PushDevice, PushPreferences,
  Comment, CommentCount, CommentRef, CommentLike,
];

/** The derived table's entities. */
export const DERIVED_ENTITIES: readonly AnyEntity[] = [
  FeedEntry, FeedBigAuthors, CelebrityFollow, RecentPhotos, ActivityItem, ActivityState, DirectoryToken, Checkpoint, DeadLetterItem, WorkerHeartbeat,
  ExploreEntry, PopularAccount, ActiveAccount, TagEntry, TagName, EventLogEntry, StreamTicket,
  PushCollapse,
];
