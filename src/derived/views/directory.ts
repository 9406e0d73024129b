/**
 * The user directory view: a few search tokens per user (the username, the full name and each
 * later word of it), normalized to lower case without accents, each one item
 * `DIR#<first two characters>` / `<token>#<username>`. A prefix search is then one Query
 * (`begins_with(SK, prefix)`) in one partition. Tokens follow the user item: written on
 * sign-up, rewritten when the name changes, deleted with the user.
 */
import { keyString, keys } from '../../schema/keys.js';
import { searchTokens } from '../../schema/search.js';
import type { RawItem } from '../../schema/entity.js';
import { DirectoryToken } from '../../schema/entities/index.js';
import type { DerivedView } from '../apply.js';
import type { Change } from '../records.js';
import { batchWrite, type DerivedWrite } from '../store/index.js';
import type { Requirement, ViewContext } from './context.js';

/** A user's search tokens as the view writes them (doctor re-derives missing ones with the same builder). */
export function directoryItems(user: RawItem | undefined): (RawItem & { PK: string; SK: string })[] {
  if (!user || typeof user.username !== 'string') return [];
  const name = typeof user.name === 'string' ? user.name : '';
  const username = user.username;
  return searchTokens(username, name).map(({ token, field }) => DirectoryToken.encode({ token, username, field }));
}

/** What a search token of `username` stands for: the user (and, see `tokenMatches`, its current name). */
export const directoryTokenRequires = (username: string): Requirement[] => [{ key: keys.user(username), reason: `user ${username} does not exist` }];

/** Whether the token at `sk` is one the user's current item yields (a renamed user's old tokens are stray). */
export function tokenMatches(sk: string, user: RawItem | undefined): boolean {
  return directoryItems(user).some((item) => item.SK === sk);
}

export function directoryView(ctx: ViewContext): DerivedView {
  const { derived } = ctx;
  const itemsOf = directoryItems;

  return {
    name: 'directory',
    async apply(change: Change): Promise<void> {
      if (change.kind.kind !== 'user') return;
      const before = change.event === 'INSERT' ? [] : itemsOf(change.oldImage);
      const after = change.event === 'REMOVE' ? [] : itemsOf(change.newImage);
      // Follower counts change often; only a name change touches the directory.
      if (change.event === 'MODIFY' && change.oldImage?.name === change.newImage?.name) return;
      const keep = new Set(after.map(keyString));
      const writes: DerivedWrite[] = [
        ...before.filter((i) => !keep.has(keyString(i))).map((i) => ({ delete: { PK: i.PK, SK: i.SK } })),
        ...after.map((i) => ({ put: i })),
      ];
      await batchWrite(derived, writes);
    },
  };
}
