/**
 * Who a mention may notify: the mentioned account exists and is active, no block stands between
 * it and the author either way, and it may see the photo (the author is public, or it follows
 * the author). One BatchGetItem for a text's mentions (at most 20 names, 4 keys each + the author).
 * A comment on another's photo (`photoOwner`) also needs the mentioned account clear of blocks
 * with the owner and able to see the owner's photo: 3 keys more each (two BatchGetItem calls for 20 names).
 */
import { keyString, keys } from '../schema/keys.js';
import { batchGet, type Db } from './db.js';
import { listable, uniqueKeys } from './viewer.js';

export async function mentionAudience(db: Db, author: string, names: readonly string[], photoOwner: string = author): Promise<string[]> {
  const others = [...new Set(names)].filter((name) => name !== author);
  if (others.length === 0) return [];
  const owner = photoOwner === author ? undefined : photoOwner;
  const wanted = [
    keys.user(author),
    ...(owner ? [keys.user(owner)] : []),
    ...others.flatMap((name) => [keys.user(name), keys.block(author, name), keys.block(name, author), keys.friendship(author, name)]),
    ...(owner ? others.filter((name) => name !== owner).flatMap((name) => [keys.block(owner, name), keys.block(name, owner), keys.friendship(owner, name)]) : []),
  ];
  // A name may be the owner's (a comment that names the photo's owner): BatchGetItem refuses a key twice.
  const found = await batchGet(db, 'mentionAudience', uniqueKeys(wanted), { sessionCheck: false });
  const at = new Map(found.map((item) => [keyString(item), item]));
  const get = (key: { PK: string; SK: string }) => at.get(keyString(key));
  const writer = get(keys.user(author));
  if (!writer || !listable(writer)) return [];
  const ownerItem = owner ? get(keys.user(owner)) : undefined;
  if (owner && (!ownerItem || !listable(ownerItem))) return [];
  return others.filter((name) => {
    const user = get(keys.user(name));
    if (!user || !listable(user)) return false;
    if (get(keys.block(author, name)) || get(keys.block(name, author))) return false;
    if (owner && name !== owner) {
      if (get(keys.block(owner, name)) || get(keys.block(name, owner))) return false;
      // The photo's audience is the owner's: a private owner's photo, their followers.
      if (ownerItem!.private === true && get(keys.friendship(owner, name)) === undefined) return false;
    }
    // A private author's texts (caption or comment) show to their followers only.
    return writer.private !== true || get(keys.friendship(author, name)) !== undefined;
  });
}
