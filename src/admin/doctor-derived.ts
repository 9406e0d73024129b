/**
 * The derived data's audit (part of `quick-photos doctor`): scans the derived table and checks
 * each feed entry, activity item, directory token, Explore entry (its photo exists, its author
 * is public and active) and suggestion-list entry (the account is active; a popular entry names
 * its current follower count, an active entry a photo that exists) against the main table with
 * BatchGetItem. What no longer has a source (a feed entry for a deleted photo or of an author
 * the reader no longer follows, a followed celebrity no longer followed, an activity item about
 * a deleted user or an undone follow, reaction or follow request, a directory token of a
 * deleted user or an old name, a read marker, followed-big-authors item or newest-photos item of
 * a deleted user) is reported and, with fix, deleted (conditionally: only if
 * still there and its source still missing, in one transaction across both tables: a follow,
 * a user or a name that came back meanwhile keeps what the worker derived from it).
 *
 * The stream worker removes these itself; strays come from records it never saw (a checkpoint
 * older than the stream's 24-hour retention, data loaded before streams were on) or from
 * races between several workers.
 */
import { isDomainError } from '../errors.js';
import { forEachDerivedItem, getItems } from '../patterns/audit/index.js';
import type { Db } from '../patterns/db.js';
import { absent, attributeWas, deleteIf, type Precondition } from '../patterns/repair.js';
import { classifyDerivedKey, keyString, keys, parseKey, type ItemKey } from '../schema/keys.js';
import type { RawItem } from '../schema/entity.js';
import { derivedTableName } from '../schema/table.js';
import type { DerivedConfig } from '../config/index.js';
import { findMissing, type MissingReport } from './rebuild-derived.js';
import { activityRequires } from '../derived/views/activity.js';
import { directoryTokenRequires, tokenMatches } from '../derived/views/directory.js';
import { celebrityFollowRequires, feedEntryRequires } from '../derived/views/feed.js';
import { popularItem } from '../derived/views/people.js';
import { tagEntryRequires, tagEntryStillTagged } from '../derived/views/tags.js';
import { countTagEntries, setTagCount } from '../derived/store/index.js';

export interface DerivedProblem {
  type: 'stray-feed-entry' | 'stray-celebrity-follow' | 'stray-activity' | 'stray-directory-token' | 'stray-explore-entry' | 'stray-people-entry' | 'stray-tag-entry'
    | 'stray-push-collapse' | 'stray-account-state';
  key: ItemKey;
  reason: string;
  /** What the audit read of its source in the main table, re-checked by the repair. */
  still: Precondition;
}

export interface DerivedAuditReport {
  /** False when the derived table does not exist (nothing to check). */
  exists: boolean;
  scanned: number;
  feedEntries: number;
  /** Followed celebrities whose photos a feed merges at read time (FEEDSRC items). */
  celebrityFollows: number;
  activityItems: number;
  directoryTokens: number;
  /** Explore entries and suggestion-list entries (popular, new). */
  exploreEntries: number;
  peopleEntries: number;
  /** Tag index entries, and tags whose directory count is not their entries' number (fix sets it). */
  tagEntries: number;
  tagCounts: TagCountProblem[];
  /** Push collapse items (one per burst of notifications, until their TTL). */
  pushCollapses?: number;
  /** What is kept per account: activity read markers, followed big authors, a big author's newest photo times. */
  accountStates?: number;
  problems: DerivedProblem[];
  fixed?: number;
  /** With fix: tag counts set to their recount, and those that moved meanwhile (run doctor again). */
  tagCountsFixed?: number;
  tagCountsLeft?: number;
  /** Derived items the main table says should exist and do not (re-derived by fix). */
  missing?: MissingReport;
}

/** A tag whose directory item says `was` (undefined: absent) while the tag has `count` entries. */
export interface TagCountProblem {
  tag: string;
  was: number | undefined;
  count: number;
}

/** What a derived item needs to exist in the main table, and why it is stray without it. */
interface Check {
  item: ItemKey;
  type: DerivedProblem['type'];
  needs: { key: ItemKey; reason: string }[];
  /** A further condition on the sources found (e.g. the user's name still yields the token). */
  valid?: (found: (key: ItemKey) => RawItem | undefined) => { reason: string; still: Precondition } | undefined;
}

function checkOf(item: RawItem): Check | undefined {
  const key = { PK: String(item.PK), SK: String(item.SK) };
  const kind = classifyDerivedKey(key);
  // A push collapse item outlives its burst only until its TTL; its recipient must exist meanwhile.
  const parsed = parseKey(key);
  if (parsed?.kind === 'pushCollapse') {
    const recipient = parsed.parts.recipient ?? '';
    return { item: key, type: 'stray-push-collapse', needs: [{ key: keys.user(recipient), reason: `recipient ${recipient} does not exist` }] };
  }
  // What the derived table keeps per account (read marker, followed big authors, newest photo times): its account must exist.
  if (parsed?.kind === 'activityState' || parsed?.kind === 'feedBigAuthors' || parsed?.kind === 'recentPhotos') {
    const user = parsed.parts.user ?? parsed.parts.reader ?? parsed.parts.author ?? '';
    return { item: key, type: 'stray-account-state', needs: [{ key: keys.user(user), reason: `user ${user} does not exist` }] };
  }
  switch (kind.kind) {
    case 'feedEntry':
      return { item: key, type: 'stray-feed-entry', needs: feedEntryRequires(kind.reader, kind.author, kind.timestamp) };
    case 'celebrityFollow':
      return { item: key, type: 'stray-celebrity-follow', needs: celebrityFollowRequires(kind.reader, kind.author) };
    case 'activity':
      return { item: key, type: 'stray-activity', needs: activityRequires(kind.user, item) };
    case 'directoryToken': {
      const username = String(item.username);
      const userKey = keys.user(username);
      return {
        item: key,
        type: 'stray-directory-token',
        needs: directoryTokenRequires(username),
        valid: (found) => {
          const user = found(userKey);
          if (tokenMatches(key.SK, user)) return undefined;
          return { reason: `no longer matches ${username}'s name`, still: attributeWas(userKey, 'name', typeof user?.name === 'string' ? user.name : undefined) };
        },
      };
    }
    case 'exploreEntry': {
      const userKey = keys.user(kind.author);
      return {
        item: key,
        type: 'stray-explore-entry',
        needs: [
          { key: keys.photo(kind.author, kind.timestamp), reason: `photo ${kind.author}/${kind.timestamp} does not exist` },
          { key: userKey, reason: `author ${kind.author} does not exist` },
        ],
        valid: (found) => hiddenAccount(found(userKey), userKey, kind.author),
      };
    }
    case 'people': {
      const userKey = keys.user(kind.username);
      return {
        item: key,
        type: 'stray-people-entry',
        needs: [{ key: userKey, reason: `user ${kind.username} does not exist` }, ...(kind.list === 'active' ? [{ key: keys.photo(kind.username, kind.rank), reason: `${kind.username} has no photo at ${kind.rank}` }] : [])],
        valid: (found) => {
          const user = found(userKey);
          const hidden = hiddenAccount(user, userKey, kind.username, false);
          if (hidden) return hidden;
          // An active entry needs its photo (above); an older one beside the newest is merged away at read.
          if (kind.list === 'active' || popularItem(user)?.SK === key.SK) return undefined;
          const followers = typeof user?.followers === 'number' ? user.followers : 0;
          return { reason: `${kind.username} has ${followers} followers`, still: { key: userKey, condition: 'followers = :f', values: { ':f': followers } } };
        },
      };
    }
    case 'tagEntry': {
      const photoKey = keys.photo(kind.photoOwner, kind.photoTimestamp);
      return {
        item: key,
        type: 'stray-tag-entry',
        needs: tagEntryRequires(kind.photoOwner, kind.photoTimestamp),
        valid: (found) => {
          const photo = found(photoKey);
          if (tagEntryStillTagged(kind.source, kind.tag, photo)) return undefined;
          return { reason: `the caption no longer carries #${kind.tag}`, still: attributeWas(photoKey, 'caption', typeof photo?.caption === 'string' ? photo.caption : undefined) };
        },
      };
    }
    default:
      return undefined;
  }
}

/** Why an account's items have no place in the public lists (private, suspended, being deleted), with the condition that still says so. */
function hiddenAccount(user: RawItem | undefined, userKey: ItemKey, username: string, privateHides = true): { reason: string; still: Precondition } | undefined {
  if (user?.suspendedAt !== undefined) return { reason: `${username} is suspended`, still: { key: userKey, condition: 'attribute_exists(suspendedAt)' } };
  if (user?.deleting !== undefined) return { reason: `${username} is being deleted`, still: { key: userKey, condition: 'attribute_exists(deleting)' } };
  if (privateHides && user?.private === true) return { reason: `${username} is private`, still: { key: userKey, condition: '#p = :t', names: { '#p': 'private' }, values: { ':t': true } } };
  return undefined;
}

const CHUNK = 300;

export async function auditDerived(
  db: Db,
  options: { fix?: boolean; settings?: Pick<DerivedConfig, 'fanoutThreshold' | 'feedTtlDays'> } = {},
): Promise<DerivedAuditReport> {
  const report: DerivedAuditReport = {
    exists: true, scanned: 0, feedEntries: 0, celebrityFollows: 0, activityItems: 0, directoryTokens: 0, exploreEntries: 0, peopleEntries: 0, tagEntries: 0, tagCounts: [], problems: [],
  };
  /** Every tag seen (in entries or the directory) and the count its directory item holds. */
  const tagNames = new Map<string, number | undefined>();
  let pending: Check[] = [];
  const settle = async () => {
    const wanted = new Map<string, ItemKey>();
    for (const check of pending) for (const need of check.needs) wanted.set(keyString(need.key), need.key);
    const found = new Map((await getItems(db, [...wanted.values()])).map((item) => [keyString(item), item]));
    const lookup = (key: ItemKey) => found.get(keyString(key));
    for (const check of pending) {
      const missing = check.needs.find((need) => !lookup(need.key));
      const found = missing ? { reason: missing.reason, still: absent(missing.key, db.table) } : check.valid?.(lookup);
      if (found) report.problems.push({ type: check.type, key: check.item, ...found, still: { ...found.still, table: db.table } });
    }
    pending = [];
  };
  try {
    await forEachDerivedItem(db, async (items) => {
      for (const item of items) {
        report.scanned++;
        const tagKind = classifyDerivedKey({ PK: String(item.PK), SK: String(item.SK) });
        if (tagKind.kind === 'tagName') tagNames.set(tagKind.tag, typeof item.count === 'number' ? item.count : Number.NaN);
        else if (tagKind.kind === 'tagEntry' && !tagNames.has(tagKind.tag)) tagNames.set(tagKind.tag, undefined);
        const check = checkOf(item);
        if (!check) continue;
        if (check.type === 'stray-feed-entry') report.feedEntries++;
        else if (check.type === 'stray-celebrity-follow') report.celebrityFollows++;
        else if (check.type === 'stray-activity') report.activityItems++;
        else if (check.type === 'stray-explore-entry') report.exploreEntries++;
        else if (check.type === 'stray-people-entry') report.peopleEntries++;
        else if (check.type === 'stray-tag-entry') report.tagEntries++;
        else if (check.type === 'stray-push-collapse') report.pushCollapses = (report.pushCollapses ?? 0) + 1;
        else if (check.type === 'stray-account-state') report.accountStates = (report.accountStates ?? 0) + 1;
        else report.directoryTokens++;
        pending.push(check);
        if (pending.length >= CHUNK) await settle();
      }
    });
  } catch (error) {
    // The derived table's absence only (a missing main table is the caller's error).
    if (isDomainError(error) && error.code === 'TABLE_NOT_FOUND' && error.message.includes(`Table ${derivedTableName(db.table)} `)) return { ...report, exists: false };
    throw error;
  }
  await settle();
  const derived = { ...db, table: derivedTableName(db.table) };
  for (const [tag, was] of tagNames) {
    const count = await countTagEntries(derived, tag);
    if (count !== (was ?? 0)) report.tagCounts.push({ tag, was, count });
  }
  if (options.fix) {
    let fixed = 0;
    for (const problem of report.problems) if (await repairDerivedProblem(db, problem)) fixed++;
    // After the strays went: their tags' counts and the wrong ones are taken again, each set if the item still holds what was read.
    const recount = new Set([...report.tagCounts.map((t) => t.tag), ...report.problems.flatMap((p) => { const k = classifyDerivedKey(p.key); return k.kind === 'tagEntry' ? [k.tag] : []; })]);
    report.tagCountsFixed = 0;
    report.tagCountsLeft = 0;
    for (const tag of recount) {
      const count = await countTagEntries(derived, tag);
      const was = tagNames.get(tag);
      if (count === (was ?? 0)) continue;
      if (await setTagCount(derived, tag, was, count)) report.tagCountsFixed++;
      else report.tagCountsLeft++;
    }
    report.fixed = fixed;
  }
  if (options.settings) report.missing = await findMissing(db, options.settings, { fix: options.fix === true });
  return report;
}

/** Deletes a stray derived item if its source is still as the audit read it; false otherwise. */
export function repairDerivedProblem(db: Db, problem: DerivedProblem): Promise<boolean> {
  return deleteIf({ ...db, table: derivedTableName(db.table) }, problem.key, [problem.still]);
}

export function describeDerivedProblem(problem: DerivedProblem): string {
  const what = {
    'stray-feed-entry': 'feed entry',
    'stray-celebrity-follow': 'followed celebrity',
    'stray-activity': 'activity item',
    'stray-directory-token': 'directory token',
    'stray-explore-entry': 'explore entry',
    'stray-people-entry': 'suggestion-list entry',
    'stray-tag-entry': 'tag entry',
    'stray-push-collapse': 'push collapse item',
    'stray-account-state': 'account state item',
  }[problem.type];
  return `stray ${what} ${problem.key.PK} / ${problem.key.SK}: ${problem.reason}`;
}
