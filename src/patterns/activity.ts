/**
 * Activity reads: "who followed me, who asked to follow me, who reacted to my photos", newest first, from the items
 * the activity view derives into ACTIVITY#<me> (derived table), with a read marker in the
 * same partition (SK STATE) that says up to which item I have seen.
 */
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { assertUsername, isReactionType, type ReactionType } from '../schema/entities.js';
import type { RawItem } from '../schema/entity.js';
import { Photo, User } from '../schema/entities/index.js';
import { derivedKeys, derivedRanges, keyString, keys } from '../schema/keys.js';
import { derivedTableName } from '../schema/table.js';
import { batchGet, call, isConditionFailure, type Db } from './db.js';
import { inPrefix, pageOf, queryPage, type Page, type PageRequest } from './paging.js';
import { besideSessionCheck } from './session-check.js';
import type { CommentRefId } from '../schema/ids.js';
import { listable, viewerState } from './viewer.js';

/** 20 actors' viewer keys (2 follows, 2 blocks, 1 request each) make 100: one BatchGetItem. */
export const ACTIVITY_PAGE_MAX = 20;
/** The unread count stops counting here (a badge shows "99+"). */
export const UNREAD_COUNT_CAP = 100;

export interface ActivityItem {
  /** The item's sort key: unique, and ordered as the events of the stream are (src/http/events/). */
  key: string;
  type: 'follow' | 'request' | 'reaction' | 'mention' | 'comment' | 'reply' | 'comment-like';
  at: string;
  actor: User;
  actorFollowedByMe: boolean;
  actorFollowsMe: boolean;
  /** My follow request to the actor is pending. */
  actorRequested: boolean;
  reactionType?: ReactionType;
  /** The photo reacted to (omitted when it was deleted since), or the photo whose text mentions me, or the comment is on. */
  photo?: Photo;
  /** Comment, reply, comment-like: the comment or reply (its text: for a comment or reply, its start). */
  comment?: { ref: CommentRefId; text?: string };
  unread: boolean;
}

const derived = (db: Db): Db => ({ ...db, table: derivedTableName(db.table) });

/**
 * Whether an activity item of this kind shows its actor's own text (a mention, a comment, a
 * reply): a private actor's reaches their followers only, in the list, the stream and a push.
 */
export const showsActorText = (type: unknown): boolean => type === 'mention' || type === 'comment' || type === 'reply';

/** GetItem ACTIVITY#me / STATE: the sort key of the newest item marked read. */
async function readMarker(db: Db, user: string): Promise<string> {
  const result = await call(db, 'readMarker', () =>
    db.doc.send(new GetCommand({ TableName: derivedTableName(db.table), Key: derivedKeys.activityState(user), ProjectionExpression: 'readUpTo' })),
  );
  return typeof result.Item?.readUpTo === 'string' ? result.Item.readUpTo : '';
}

export interface ActivityPageRequest extends PageRequest {
  /** Only items whose key sorts after this one ('': all), oldest first. */
  after?: string | undefined;
}

/** Whether `key` can name an item of the user's activity (a stream's Last-Event-ID, say). */
export const isActivityKey = (user: string, key: string): boolean => key.startsWith(derivedRanges.activity(user).prefix) && key.length <= 1024;

function assertActivityPage(page: PageRequest): void {
  if (page.limit !== undefined && page.limit > ACTIVITY_PAGE_MAX) {
    throw errors.validation(`limit must be at most ${ACTIVITY_PAGE_MAX} for activity.`, [{ path: '/limit', message: `must be 1-${ACTIVITY_PAGE_MAX}` }]);
  }
}

/**
 * One page of activity with the unread count: GetItem of the read marker, and in parallel Query
 * `PK = ACTIVITY#me AND begins_with(SK, A#)` descending; once the marker is in, the unread
 * items' Query (keys and actors only); then one BatchGetItem of the actors' profiles and the
 * photos, and one of viewer state (blocks included). Items about deleted or suspended users,
 * or users a block stands between, are left out (a page may so be short; its cursor is not),
 * and so are, as the comment list and the photo hide them, a private account's texts (a mention,
 * a comment, a reply) and anything on a private owner's photo, for someone not following them;
 * the unread count leaves out the same ones: it is judged by the same profiles, blocks and follows.
 * Unread actors and photo owners not on the page add their profile, two block keys and the
 * follow of them to those two requests (another BatchGetItem per 100 keys past the first).
 */
export async function getActivity(db: Db, user: string, page: ActivityPageRequest = {}): Promise<Page<ActivityItem> & { unreadCount: number }> {
  assertUsername(user);
  assertActivityPage(page);
  const range = derivedRanges.activity(user);
  const markerRead = readMarker(db, user);
  const [{ page: result }, marker, unread] = await Promise.all([
    queryPage<RawItem>(
      derived(db), 'getActivity',
      `activity:${user}`,
      // `after`: oldest first from just past that key (a stream catching up), else newest first.
      page.after === undefined
        ? { ...inPrefix(range), ScanIndexForward: false }
        : { KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to', ExpressionAttributeValues: { ':pk': range.pk, ':from': page.after === '' ? range.prefix : `${page.after}\u0000`, ':to': `${range.prefix.slice(0, -1)}$` } },
      page,
      (item) => item,
    ),
    markerRead,
    markerRead.then((m) => unreadAfter(db, user, m)),
  ]);
  const raw = result.items;
  // An item about a photo (a reaction, a mention, a comment, a reply, a like of a comment): the
  // photo's owner, unless it is me, is judged as the item's actor is, even when they are the
  // actor: a private owner's photo reaches their followers only, whatever the item's kind.
  const onPhoto = (i: RawItem) => i.type !== 'follow' && i.type !== 'request';
  const ownerOf = (i: RawItem): string | undefined => (onPhoto(i) && typeof i.photoOwner === 'string' && i.photoOwner !== user ? i.photoOwner : undefined);
  const owners = raw.flatMap((i) => ownerOf(i) ?? []);
  const pageActors = new Set([...raw.map((i) => String(i.actor)), ...owners]);
  const actors = [...new Set([...pageActors, ...unread.flatMap((i) => [String(i.actor), ...(ownerOf(i) ?? [])])])];
  const countOnly = actors.filter((a) => !pageActors.has(a) && a !== user);
  // Several reactions to one photo name it once: BatchGetItem rejects duplicate keys.
  const photoRefs = [...new Set(raw.filter(onPhoto).map((i) => `${String(i.photoOwner)}\n${String(i.photoTimestamp)}`))];
  const photoKeys = photoRefs.map((ref) => {
    const [owner = '', timestamp = ''] = ref.split('\n');
    return keys.photo(owner, timestamp);
  });
  // Users only the count names: their blocks both ways and my follow of them (a private one's texts and photos count while I follow them).
  const countKeys = countOnly.flatMap((a) => [keys.block(user, a), keys.block(a, user), keys.friendship(a, user)]);
  const [content, state] = await Promise.all([
    actors.length === 0 ? Promise.resolve([]) : batchGet(db, 'getActivity', [...actors.map((a) => keys.user(a)), ...photoKeys]),
    viewerState(db, user, [...pageActors], [], countKeys, { blocks: true, requests: true }),
  ]);
  const users = new Map<string, User>();
  const photos = new Map<string, Photo>();
  for (const item of content) {
    if (User.is(item)) {
      if (listable(item)) users.set(String(item.username), User.decode(item));
    } else photos.set(`${String(item.username)}#${String(item.timestamp)}`, Photo.decode(item));
  }
  const counted = new Set(state.extra.map(keyString));
  const isCounted = (key: { PK: string; SK: string }) => counted.has(keyString(key));
  const countOnlySet = new Set(countOnly);
  const blocked = (u: string) =>
    countOnlySet.has(u) ? isCounted(keys.block(user, u)) || isCounted(keys.block(u, user)) : state.blocked(u);
  const follows = (u: string) => (countOnlySet.has(u) ? isCounted(keys.friendship(u, user)) : state.follows(u));
  // A private account's photos and texts show to its followers only.
  const seen = (u: User) => u.username === user || u.private !== true || follows(u.username);
  const visible = (item: RawItem): User | undefined => {
    const actor = users.get(String(item.actor));
    if (!actor || blocked(actor.username)) return undefined;
    const type = item.type;
    if (type === 'follow' || type === 'request') return actor;
    const owner = ownerOf(item);
    if (owner !== undefined) {
      const ownerUser = users.get(owner);
      if (ownerUser === undefined || blocked(owner) || !seen(ownerUser)) return undefined;
    }
    if (showsActorText(type)) return seen(actor) ? actor : undefined;
    if (type === 'comment-like') return actor;
    return type === 'reaction' && typeof item.reactionType === 'string' && isReactionType(item.reactionType) ? actor : undefined;
  };
  const items: ActivityItem[] = [];
  for (const item of raw) {
    const actor = visible(item);
    if (!actor) continue;
    const base = {
      key: String(item.SK),
      at: String(item.at),
      actor,
      actorFollowedByMe: state.follows(actor.username),
      actorFollowsMe: state.followedBy(actor.username),
      actorRequested: state.requested(actor.username),
      unread: String(item.SK) > marker,
    };
    if (item.type === 'follow' || item.type === 'request') items.push({ type: item.type, ...base });
    else if (item.type === 'mention') {
      const photo = photos.get(`${String(item.photoOwner)}#${String(item.photoTimestamp)}`);
      // The photo gone: the worker removes the mention too.
      if (photo) items.push({ type: 'mention', ...base, photo });
    } else if (item.type === 'comment' || item.type === 'reply' || item.type === 'comment-like') {
      const photo = photos.get(`${String(item.photoOwner)}#${String(item.photoTimestamp)}`);
      const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
      const ref: CommentRefId = {
        photoOwner: String(item.photoOwner), photoTimestamp: String(item.photoTimestamp), timestamp: String(item.commentTimestamp), author: String(item.commentAuthor),
        ...(str(item.parentTimestamp) && str(item.parentAuthor) ? { parentTimestamp: str(item.parentTimestamp)!, parentAuthor: str(item.parentAuthor)! } : {}),
      };
      // The photo gone: the worker removes its comments and so the item too.
      if (photo) items.push({ type: item.type, ...base, photo, comment: { ref, ...(str(item.text) !== undefined ? { text: str(item.text)! } : {}) } });
    } else {
      const photo = photos.get(`${String(item.photoOwner)}#${String(item.photoTimestamp)}`);
      items.push({ type: 'reaction', ...base, reactionType: item.reactionType as ReactionType, ...(photo ? { photo } : {}) });
    }
  }
  const unreadCount = unread.filter((item) => visible(item) !== undefined).length;
  return { ...pageOf(items, result.nextCursor), unreadCount };
}

/**
 * The unread items after the marker, at most UNREAD_COUNT_CAP: Query `SK BETWEEN <marker>\0
 * AND A$`, projecting what the list judges an item by (its actor, type and reaction type).
 */
async function unreadAfter(db: Db, user: string, marker: string): Promise<RawItem[]> {
  const range = derivedRanges.activity(user);
  const result = await call(db, 'unreadAfter', () =>
    db.doc.send(
      new QueryCommand({
        TableName: derivedTableName(db.table),
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': range.pk, ':from': marker ? `${marker}\u0000` : range.prefix, ':to': `${range.prefix.slice(0, -1)}$` },
        ProjectionExpression: 'SK, actor, #type, reactionType, photoOwner',
        ExpressionAttributeNames: { '#type': 'type' },
        Limit: UNREAD_COUNT_CAP,
      }),
    ),
  );
  return (result.Items ?? []) as RawItem[];
}

/**
 * Marks everything up to the newest item read: Query (newest item's key, Limit 1) + PutItem
 * of the marker, conditional on moving it forward (a late, older request never un-reads). In a
 * request that checked nothing yet, one GetItem of the session attributes rides alongside.
 */
export async function markActivityRead(db: Db, user: string): Promise<void> {
  assertUsername(user);
  const range = derivedRanges.activity(user);
  const table = derivedTableName(db.table);
  // The marker is on the derived table, where no acting condition can ride: an ended session
  // is refused by one read of the User item, made alongside the Query (src/patterns/session-check.ts).
  const newest = await besideSessionCheck(db, () =>
    call(db, 'markActivityRead', () =>
      db.doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.prefix },
          ProjectionExpression: 'SK',
          ScanIndexForward: false,
          Limit: 1,
        }),
      ),
    ),
  );
  const readUpTo: unknown = newest.Items?.[0]?.SK;
  if (typeof readUpTo !== 'string') return;
  try {
    await call(db, 'markActivityRead', () =>
      db.doc.send(
        new PutCommand({
          TableName: table,
          Item: { ...derivedKeys.activityState(user), readUpTo, updatedAt: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(readUpTo) OR readUpTo < :next',
          ExpressionAttributeValues: { ':next': readUpTo },
        }),
      ),
    );
  } catch (error) {
    if (isConditionFailure(error)) return;
    throw error;
  }
}
