/** Access patterns on user profiles. */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { assertBirthdate, assertUsername, NewUser, ProfileUpdate, validator } from '../schema/entities.js';
import type { RawItem } from '../schema/entity.js';
import { Photo, User } from '../schema/entities/index.js';
import { keys, parsePhotoSk, ranges } from '../schema/keys.js';
import { call, isConditionFailure, type Db } from './db.js';
import { pageOf, queryPage, type Page, type PageRequest } from './paging.js';
import { ACTIVE_USER, activeFor } from './guards.js';
import { actingFor, assertActingLive, markSessionChecked, projectionWithSession, sessionLive } from './acting.js';

const newUser = validator(NewUser);
const profileUpdate = validator(ProfileUpdate);

function assertOwnPhoto(username: string, pinnedImage: string): void {
  if (parsePhotoSk(pinnedImage)?.username !== username) {
    throw errors.validation('pinnedImage must be the sort key of one of your own photos.', [{ path: '/pinnedImage', message: 'not your photo' }]);
  }
}

/** Validates a sign-up's profile and builds the stored user (counters at zero); shared with accounts. */
export function buildNewUser(input: unknown): User {
  const fields = newUser.assert(input, 'user');
  assertBirthdate(fields.birthdate);
  if (fields.pinnedImage !== undefined) assertOwnPhoto(fields.username, fields.pinnedImage);
  return {
    username: fields.username,
    name: fields.name,
    email: fields.email,
    birthdate: fields.birthdate,
    address: fields.address ?? '',
    status: fields.status ?? '',
    interests: fields.interests ?? [],
    followers: 0,
    following: 0,
    ...(fields.pinnedImage !== undefined ? { pinnedImage: fields.pinnedImage } : {}),
  };
}

/** PutItem with `attribute_not_exists(PK)`: a second sign-up with the same name is USER_EXISTS. */
export async function createUser(db: Db, input: unknown): Promise<User> {
  const user = buildNewUser(input);
  try {
    await call(db, 'createUser', () =>
      db.doc.send(new PutCommand({ TableName: db.table, Item: User.encode(user), ConditionExpression: 'attribute_not_exists(PK)' })),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw errors.userExists(user.username);
    throw error;
  }
  return user;
}

/**
 * UpdateItem of the mutable profile fields only (never username or the counters), conditional
 * on the user existing and not being deleted, so that an update can never create a half user.
 */
export async function updateUser(db: Db, username: string, input: unknown): Promise<User> {
  assertUsername(username);
  const update = profileUpdate.assert(input, 'profile update');
  if (update.birthdate !== undefined) assertBirthdate(update.birthdate);
  if (typeof update.pinnedImage === 'string') assertOwnPhoto(username, update.pinnedImage);

  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  for (const [field, value] of Object.entries(update)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    if (value === null) removes.push(`#${field}`);
    else {
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
  }
  const expression = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].join(' ').trim();
  try {
    const result = await call(db, 'updateUser', () =>
      db.doc.send(
        new UpdateCommand(
          activeFor(username, {
            TableName: db.table,
            Key: keys.user(username),
            UpdateExpression: expression,
            ConditionExpression: ACTIVE_USER,
            ExpressionAttributeNames: names,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
            ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
            ReturnValues: 'ALL_NEW' as const,
          }),
        ),
      ),
    );
    // The write carried the acting condition (guards.ts): the session is checked.
    markSessionChecked(username);
    return User.decode(result.Attributes ?? {});
  } catch (error) {
    if (isConditionFailure(error)) {
      const item = (error as { Item?: Record<string, unknown> }).Item;
      if (actingFor(username) && !sessionLive(item, actingFor(username)!)) throw errors.sessionEnded();
      throw item !== undefined ? errors.accountDeleted(username) : errors.userNotFound(username);
    }
    throw error;
  }
}

/** GetItem on the user's metadata item; undefined when there is none, or it is being deleted. */
export async function findUser(db: Db, username: string): Promise<User | undefined> {
  assertUsername(username);
  const result = await call(db, 'findUser', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(username) })));
  // Reading one's own profile is where such a request checks its session, at no extra request.
  assertActingLive(username, result.Item);
  return result.Item && result.Item.deleting === undefined ? User.decode(result.Item) : undefined;
}

/** GetItem projecting `followers` (the feed's fan-out choice); undefined when the user no longer exists. */
export async function followerCount(db: Db, username: string): Promise<number | undefined> {
  const result = await call(db, 'followerCount', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(username), ProjectionExpression: 'followers' })));
  if (!result.Item) return undefined;
  return typeof result.Item.followers === 'number' ? result.Item.followers : 0;
}

/** GetItem; USER_NOT_FOUND when the user does not exist. */
export async function getUser(db: Db, username: string): Promise<User> {
  const user = await findUser(db, username);
  if (!user) throw errors.userNotFound(username);
  return user;
}

/**
 * The lab's "user and photos in one query": `PK = USER#u AND SK BETWEEN #METADATA#u AND PHOTO$`,
 * ascending, so the profile comes first and the photos follow oldest first. Paged like every
 * list; the profile is returned with the first page only.
 */
export async function getUserAndPhotos(db: Db, username: string, page: PageRequest = {}): Promise<{ user: User | undefined; photos: Page<Photo> }> {
  assertUsername(username);
  const range = ranges.userAndPhotos(username);
  const decode = (item: RawItem): User | Photo => (User.is(item) ? User.decode(item) : Photo.decode(item));
  const first = page.cursor === undefined;
  const { raw, page: result } = await queryPage(
    db,
    'getUserAndPhotos',
    `user-photos:${username}`,
    {
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': range.pk, ':from': range.from, ':to': range.to },
      ScanIndexForward: true,
    },
    page,
    decode,
    first ? 1 : 0,
  );
  const [head, ...rest] = result.items;
  const user = first && User.is(raw[0]) ? (head as User) : undefined;
  const photos = (user ? rest : result.items) as Photo[];
  if (first && !user && photos.length === 0) throw errors.userNotFound(username);
  return { user, photos: pageOf(photos, result.nextCursor) };
}

/**
 * GetItem projecting only the key: tells "no items" from "no such user" on empty first pages.
 * On one's own list it also projects the session attributes: the request's session check.
 */
export async function assertUserExists(db: Db, username: string): Promise<void> {
  const result = await call(db, 'assertUserExists', () =>
    db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(username), ...projectionWithSession(['PK'], actingFor(username)) })),
  );
  assertActingLive(username, result.Item);
  if (!result.Item) throw errors.userNotFound(username);
}

/** Whether a user's photos may be shown to strangers: public, not suspended, not being deleted. */
export function isPubliclyListed(user: Record<string, unknown> | undefined): boolean {
  return user !== undefined && user.private !== true && user.suspendedAt === undefined && user.deleting === undefined;
}

/** GetItem of the user projected to what public listing depends on; undefined when the user no longer exists. */
export async function listingState(db: Db, username: string): Promise<Record<string, unknown> | undefined> {
  const result = await call(db, 'listingState', () =>
    db.doc.send(
      new GetCommand({
        TableName: db.table,
        Key: keys.user(username),
        ProjectionExpression: 'username, #p, suspendedAt, deleting',
        ExpressionAttributeNames: { '#p': 'private' },
      }),
    ),
  );
  return result.Item;
}
