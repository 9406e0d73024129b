/**
 * The tag index: each photo under every (folded) tag of its texts, `TAG#<tag>` /
 * `<photoTimestamp>#<owner>#<source>`, newest first when read descending, and a directory of
 * tags with counts for prefix search (`TAGS#<first 2 chars>` / `<tag>`). A text's tags follow
 * the text: a new photo adds its caption's, an edit adds and removes the difference, a photo
 * gone (deleted, taken down, emptied with its account) removes them all. Private, suspended and
 * departing authors keep their entries: the read leaves them out (and a follower of a private
 * account sees them), so nothing is to restore when they come back.
 *
 * Bounded by count: one entry in TAG_TRIM_EVERY (by a hash of its key, so a replay trims at the
 * same one) trims its tag to the newest TAG_KEEP. One tag is one partition: past ~1,000 posts a
 * second under one tag (its partition's write limit, and its count item's), the PK would take a
 * shard suffix (`TAG#<tag>#<n>`, n a hash of the author, as Explore) and the read merge them.
 * Every write is a conditional Put or a Delete of a computed key: a replay changes nothing.
 */
import { derivedKeys, keys } from '../../schema/keys.js';
import type { RawItem } from '../../schema/entity.js';
import { distinctTags } from '../../schema/text-entities.js';
import type { DerivedView } from '../apply.js';
import type { Change } from '../records.js';
import { addTagEntry, removeTagEntry, trimTag } from '../store/index.js';
import type { Requirement, ViewContext } from './context.js';
import { CAPTION_SOURCE, textOf, type PhotoText } from './texts.js';

/** Entries a trim keeps per tag (a tag page reads the newest; older ones stay on the author's profile). */
export const TAG_KEEP = 5_000;
/** One new entry in this many trims its tag. */
export const TAG_TRIM_EVERY = 64;

function trimsAfter(key: { SK: string }): boolean {
  let hash = 0;
  for (const char of key.SK) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % TAG_TRIM_EVERY === 0;
}

const entryOf = (text: PhotoText, tag: string) => ({ tag, photoOwner: text.photoOwner, photoTimestamp: text.photoTimestamp, source: text.source });

/** What a tag entry stands for: its photo (and, for a caption, the caption still carrying the tag: `tagEntryStillTagged`). */
export const tagEntryRequires = (photoOwner: string, photoTimestamp: string): Requirement[] => [
  { key: keys.photo(photoOwner, photoTimestamp), reason: `photo ${photoOwner}/${photoTimestamp} does not exist` },
];

/** Whether the photo's current caption still carries the tag (other sources' texts are checked by their own readers). */
export function tagEntryStillTagged(source: string, tag: string, photo: RawItem | undefined): boolean {
  if (source !== CAPTION_SOURCE) return true;
  return distinctTags(typeof photo?.caption === 'string' ? photo.caption : undefined).includes(tag);
}

/** The tag entries a photo's caption yields (derive-initial and doctor use the view's own rule). */
export function captionTagEntries(photo: RawItem): { tag: string; photoOwner: string; photoTimestamp: string; source: string }[] {
  if (typeof photo.username !== 'string' || typeof photo.timestamp !== 'string') return [];
  const text = { photoOwner: photo.username, photoTimestamp: photo.timestamp, author: photo.username, source: CAPTION_SOURCE, text: undefined, at: photo.timestamp };
  return distinctTags(typeof photo.caption === 'string' ? photo.caption : undefined).map((tag) => entryOf(text, tag));
}

export function tagView(ctx: ViewContext, options: { keep?: number; trimEvery?: number } = {}): DerivedView {
  const { derived } = ctx;
  const keep = options.keep ?? TAG_KEEP;
  return {
    name: 'tags',
    async apply(change: Change): Promise<void> {
      const texts = textOf(change);
      if (!texts) return;
      const before = distinctTags(texts.before?.text);
      const after = distinctTags(texts.after?.text);
      // A reaction or any other change of the photo leaves its caption's tags as they were.
      if (texts.before && texts.after && before.join('\n') === after.join('\n')) return;
      const gone = texts.before ? before.filter((t) => !after.includes(t)) : [];
      const added = texts.after ? after.filter((t) => !before.includes(t)) : [];
      for (const tag of gone) await removeTagEntry(derived, entryOf(texts.before!, tag));
      for (const tag of added) {
        const entry = entryOf(texts.after!, tag);
        await addTagEntry(derived, entry);
        const key = derivedKeys.tagEntry(entry.tag, entry.photoOwner, entry.photoTimestamp, entry.source);
        if (options.trimEvery === 1 || trimsAfter(key)) await trimTag(derived, tag, keep);
      }
    },
  };
}
