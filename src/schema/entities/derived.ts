/**
 * Items of the derived table (`<table>-derived`, src/derived/): feeds, activity, the user
 * directory and the stream consumer's bookkeeping. No lab query can read that table.
 */
import { Type } from 'typebox';
import { CorruptItemError, defineEntity, type EntityType } from '../entity.js';
import { derivedKeys } from '../keys.js';

/** Epoch seconds: the derived table's TTL attribute. */
const ExpiresAt = Type.Number();

/** A followed author's photo in a reader's feed, newest first by its SK. */
export const FeedEntry = defineEntity({
  name: 'FeedEntry',
  kind: 'feedEntry',
  attributes: { author: Type.String(), photoTimestamp: Type.String(), expiresAt: Type.Optional(ExpiresAt) },
  keyParts: { reader: Type.String() },
  key: (e) => derivedKeys.feedEntry(e.reader, e.author, e.photoTimestamp),
});
export type FeedEntry = EntityType<typeof FeedEntry>;

/**
 * The big authors a reader follows, above every entry of the reader's feed. Each author is an
 * attribute of its own (`big:<author>`, BIG_AUTHOR_ATTRIBUTE), set and removed one by one, so
 * the codec has no fixed attributes: readers list them with the feed's `authorsOf`.
 */
export const FeedBigAuthors = defineEntity({
  name: 'FeedBigAuthors',
  kind: 'feedBigAuthors',
  attributes: {},
  keyParts: { reader: Type.String() },
  key: (e) => derivedKeys.feedBigAuthors(e.reader),
});
export type FeedBigAuthors = EntityType<typeof FeedBigAuthors>;

/** A big author the reader follows: merged into the feed at read time instead of fanned out. */
export const CelebrityFollow = defineEntity({
  name: 'CelebrityFollow',
  kind: 'celebrityFollow',
  attributes: { author: Type.String() },
  keyParts: { reader: Type.String() },
  key: (e) => derivedKeys.celebrityFollow(e.reader, e.author),
});
export type CelebrityFollow = EntityType<typeof CelebrityFollow>;

/** A big author's newest photo timestamps. */
export const RecentPhotos = defineEntity({
  name: 'RecentPhotos',
  kind: 'recentPhotos',
  attributes: { author: Type.String(), timestamps: Type.Array(Type.String()) },
  key: (e) => derivedKeys.recentPhotos(e.author),
});
export type RecentPhotos = EntityType<typeof RecentPhotos>;

export const ActivityType = Type.Union([
  Type.Literal('follow'), Type.Literal('request'), Type.Literal('reaction'), Type.Literal('mention'),
  Type.Literal('comment'), Type.Literal('reply'), Type.Literal('comment-like'),
]);

/**
 * Something that happened to a user: a follow, a follow request, a reaction to a photo, a mention
 * in a text on a photo, a comment on their photo, a reply to or a like of their comment.
 */
export const ActivityItem = defineEntity({
  name: 'ActivityItem',
  kind: 'activityItem',
  attributes: {
    type: ActivityType,
    actor: Type.String(),
    at: Type.String(),
    reactionType: Type.Optional(Type.String()),
    photoOwner: Type.Optional(Type.String()),
    photoTimestamp: Type.Optional(Type.String()),
    /** Mentions: the text the mention is in (`caption`, or another text on the photo). */
    source: Type.Optional(Type.String()),
    /** Comment, reply, comment-like: the comment (or reply) it is about, named as its id names it. */
    commentTimestamp: Type.Optional(Type.String()),
    commentAuthor: Type.Optional(Type.String()),
    parentTimestamp: Type.Optional(Type.String()),
    parentAuthor: Type.Optional(Type.String()),
    /** Comment, reply: the start of its text (what a notification shows). */
    text: Type.Optional(Type.String()),
    expiresAt: Type.Optional(ExpiresAt),
  },
  keyParts: { user: Type.String() },
  key: (a) => {
    if (a.type === 'follow') return derivedKeys.followActivity(a.user, a.at, a.actor);
    if (a.type === 'request') return derivedKeys.requestActivity(a.user, a.at, a.actor);
    if (a.type === 'mention') {
      if (a.photoTimestamp === undefined || a.source === undefined) throw new CorruptItemError(`Mention activity of ${a.user} names no photo or text.`);
      return derivedKeys.mentionActivity(a.user, a.at, a.actor, a.photoTimestamp, a.source);
    }
    if (a.type === 'comment' || a.type === 'reply' || a.type === 'comment-like') {
      if (a.photoOwner === undefined || a.photoTimestamp === undefined || a.commentTimestamp === undefined) throw new CorruptItemError(`Comment activity of ${a.user} names no comment.`);
      return derivedKeys.commentActivity(a.user, a.at, a.type, a.actor, a.photoOwner, a.photoTimestamp, a.commentTimestamp);
    }
    if (a.reactionType === undefined || a.photoTimestamp === undefined) throw new CorruptItemError(`Reaction activity of ${a.user} names no reaction or photo.`);
    return derivedKeys.reactionActivity(a.user, a.at, a.actor, a.reactionType, a.photoTimestamp);
  },
});
export type ActivityItem = EntityType<typeof ActivityItem>;

/** How far the user has read their activity (an activity SK). */
export const ActivityState = defineEntity({
  name: 'ActivityState',
  kind: 'activityState',
  attributes: { readUpTo: Type.String(), updatedAt: Type.Optional(Type.String()) },
  keyParts: { user: Type.String() },
  key: (s) => derivedKeys.activityState(s.user),
});
export type ActivityState = EntityType<typeof ActivityState>;

/** One search token of a user's name or username. */
export const DirectoryToken = defineEntity({
  name: 'DirectoryToken',
  kind: 'directoryToken',
  attributes: { username: Type.String(), field: Type.Union([Type.Literal('username'), Type.Literal('name')]) },
  keyParts: { token: Type.String() },
  key: (d) => derivedKeys.directoryToken(d.token, d.username),
});
export type DirectoryToken = EntityType<typeof DirectoryToken>;

/** A shard's position in the stream and its lease, per reader (`stream`; per-view names before it). */
export const Checkpoint = defineEntity({
  name: 'Checkpoint',
  kind: 'checkpoint',
  attributes: {
    shardId: Type.String(),
    sequenceNumber: Type.Optional(Type.String()),
    finished: Type.Optional(Type.Boolean()),
    owner: Type.Optional(Type.String()),
    /** Epoch ms (the holder's clock). */
    leaseUntil: Type.Optional(Type.Number()),
    updatedAt: Type.Optional(Type.String()),
    migrated: Type.Optional(Type.Boolean()),
  },
  keyParts: { reader: Type.String(), streamLabel: Type.String() },
  key: (c) => derivedKeys.checkpoint(c.reader, c.streamLabel, c.shardId),
});
export type Checkpoint = EntityType<typeof Checkpoint>;

/** A change a view could not apply, kept for redrive (`change` is the JSON of src/derived/records.ts's Change). */
export const DeadLetterItem = defineEntity({
  name: 'DeadLetter',
  kind: 'deadLetter',
  attributes: { view: Type.String(), change: Type.String(), error: Type.String(), failedAt: Type.String(), redrives: Type.Optional(Type.Integer()) },
  keyParts: { sequenceNumber: Type.String() },
  key: (d) => derivedKeys.deadLetter(d.view, d.sequenceNumber),
});
export type DeadLetterItem = EntityType<typeof DeadLetterItem>;

/** A worker's last heartbeat for one view (`status` is the consumer's ConsumerStatus). */
export const WorkerHeartbeat = defineEntity({
  name: 'WorkerHeartbeat',
  kind: 'workerStatus',
  attributes: { status: Type.Unknown(), updatedAt: Type.String() },
  keyParts: { view: Type.String() },
  key: (w) => derivedKeys.workerStatus(w.view),
});
export type WorkerHeartbeat = EntityType<typeof WorkerHeartbeat>;

/** A recent public photo in one of Explore's partitions (EXPLORE#<shard>), newest first by its SK. */
export const ExploreEntry = defineEntity({
  name: 'ExploreEntry',
  kind: 'exploreEntry',
  attributes: { author: Type.String(), photoTimestamp: Type.String() },
  key: (e) => derivedKeys.exploreEntry(e.author, e.photoTimestamp),
});
export type ExploreEntry = EntityType<typeof ExploreEntry>;

/** An account in the most-followed list (PEOPLE#popular), ranked by its follower count in the SK. */
export const PopularAccount = defineEntity({
  name: 'PopularAccount',
  kind: 'popularAccount',
  attributes: { username: Type.String(), followers: Type.Integer({ minimum: 1 }) },
  key: (p) => derivedKeys.popularAccount(p.username, p.followers),
});
export type PopularAccount = EntityType<typeof PopularAccount>;

/** An account in the recently-active list (PEOPLE#active), ranked by its newest photo's time in the SK. */
export const ActiveAccount = defineEntity({
  name: 'ActiveAccount',
  kind: 'activeAccount',
  attributes: { username: Type.String() },
  keyParts: { newestPhoto: Type.String() },
  key: (a) => derivedKeys.activeAccount(a.username, a.newestPhoto),
});
export type ActiveAccount = EntityType<typeof ActiveAccount>;

/** A photo under a folded tag (TAG#<tag>), newest first by its SK; one per tag, photo and text (`source`). */
export const TagEntry = defineEntity({
  name: 'TagEntry',
  kind: 'tagEntry',
  attributes: { tag: Type.String(), photoOwner: Type.String(), photoTimestamp: Type.String(), source: Type.String() },
  key: (e) => derivedKeys.tagEntry(e.tag, e.photoOwner, e.photoTimestamp, e.source),
});
export type TagEntry = EntityType<typeof TagEntry>;

/** A tag in the tag directory (TAGS#<first 2 chars>), with how many entries it has (see docs/data-model.md: approximate). */
export const TagName = defineEntity({
  name: 'TagName',
  kind: 'tagName',
  attributes: { tag: Type.String(), count: Type.Integer() },
  key: (e) => derivedKeys.tagName(e.tag),
});
export type TagName = EntityType<typeof TagName>;
/**
 * One event in the event log that every API instance tails (src/http/events/): what happened
 * for which user; the stream re-reads the source (the activity item, the photo) at delivery.
 */
export const EventLogEntry = defineEntity({
  name: 'EventLogEntry',
  kind: 'eventLogEntry',
  attributes: {
    user: Type.String(),
    at: Type.String(),
    type: Type.Union([Type.Literal('activity'), Type.Literal('read'), Type.Literal('post'), Type.Literal('notice'), Type.Literal('session')]),
    /** What the event points at: an activity item's sort key, a photo's timestamp, a notice's photo id. */
    ref: Type.Optional(Type.String()),
    expiresAt: ExpiresAt,
  },
  keyParts: { id: Type.String() },
  key: (e) => derivedKeys.eventLogEntry(e.user, e.at, e.id),
});
export type EventLogEntry = EntityType<typeof EventLogEntry>;

/** A single-use ticket for a browser's EventSource (which cannot send headers): the session it opens a stream for. */
export const StreamTicket = defineEntity({
  name: 'StreamTicket',
  kind: 'streamTicket',
  attributes: {
    username: Type.String(),
    accountId: Type.Optional(Type.String()),
    sessionId: Type.Optional(Type.String()),
    issuedAt: Type.Number(),
    /** Epoch ms; the TTL attribute may lag by hours, so a read checks this. */
    validUntil: Type.Number(),
    expiresAt: ExpiresAt,
  },
  keyParts: { digest: Type.String() },
  key: (t) => derivedKeys.streamTicket(t.digest),
});
export type StreamTicket = EntityType<typeof StreamTicket>;
