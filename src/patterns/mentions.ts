/**
 * Who a mention may notify: the mentioned account exists and is active, existed when the mention
 * was made (`at`: else it names an earlier account of that name, deleted since; the User item's
 * `joinedAt`, absent on accounts made before it), no block stands between it and the author
 * either way, and it may see the photo (the author is public, or it follows the author). One
 * BatchGetItem for a text's mentions (at most 20 names, 4 keys each + the author).
 * A comment on another's photo (`photoOwner`) also needs the mentioned account clear of blocks
 * with the owner and able to see the owner's photo: 3 keys more each (two BatchGetItem calls for 20 names);
 * a reply (`parentAuthor`), the same of the author of the comment it answers: 3 keys more each.
 */
import { keyString, keys } from '../schema/keys.js';
import { batchGet, type Db } from './db.js';
import { listable, uniqueKeys } from './viewer.js';

export interface MentionText {
  author: string;
  /** The names the text mentions. */
  names: readonly string[];
  /** The photo's owner, for a comment (the author's own photo otherwise). */
  photoOwner?: string | undefined;
  /** The author of the comment a reply answers. */
  parentAuthor?: string | undefined;
  /** When the mention was made (ISO). */
  at?: string | undefined;
}

export async function mentionAudience(db: Db, text: MentionText): Promise<string[]> {
  const { author, names, photoOwner = author, parentAuthor, at } = text;
  const others = [...new Set(names)].filter((name) => name !== author);
  if (others.length === 0) return [];
  const owner = photoOwner === author ? undefined : photoOwner;
  // A reply shows only to whom the comment it answers shows (the replies list refuses the rest): its author is judged too.
  const thread = parentAuthor === undefined || parentAuthor === author || parentAuthor === photoOwner ? undefined : parentAuthor;
  const wanted = [
    keys.user(author),
    ...(owner ? [keys.user(owner)] : []),
    ...(thread ? [keys.user(thread)] : []),
    ...others.flatMap((name) => [keys.user(name), keys.block(author, name), keys.block(name, author), keys.friendship(author, name)]),
    ...(owner ? others.filter((name) => name !== owner).flatMap((name) => [keys.block(owner, name), keys.block(name, owner), keys.friendship(owner, name)]) : []),
    ...(thread ? others.filter((name) => name !== thread).flatMap((name) => [keys.block(thread, name), keys.block(name, thread), keys.friendship(thread, name)]) : []),
  ];
  // A name may be the owner's (a comment that names the photo's owner): BatchGetItem refuses a key twice.
  const found = await batchGet(db, 'mentionAudience', uniqueKeys(wanted), { sessionCheck: false });
  const byKey = new Map(found.map((item) => [keyString(item), item]));
  const get = (key: { PK: string; SK: string }) => byKey.get(keyString(key));
  const writer = get(keys.user(author));
  if (!writer || !listable(writer)) return [];
  const ownerItem = owner ? get(keys.user(owner)) : undefined;
  if (owner && (!ownerItem || !listable(ownerItem))) return [];
  const threadItem = thread ? get(keys.user(thread)) : undefined;
  if (thread && (!threadItem || !listable(threadItem))) return [];
  /** `name` sees `party`'s texts: no block either way, and a private party followed. */
  const sees = (name: string, party: string, item: Record<string, unknown>) =>
    name === party || (!get(keys.block(party, name)) && !get(keys.block(name, party)) && (item.private !== true || get(keys.friendship(party, name)) !== undefined));
  return others.filter((name) => {
    const user = get(keys.user(name));
    if (!user || !listable(user)) return false;
    // Made before this account of the name existed: a deleted account's, applied late by the worker.
    if (at !== undefined && typeof user.joinedAt === 'string' && user.joinedAt > at) return false;
    if (get(keys.block(author, name)) || get(keys.block(name, author))) return false;
    // The photo's audience is the owner's: a private owner's photo, their followers.
    if (owner && !sees(name, owner, ownerItem!)) return false;
    if (thread && !sees(name, thread, threadItem!)) return false;
    // A private author's texts (caption or comment) show to their followers only.
    return writer.private !== true || get(keys.friendship(author, name)) !== undefined;
  });
}
