/**
 * Reads for the event stream (src/http/events/) beyond the activity list's own: who, among the
 * users connected to one API instance, should hear of a new photo.
 */
import { assertUsername } from '../schema/entities.js';
import { keys } from '../schema/keys.js';
import { batchGet, type Db } from './db.js';
import { outsideSession } from './acting.js';
import { listable } from './viewer.js';

/**
 * Those of `readers` who follow `author`, judged now: one BatchGetItem of the author's User
 * item and a Friendship key per reader (per 100 keys). None when the author is gone or
 * suspended. A follow exists only while neither has blocked the other (a block removes it)
 * and, for a private author, once approved: so a follower may see the photo.
 */
export async function readersFollowing(db: Db, author: string, readers: readonly string[]): Promise<Set<string>> {
  assertUsername(author);
  const others = readers.filter((reader) => reader !== author);
  if (others.length === 0) return new Set();
  const authorKey = keys.user(author);
  // Work of the instance, not of one user's request: no session rides along.
  const found = await outsideSession(() => batchGet(db, 'readersFollowing', [authorKey, ...others.map((reader) => keys.friendship(author, reader))]));
  const user = found.find((item) => item.PK === authorKey.PK && item.SK === authorKey.SK);
  if (!user || !listable(user)) return new Set();
  const following = new Set(found.map((item) => `${String(item.PK)}\n${String(item.SK)}`));
  return new Set(
    others.filter((reader) => {
      const key = keys.friendship(author, reader);
      return following.has(`${key.PK}\n${key.SK}`);
    }),
  );
}
