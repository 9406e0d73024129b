/**
 * Finding people: prefix search over the directory the stream worker derives, and
 * suggestions ("followed by people you follow", then the most followed and the most recently
 * active accounts the stream worker lists) from a few queries, never a Scan.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { actingFor, assertActingLive, projectionWithSession } from './acting.js';
import { errors } from '../errors.js';
import { assertUsername } from '../schema/entities.js';
import { DirectoryToken, User } from '../schema/entities/index.js';
import { derivedRanges, INVERTED_INDEX, keys, ranges, type PeopleList } from '../schema/keys.js';
import { normalizeSearch } from '../schema/search.js';
import { derivedTableName } from '../schema/table.js';
import { batchGet, call, type Db } from './db.js';
import { inPrefix } from './paging.js';
import { listable, viewerState, type Relation } from './viewer.js';

export const SEARCH_LIMIT_MAX = 20;
/** Directory tokens read per search: enough to rank a page even when names share a prefix. */
const SEARCH_CANDIDATES = 100;

/** Why someone is suggested: followed by people I follow, named by the lab's recommendedFriends, among the most followed, or recently active. */
export type SuggestionReason = 'followed-by' | 'recommended' | 'popular' | 'active';

export interface UserWithRelation extends Relation {
  user: User;
  /** Suggestions: how many of the people I follow follow them. */
  mutuals?: number;
  /** Suggestions: why. */
  reason?: SuggestionReason;
}

/**
 * Profiles and viewer state for a ranked list of usernames: two BatchGetItem, in parallel.
 * Users a block stands between (either way), suspended users and accounts being deleted are
 * left out: to them the account does not exist.
 */
async function withProfiles(db: Db, viewer: string, usernames: string[]): Promise<UserWithRelation[]> {
  if (usernames.length === 0) return [];
  const [profiles, state] = await Promise.all([
    batchGet(db, 'withProfiles', usernames.map((u) => keys.user(u))),
    viewerState(db, viewer, usernames, [], [], { blocks: true, requests: true }),
  ]);
  const byName = new Map(profiles.filter(listable).map((item) => [String(item.username), User.decode(item)]));
  return usernames.flatMap((u) => {
    const user = byName.get(u);
    return user && !state.blocked(u) ? [{ user, ...state.relation(u) }] : [];
  });
}

/**
 * Users whose username or name (any word of it onwards) starts with `query`, case and accents
 * ignored. One Query `PK = DIR#<first two letters> AND begins_with(SK, <query>)` on the
 * derived table, then profiles and viewer state. Ranked: exact username, username prefix,
 * name prefix; then more followers first.
 */
export async function searchUsers(db: Db, viewer: string, query: string, limit = 10): Promise<UserWithRelation[]> {
  assertUsername(viewer);
  const q = normalizeSearch(query);
  if (q.length < 2 || q.length > 100) {
    throw errors.validation('query must have at least 2 letters or digits (and at most 100).', [{ path: '/query', message: 'too short' }]);
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_LIMIT_MAX) {
    throw errors.validation(`limit must be an integer from 1 to ${SEARCH_LIMIT_MAX}.`, [{ path: '/limit', message: `must be 1-${SEARCH_LIMIT_MAX}` }]);
  }
  const range = derivedRanges.directory(q);
  const result = await call(db, 'searchUsers', () =>
    db.doc.send(
      new QueryCommand({
        TableName: derivedTableName(db.table),
        ...inPrefix(range),
        Limit: SEARCH_CANDIDATES,
      }),
    ),
  );
  const rank = new Map<string, number>();
  for (const item of result.Items ?? []) {
    const { username, field } = DirectoryToken.decode(item);
    const score = field === 'username' ? (normalizeSearch(username) === q ? 0 : 1) : 2;
    rank.set(username, Math.min(score, rank.get(username) ?? score));
  }
  // Profiles for more than a page, so that follower counts can order the ties.
  const candidates = [...rank.keys()].sort((a, b) => rank.get(a)! - rank.get(b)! || a.localeCompare(b)).slice(0, Math.min(2 * limit, SEARCH_LIMIT_MAX * 2));
  const found = await withProfiles(db, viewer, candidates);
  return found.sort((a, b) => rank.get(a.user.username)! - rank.get(b.user.username)! || b.user.followers - a.user.followers).slice(0, limit);
}

/** Followed users sampled for suggestions: bounds the fan-in of one request. */
const SUGGESTION_SOURCES = 5;
const SOURCE_FOLLOWS = 50;

/** Entries read from each people list (popular, active) when the graph leaves room: enough to survive the filters. */
const FILL_CANDIDATES = 40;

/** The newest (or most followed) accounts of one people list: Query descending on the derived table, names only. */
async function peopleList(db: Db, list: PeopleList): Promise<string[]> {
  const result = await call(db, 'peopleList', () =>
    db.doc.send(
      new QueryCommand({
        TableName: derivedTableName(db.table),
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': derivedRanges.people(list).pk },
        ProjectionExpression: 'username',
        ScanIndexForward: false,
        Limit: FILL_CANDIDATES,
      }),
    ),
  );
  return (result.Items ?? []).map((item) => String(item.username));
}

/**
 * "Followed by people you follow": Query InvertedIndex `SK = #FRIEND#me` (whom I follow, up to
 * 100), then the same for my 5 most recent follows (in parallel), counting who they follow
 * that I do not; plus the lab's `recommendedFriends` attribute when the user item has one
 * (one GetItem). When that gives fewer than `limit` (a new user's empty graph), the rest comes
 * from the most followed accounts and the most recently active ones (newest photo), alternately (two Queries of the derived
 * table: in parallel with the graph's when I follow nobody, after it otherwise). Then profiles
 * and viewer state (two BatchGetItem): never myself, people I follow, anyone a block stands
 * between, suspended accounts or accounts being deleted. Each says why it is suggested.
 */
export async function suggestUsers(db: Db, viewer: string, limit = 10): Promise<UserWithRelation[]> {
  assertUsername(viewer);
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_LIMIT_MAX) {
    throw errors.validation(`limit must be an integer from 1 to ${SEARCH_LIMIT_MAX}.`, [{ path: '/limit', message: `must be 1-${SEARCH_LIMIT_MAX}` }]);
  }
  const followsOf = async (user: string, max: number) => {
    const result = await call(db, 'followsOf', () =>
      db.doc.send(
        new QueryCommand({
          TableName: db.table,
          IndexName: INVERTED_INDEX,
          KeyConditionExpression: 'SK = :sk',
          ExpressionAttributeValues: { ':sk': ranges.followedBy(user).sk },
          Limit: max,
        }),
      ),
    );
    return (result.Items ?? []).map((i) => ({ user: String(i.followedUser), at: String(i.timestamp) }));
  };
  const fill = () => Promise.all([peopleList(db, 'popular'), peopleList(db, 'active')]);
  const [mine, me] = await Promise.all([
    followsOf(viewer, 100),
    // The viewer's own item: with the session attributes, it is also the request's session check.
    call(db, 'suggestUsers', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(viewer), ...projectionWithSession(['recommendedFriends'], actingFor(viewer)) }))),
  ]);
  assertActingLive(viewer, me.Item);
  const following = new Set(mine.map((f) => f.user));
  const sources = [...mine].sort((a, b) => (a.at < b.at ? 1 : -1)).slice(0, SUGGESTION_SOURCES);
  // Following nobody, the graph has nothing to give: the lists are read at once.
  const early = sources.length === 0 ? fill() : undefined;
  // Left unread when recommendedFriends alone fills the page: its failure must not go unhandled.
  early?.catch(() => undefined);
  const counts = new Map<string, number>();
  const reasons = new Map<string, SuggestionReason>();
  for (const follows of await Promise.all(sources.map((s) => followsOf(s.user, SOURCE_FOLLOWS)))) {
    for (const f of follows) if (f.user !== viewer && !following.has(f.user)) counts.set(f.user, (counts.get(f.user) ?? 0) + 1);
  }
  for (const name of counts.keys()) reasons.set(name, 'followed-by');
  const recommended: unknown = me.Item?.recommendedFriends;
  if (Array.isArray(recommended)) {
    for (const r of recommended) {
      if (typeof r === 'string' && r !== viewer && !following.has(r) && !counts.has(r)) {
        counts.set(r, 0);
        reasons.set(r, 'recommended');
      }
    }
  }
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, limit).map(([u]) => u);
  if (ranked.length < limit) {
    const [popular, fresh] = await (early ?? fill());
    // Alternately the most followed and the most recently active, each name once, until the candidates would fill two pages.
    const room = Math.min(2 * limit, SEARCH_LIMIT_MAX) - ranked.length;
    const added: string[] = [];
    // An active account also among the most followed (the half of the room they alternate for) is suggested as popular, in its place there.
    const top = new Set(popular.slice(0, Math.ceil(room / 2)));
    for (let i = 0; added.length < room && (i < popular.length || i < fresh.length); i++) {
      for (const [name, reason] of [[popular[i], 'popular'], [fresh[i], 'active']] as const) {
        if (name === undefined || added.length >= room || name === viewer || following.has(name) || reasons.has(name)) continue;
        if (reason === 'active' && top.has(name)) continue;
        reasons.set(name, reason);
        added.push(name);
      }
    }
    ranked.push(...added);
  }
  const found = await withProfiles(db, viewer, ranked);
  // A private stranger's profile shows nothing to a newcomer: the lists suggest public accounts only.
  const stranger = (name: string) => reasons.get(name) === 'popular' || reasons.get(name) === 'active';
  return found
    .filter((entry) => !entry.following && !(entry.user.private && stranger(entry.user.username)))
    .slice(0, limit)
    .map((entry) => ({ ...entry, mutuals: counts.get(entry.user.username) ?? 0, reason: reasons.get(entry.user.username) ?? 'followed-by' }));
}
