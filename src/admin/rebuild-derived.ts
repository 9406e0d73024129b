/**
 * Missing derived items, found and re-derived from the main table (`doctor`, `doctor --fix`,
 * `quick-photos worker rebuild <view> [--user u]`). The stream worker writes these; they go
 * missing only when records were never applied (a checkpoint past the stream's 24-hour
 * retention, a Lambda batch given up on, data loaded before streams were on).
 *
 * Expected, from one Scan of the main table:
 * - feed: each photo still within the feed's TTL in its author's feed and, for an author below
 *   the fan-out threshold, in the feed of each follower who followed before it was posted
 *   (backfilled older photos are not required); a followed author at or above the threshold,
 *   a FEEDSRC item per follower, and each such follower's big-authors item (FEED#f / ~BIG)
 *   naming every one of them (rewritten whole when it lacks one);
 * - directory: each user's search tokens;
 * - explore: each public, active author's newest BACKFILL_PHOTOS photos that rank among their
 *   Explore partition's newest EXPLORE_KEEP_PER_SHARD public photos (what a restore writes);
 * - people: each active account's popular-list entry (one follower or more), and its
 *   active-list entry at its newest photo;
 * - tags: each caption's tags, within each tag's newest TAG_KEEP entries (added with their count).
 * Each expected key is looked up with BatchGetItem on the derived table; a missing one is
 * written with the views' own item builders (idempotent: a Put of a deterministic key).
 */
import type { DerivedConfig } from '../config/index.js';
import type { Db } from '../patterns/db.js';
import { forEachScanPage } from '../patterns/audit/index.js';
import { classifyDerivedKey, classifyKey, keyString, type ItemKey } from '../schema/keys.js';
import type { RawItem } from '../schema/entity.js';
import { addTagEntry, batchWrite, derivedDb, getDerivedItems } from '../derived/store/index.js';
import { captionTagEntries, TAG_KEEP } from '../derived/views/tags.js';
import { TagEntry } from '../schema/entities/index.js';
import { directoryItems } from '../derived/views/directory.js';
import { bigAuthorsItem, celebrityFollowItem, feedEntryItem } from '../derived/views/feed.js';
import { isPubliclyListed } from '../patterns/users.js';
import { BACKFILL_PHOTOS } from '../derived/views/context.js';
import { EXPLORE_KEEP_PER_SHARD, exploreEntryItem } from '../derived/views/explore.js';
import { activeItem, popularItem } from '../derived/views/people.js';
import { exploreShard } from '../schema/keys.js';

export const REBUILDABLE_VIEWS = ['feed', 'directory', 'explore', 'people', 'tags'] as const;
export type RebuildableView = (typeof REBUILDABLE_VIEWS)[number];

export interface MissingItem {
  view: RebuildableView;
  key: ItemKey;
  reason: string;
}

export interface MissingReport {
  expected: number;
  missing: MissingItem[];
  rebuilt?: number;
}

export interface RebuildOptions {
  views?: readonly RebuildableView[];
  /** Only this user's feed and search tokens. */
  user?: string;
  fix?: boolean;
}

type Settings = Pick<DerivedConfig, 'fanoutThreshold' | 'feedTtlDays'>;

export async function findMissing(db: Db, settings: Settings, options: RebuildOptions = {}): Promise<MissingReport> {
  const views = new Set(options.views ?? REBUILDABLE_VIEWS);
  const users = new Map<string, RawItem>();
  const followersOf = new Map<string, { follower: string; since: string }[]>();
  const photos: { author: string; timestamp: string }[] = [];
  const tagged: RawItem[] = [];
  await forEachScanPage(db, {}, (items) => {
    for (const item of items) {
      const kind = classifyKey({ PK: String(item.PK), SK: String(item.SK) });
      if (kind.kind === 'user') users.set(kind.username, item);
      else if (kind.kind === 'photo') {
        photos.push({ author: kind.username, timestamp: kind.timestamp });
        if (typeof item.caption === 'string' && item.caption.includes('#')) tagged.push(item);
      }
      else if (kind.kind === 'friendship' && kind.follower !== kind.followed) {
        const list = followersOf.get(kind.followed) ?? [];
        list.push({ follower: kind.follower, since: typeof item.timestamp === 'string' ? item.timestamp : '' });
        followersOf.set(kind.followed, list);
      }
    }
  });

  const wanted: { item: RawItem & ItemKey; view: RebuildableView; reason: string }[] = [];
  const mine = (user: string) => options.user === undefined || options.user === user;
  const cutoff = new Date(Date.now() - settings.feedTtlDays * 86_400_000).toISOString();
  const isCelebrity = (author: string) => Number(users.get(author)?.followers ?? 0) >= settings.fanoutThreshold;
  if (views.has('feed')) {
    for (const { author, timestamp } of photos) {
      if (timestamp < cutoff || !users.has(author)) continue;
      const readers = [author, ...(isCelebrity(author) ? [] : (followersOf.get(author) ?? []).filter((f) => f.since <= timestamp).map((f) => f.follower))];
      for (const reader of readers.filter(mine)) {
        if (!users.has(reader)) continue;
        wanted.push({ item: feedEntryItem(reader, author, timestamp, settings.feedTtlDays) as RawItem & ItemKey, view: 'feed', reason: `photo ${author}/${timestamp}` });
      }
    }
    const bigFollowed = new Map<string, string[]>();
    for (const [author, followers] of followersOf) {
      if (!isCelebrity(author)) continue;
      for (const { follower } of followers.filter((f) => mine(f.follower))) {
        wanted.push({ item: celebrityFollowItem(follower, author) as RawItem & ItemKey, view: 'feed', reason: `${follower} follows ${author} (above the fan-out threshold)` });
        bigFollowed.set(follower, [...(bigFollowed.get(follower) ?? []), author]);
      }
    }
    for (const [follower, authors] of bigFollowed) {
      wanted.push({ item: bigAuthorsItem(follower, authors) as RawItem & ItemKey, view: 'feed', reason: `${follower}'s list of big authors (${authors.join(', ')})` });
    }
  }
  if (views.has('directory')) {
    for (const [username, user] of users) if (mine(username)) for (const item of directoryItems(user)) wanted.push({ item, view: 'directory', reason: `search token of ${username}` });
  }
  if (views.has('explore')) {
    const byShard = new Map<number, { author: string; timestamp: string }[]>();
    for (const photo of photos) {
      if (!isPubliclyListed(users.get(photo.author))) continue;
      const shard = exploreShard(photo.author);
      byShard.set(shard, [...(byShard.get(shard) ?? []), photo]);
    }
    for (const list of byShard.values()) {
      const kept = list.sort((a, b) => (`${a.timestamp}#${a.author}` < `${b.timestamp}#${b.author}` ? 1 : -1)).slice(0, EXPLORE_KEEP_PER_SHARD);
      const perAuthor = new Map<string, number>();
      for (const { author, timestamp } of kept) {
        const rank = (perAuthor.get(author) ?? 0) + 1;
        perAuthor.set(author, rank);
        if (rank <= BACKFILL_PHOTOS && mine(author)) wanted.push({ item: exploreEntryItem(author, timestamp) as RawItem & ItemKey, view: 'explore', reason: `public photo ${author}/${timestamp}` });
      }
    }
  }
  if (views.has('people')) {
    for (const [username, user] of users) {
      const item = mine(username) ? popularItem(user) : undefined;
      if (item) wanted.push({ item, view: 'people', reason: `${username} has ${String(item.followers)} followers` });
    }
    const newest = new Map<string, string>();
    for (const { author, timestamp } of photos) if (timestamp > (newest.get(author) ?? '')) newest.set(author, timestamp);
    for (const [author, timestamp] of newest) {
      if (users.has(author) && mine(author)) wanted.push({ item: activeItem(author, timestamp), view: 'people', reason: `${author}'s newest photo` });
    }
  }

  if (views.has('tags')) {
    // Each caption's tags, within its tag's newest TAG_KEEP (what a trim keeps).
    const byTag = new Map<string, (RawItem & ItemKey)[]>();
    for (const photo of tagged) {
      if (!users.has(String(photo.username)) || !mine(String(photo.username))) continue;
      for (const entry of captionTagEntries(photo)) byTag.set(entry.tag, [...(byTag.get(entry.tag) ?? []), TagEntry.encode(entry)]);
    }
    for (const [tag, entries] of byTag) {
      for (const item of entries.sort((a, b) => (a.SK < b.SK ? 1 : -1)).slice(0, TAG_KEEP)) wanted.push({ item, view: 'tags', reason: `#${tag} in the caption of ${String(item.photoOwner)}/${String(item.photoTimestamp)}` });
    }
  }

  const derived = derivedDb(db);
  const seen = new Set<string>();
  const unique = wanted.filter((w) => !seen.has(keyString(w.item)) && Boolean(seen.add(keyString(w.item))));
  wanted.length = 0;
  wanted.push(...unique);
  const items = new Map((await getDerivedItems(derived, wanted.map((w) => ({ PK: String(w.item.PK), SK: String(w.item.SK) })))).map((item) => [keyString(item), item]));
  // An item is missing when absent or lacking an attribute it must hold (a big author not listed).
  const absent = wanted.filter((w) => {
    const found = items.get(keyString(w.item));
    if (!found) return true;
    return classifyDerivedKey({ PK: String(w.item.PK), SK: String(w.item.SK) }).kind === 'feedBigAuthors' && Object.keys(w.item).some((name) => !(name in found));
  });
  const report: MissingReport = {
    expected: wanted.length,
    missing: absent.map((w) => ({ view: w.view, key: { PK: String(w.item.PK), SK: String(w.item.SK) }, reason: w.reason })),
  };
  if (options.fix && absent.length > 0) {
    // A tag entry is added with its count; everything else is a plain Put.
    await batchWrite(derived, absent.filter((w) => w.view !== 'tags').map((w) => ({ put: w.item })));
    for (const w of absent.filter((x) => x.view === 'tags')) await addTagEntry(derived, TagEntry.decode(w.item));
    report.rebuilt = absent.length;
  }
  return report;
}
