/**
 * Tag pages and tag search, from the tag index the stream worker derives
 * (src/derived/views/tags.ts). Never a Scan:
 * - a tag's photos: Query `PK = TAG#<tag>` descending (Limit n+1, from the cursor) + one
 *   BatchGetItem of the photos, their authors and the viewer state with blocks (10 keys a
 *   photo: a page of 9 is one request, 18 two in parallel; a tag in a comment adds its author's
 *   6). Dropped at read: a photo gone or no longer tagged, an author suspended or departing, a
 *   private author the viewer does not follow, a block either way, and the same of the comment
 *   whose tag it is (as the comment list hides it). A page short of `limit` reads on for the shortfall
 *   (`visiblePage`, at most VISIBLE_PAGE_READS reads);
 * - tag search: Query `PK = TAGS#<first 2 chars> AND begins_with(SK, <folded query>)` (Limit 100).
 */
import { previewFacts, visiblePreviews, type CommentSummary } from './comment-counts.js';
import { storedSummary } from './comment-summary.js';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { assertUsername, type ReactionType } from '../schema/entities.js';
import { Photo, TagEntry, TagName, User } from '../schema/entities/index.js';
import { commentSourceAuthor, derivedRanges, keys } from '../schema/keys.js';
import { derivedTableName } from '../schema/table.js';
import { distinctTags, parseTagName } from '../schema/text-entities.js';
import { call, type Db } from './db.js';
import { queryPage, type Page, type PageRequest } from './paging.js';
import { visiblePage } from './lists.js';
import { listable, viewerState, type Relation } from './viewer.js';

export const TAG_PAGE_DEFAULT = 9;
export const TAG_PAGE_MAX = 18;
export const TAG_SEARCH_MAX = 20;
/** Tag names read per search, ranked by count before the page is cut. */
const TAG_CANDIDATES = 100;

export interface TagPhoto {
  photo: Photo;
  author: User;
  myReactions: ReactionType[];
  relation: Relation;
  comments: CommentSummary;
}

/** The folded tag a path or query names; 400 VALIDATION_FAILED when it can be no tag. */
export function assertTag(value: string, path = '/tag'): string {
  const tag = parseTagName(value);
  if (tag === undefined) throw errors.validation('A tag is letters, digits or underscores (at least one letter or underscore), at most 64.', [{ path, message: 'not a tag' }]);
  return tag;
}

const derived = (db: Db): Db => ({ ...db, table: derivedTableName(db.table) });

/**
 * Of one read's entries, those the viewer may see, each photo once. An entry is seen when its
 * photo is (its author listed, no block either way, a private author followed) and so is the
 * text that carries the tag: a comment's author is judged as the comment list judges them, so a
 * hidden comment puts no photo on a tag page.
 */
async function shown(db: Db, viewer: string, entries: TagEntry[]): Promise<TagPhoto[]> {
  if (entries.length === 0) return [];
  // The caption's writer is the photo's owner; a comment's, its author (undefined: a text no reader names).
  const writerOf = (e: TagEntry): string | undefined => (e.source === 'caption' ? e.photoOwner : commentSourceAuthor(e.source));
  const refs = [...new Map(entries.map((e) => [`${e.photoOwner}#${e.photoTimestamp}`, { username: e.photoOwner, timestamp: e.photoTimestamp }])).values()];
  const authors = [...new Set(entries.flatMap((e) => [e.photoOwner, writerOf(e)]).filter((u): u is string => u !== undefined))];
  // The comment summaries ride on the photos (src/patterns/comment-summary.ts): no key more.
  // The viewer's own item rides too: its block names decide the comment previews.
  const viewerKey = keys.user(viewer);
  const state = await viewerState(db, viewer, authors, refs, [...refs.map((r) => keys.photo(r.username, r.timestamp)), ...authors.map((a) => keys.user(a)), viewerKey], { blocks: true, requests: true });
  const photos = new Map<string, Photo>();
  const users = new Map<string, User>();
  for (const item of state.extra) {
    if (User.is(item)) {
      if (listable(item)) users.set(String(item.username), User.decode(item));
    } else photos.set(`${String(item.username)}#${String(item.timestamp)}`, Photo.decode(item));
  }
  const seen = (name: string): User | undefined => {
    const user = users.get(name);
    if (!user || state.blocked(name)) return undefined;
    return user.private === true && name !== viewer && !state.follows(name) ? undefined : user;
  };
  const shownIds = new Set<string>();
  const items = entries.flatMap((e) => {
    const id = `${e.photoOwner}#${e.photoTimestamp}`;
    const photo = photos.get(id);
    const author = seen(e.photoOwner);
    const writer = writerOf(e);
    if (shownIds.has(id) || !photo || !author || writer === undefined || seen(writer) === undefined) return [];
    // The worker removes an edited caption's old tags; until it has, the read does.
    if (e.source === 'caption' && !distinctTags(photo.caption).includes(e.tag)) return [];
    shownIds.add(id);
    return [{ photo, author, myReactions: state.reactions(photo), relation: state.relation(author.username), comments: storedSummary(photo) }];
  });
  return visiblePreviews(db, viewer, items, previewFacts(viewer, state));
}

export async function getTagPhotos(db: Db, viewer: string, tagInput: string, page: PageRequest = {}): Promise<Page<TagPhoto> & { tag: string }> {
  assertUsername(viewer);
  const tag = assertTag(tagInput);
  const limit = page.limit ?? TAG_PAGE_DEFAULT;
  if (!Number.isInteger(limit) || limit < 1 || limit > TAG_PAGE_MAX) {
    throw errors.validation(`limit must be an integer from 1 to ${TAG_PAGE_MAX} for a tag.`, [{ path: '/limit', message: `must be 1-${TAG_PAGE_MAX}` }]);
  }
  const read = async (p: PageRequest) =>
    (
      await queryPage(
        derived(db),
        'getTagPhotos',
        `tag:${tag}`,
        { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.tag(tag).pk }, ScanIndexForward: false },
        p,
        (item) => TagEntry.decode(item),
      )
    ).page;
  const result = await visiblePage({ ...page, limit }, read, (entries) => shown(db, viewer, entries));
  return { ...result, tag };
}

export interface TagCount {
  tag: string;
  count: number;
}

/** Tags starting with the (folded) query, most used first, then by name. */
export async function searchTags(db: Db, query: string, limit = 10): Promise<TagCount[]> {
  const prefix = assertTag(query, '/query');
  if (!Number.isInteger(limit) || limit < 1 || limit > TAG_SEARCH_MAX) {
    throw errors.validation(`limit must be an integer from 1 to ${TAG_SEARCH_MAX}.`, [{ path: '/limit', message: `must be 1-${TAG_SEARCH_MAX}` }]);
  }
  const range = derivedRanges.tagNames(prefix);
  const result = await call(db, 'searchTags', () =>
    db.doc.send(
      new QueryCommand({
        TableName: derivedTableName(db.table),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.prefix },
        Limit: TAG_CANDIDATES,
      }),
    ),
  );
  return (result.Items ?? [])
    .map((item) => TagName.decode(item))
    .filter((t) => t.count > 0)
    .sort((a, b) => Number(b.tag === prefix) - Number(a.tag === prefix) || b.count - a.count || (a.tag < b.tag ? -1 : 1))
    .slice(0, limit)
    .map(({ tag, count }) => ({ tag, count }));
}
