/**
 * Who a mention may notify: the mentioned account exists and is active, no block stands between
 * it and the author either way, and it may see the photo (the author is public, or it follows
 * the author). One BatchGetItem for a text's mentions (at most 20 names, 4 keys each + the author).
 */
import { keys } from '../schema/keys.js';
import { batchGet, type Db } from './db.js';
import { listable } from './viewer.js';

export async function mentionAudience(db: Db, author: string, names: readonly string[]): Promise<string[]> {
  const others = [...new Set(names)].filter((name) => name !== author);
  if (others.length === 0) return [];
  const wanted = [
    keys.user(author),
    ...others.flatMap((name) => [keys.user(name), keys.block(author, name), keys.block(name, author), keys.friendship(author, name)]),
  ];
  const found = await batchGet(db, 'mentionAudience', wanted, { sessionCheck: false });
  const at = new Map(found.map((item) => [`${String(item.PK)}\n${String(item.SK)}`, item]));
  const get = (key: { PK: string; SK: string }) => at.get(`${key.PK}\n${key.SK}`);
  const writer = get(keys.user(author));
  if (!writer || !listable(writer)) return [];
  return others.filter((name) => {
    const user = get(keys.user(name));
    if (!user || !listable(user)) return false;
    if (get(keys.block(author, name)) || get(keys.block(name, author))) return false;
    return writer.private !== true || get(keys.friendship(author, name)) !== undefined;
  });
}
