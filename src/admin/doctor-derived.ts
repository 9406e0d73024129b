/**
 * The derived data's audit (part of `quick-photos doctor`): scans the derived table and checks
 * each feed entry, activity item, directory token, Explore entry (its photo exists, its author
 * is public and active) and suggestion-list entry (the account is active; a popular entry names
 * its current follower count, an active entry a photo that exists) against the main table with
 * BatchGetItem. What no longer has a source (a feed entry for a deleted photo or of an author
 * the reader no longer follows, a followed celebrity no longer followed, an activity item about
 * a deleted user or an undone follow, reaction or follow request, a directory token of a
 * deleted user or an old name) is reported and, with fix, deleted (conditionally: only if
 * still there and its source still missing, in one transaction across both tables: a follow,
 * a user or a name that came back meanwhile keeps what the worker derived from it).
 *
 * The stream worker removes these itself; strays come from records it never saw (a checkpoint
 * older than the stream's 24-hour retention, data loaded before streams were on) or from
 * races between several workers.
 */
import { ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet, type Db } from '../patterns/db.js';
import { absent, repairIf, type Precondition } from './repair.js';
import { isReactionType } from '../schema/entities.js';
import { classifyDerivedKey, derivedKeys, keys, type ItemKey } from '../schema/keys.js';
import type { RawItem } from '../schema/items.js';
import { searchTokens } from '../schema/search.js';
import { derivedTableName } from '../schema/table.js';
import type { DerivedConfig } from '../config.js';
import { findMissing, type MissingReport } from './rebuild-derived.js';
import { popularItem } from '../derived/views/people.js';

export interface DerivedProblem {
  type: 'stray-feed-entry' | 'stray-celebrity-follow' | 'stray-activity' | 'stray-directory-token' | 'stray-explore-entry' | 'stray-people-entry';
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
  problems: DerivedProblem[];
  fixed?: number;
  /** Derived items the main table says should exist and do not (re-derived by fix). */
  missing?: MissingReport;
}

/** What a derived item needs to exist in the main table, and why it is stray without it. */
interface Check {
  item: ItemKey;
  type: DerivedProblem['type'];
  needs: { key: ItemKey; reason: string }[];
  /** A further condition on the sources found (e.g. the user's name still yields the token). */
  valid?: (found: (key: ItemKey) => RawItem | undefined) => { reason: string; still: Precondition } | undefined;
}

const following = (reader: string, author: string) => ({ key: keys.friendship(author, reader), reason: `${reader} no longer follows ${author}` });

function checkOf(item: RawItem): Check | undefined {
  const key = { PK: String(item.PK), SK: String(item.SK) };
  const kind = classifyDerivedKey(key);
  switch (kind.kind) {
    case 'feedEntry':
      return {
        item: key,
        type: 'stray-feed-entry',
        needs: [
          { key: keys.photo(kind.author, kind.timestamp), reason: `photo ${kind.author}/${kind.timestamp} does not exist` },
          { key: keys.user(kind.reader), reason: `reader ${kind.reader} does not exist` },
          ...(kind.reader === kind.author ? [] : [following(kind.reader, kind.author)]),
        ],
      };
    case 'celebrityFollow':
      return { item: key, type: 'stray-celebrity-follow', needs: [following(kind.reader, kind.author)] };
    case 'activity': {
      const actor = String(item.actor);
      const needs = [
        { key: keys.user(actor), reason: `actor ${actor} does not exist` },
        { key: keys.user(kind.user), reason: `user ${kind.user} does not exist` },
      ];
      if (item.type === 'follow') needs.push(following(actor, kind.user));
      if (item.type === 'request') needs.push({ key: keys.followRequest(kind.user, actor), reason: `${actor}'s request to follow ${kind.user} is gone` });
      const type = String(item.reactionType);
      if (item.type === 'reaction' && isReactionType(type)) {
        needs.push({ key: keys.reaction(actor, type, kind.user, String(item.photoTimestamp)), reason: `the ${type} reaction of ${actor} is gone` });
      }
      return { item: key, type: 'stray-activity', needs };
    }
    case 'directoryToken': {
      const username = String(item.username);
      const userKey = keys.user(username);
      return {
        item: key,
        type: 'stray-directory-token',
        needs: [{ key: userKey, reason: `user ${username} does not exist` }],
        valid: (found) => {
          const user = found(userKey);
          const name = typeof user?.name === 'string' ? user.name : undefined;
          const tokens = searchTokens(username, name ?? '').map((t) => derivedKeys.directoryToken(t.token, username).SK);
          if (tokens.includes(key.SK)) return undefined;
          const still: Precondition =
            name === undefined
              ? { key: userKey, condition: 'attribute_exists(PK) AND attribute_not_exists(#n)', names: { '#n': 'name' } }
              : { key: userKey, condition: '#n = :n', names: { '#n': 'name' }, values: { ':n': name } };
          return { reason: `no longer matches ${username}'s name`, still };
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
  const derived = derivedTableName(db.table);
  const report: DerivedAuditReport = { exists: true, scanned: 0, feedEntries: 0, celebrityFollows: 0, activityItems: 0, directoryTokens: 0, exploreEntries: 0, peopleEntries: 0, problems: [] };
  let pending: Check[] = [];
  const settle = async () => {
    const wanted = new Map<string, ItemKey>();
    for (const check of pending) for (const need of check.needs) wanted.set(`${need.key.PK}\n${need.key.SK}`, need.key);
    const found = new Map((await batchGet(db, [...wanted.values()])).map((item) => [`${String(item.PK)}\n${String(item.SK)}`, item]));
    const lookup = (key: ItemKey) => found.get(`${key.PK}\n${key.SK}`);
    for (const check of pending) {
      const missing = check.needs.find((need) => !lookup(need.key));
      const found = missing ? { reason: missing.reason, still: absent(missing.key, db.table) } : check.valid?.(lookup);
      if (found) report.problems.push({ type: check.type, key: check.item, ...found, still: { ...found.still, table: db.table } });
    }
    pending = [];
  };
  let start: Record<string, unknown> | undefined;
  try {
    do {
      const page = await db.doc.send(new ScanCommand({ TableName: derived, ExclusiveStartKey: start }));
      for (const item of (page.Items ?? []) as RawItem[]) {
        report.scanned++;
        const check = checkOf(item);
        if (!check) continue;
        if (check.type === 'stray-feed-entry') report.feedEntries++;
        else if (check.type === 'stray-celebrity-follow') report.celebrityFollows++;
        else if (check.type === 'stray-activity') report.activityItems++;
        else if (check.type === 'stray-explore-entry') report.exploreEntries++;
        else if (check.type === 'stray-people-entry') report.peopleEntries++;
        else report.directoryTokens++;
        pending.push(check);
        if (pending.length >= CHUNK) await settle();
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return { ...report, exists: false };
    throw error;
  }
  await settle();
  if (options.fix) {
    let fixed = 0;
    for (const problem of report.problems) if (await repairDerivedProblem(db, problem)) fixed++;
    report.fixed = fixed;
  }
  if (options.settings) report.missing = await findMissing(db, options.settings, { fix: options.fix === true });
  return report;
}

/** Deletes a stray derived item if its source is still as the audit read it; false otherwise. */
export function repairDerivedProblem(db: Db, problem: DerivedProblem): Promise<boolean> {
  const derived = derivedTableName(db.table);
  return repairIf(db.doc, derived, [{ Delete: { TableName: derived, Key: problem.key, ConditionExpression: 'attribute_exists(PK)' } }], [problem.still]);
}

export function describeDerivedProblem(problem: DerivedProblem): string {
  const what = {
    'stray-feed-entry': 'feed entry',
    'stray-celebrity-follow': 'followed celebrity',
    'stray-activity': 'activity item',
    'stray-directory-token': 'directory token',
    'stray-explore-entry': 'explore entry',
    'stray-people-entry': 'suggestion-list entry',
  }[problem.type];
  return `stray ${what} ${problem.key.PK} / ${problem.key.SK}: ${problem.reason}`;
}
