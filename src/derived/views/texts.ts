/**
 * Texts people write on photos, as the tag index and the mention activity read them from a
 * stream record: which photo, who wrote it, which text (`source`), its words before and after.
 * A caption is one; another kind of text (a comment) is one more reader in TEXT_READERS, and the
 * tag and mention views then index and notify it with no other change.
 */
import type { Change } from '../records.js';
import type { RawItem } from '../../schema/entity.js';
import { commentSource, parseKey } from '../../schema/keys.js';

export interface PhotoText {
  photoOwner: string;
  photoTimestamp: string;
  /** Who wrote the text (the caption's: the photo's owner). */
  author: string;
  /** Which text of the photo: `caption`, or a name of the reader's own without `#` (e.g. `c<commentId>`). */
  source: string;
  text: string | undefined;
  /** When the text was written or last edited, in the table's timestamp form. */
  at: string;
  /** A reply's: the author of the comment it answers (who sees the reply sees that comment). */
  parentAuthor?: string | undefined;
}

/** The text a change is about, before and after it (absent when the item did not exist); undefined: not a text. */
export type TextReader = (change: Change) => { before: PhotoText | undefined; after: PhotoText | undefined } | undefined;

export const CAPTION_SOURCE = 'caption';

/** A photo's caption. */
export const captionText: TextReader = (change) => {
  const { kind } = change;
  if (kind.kind !== 'photo') return undefined;
  const of = (image: RawItem | undefined): PhotoText | undefined =>
    image === undefined
      ? undefined
      : {
          photoOwner: kind.username,
          photoTimestamp: kind.timestamp,
          author: kind.username,
          source: CAPTION_SOURCE,
          text: typeof image.caption === 'string' ? image.caption : undefined,
          at: typeof image.captionEditedAt === 'string' ? image.captionEditedAt : kind.timestamp,
        };
  return { before: change.event === 'INSERT' ? undefined : of(change.oldImage), after: change.event === 'REMOVE' ? undefined : of(change.newImage) };
};

/**
 * A comment or reply. Comments are never edited: an INSERT adds its mentions and tags, a REMOVE
 * (deleted, taken down, gone with the photo or the account) takes them away, a MODIFY (a like
 * or reply count) is the same text before and after.
 */
export const commentText: TextReader = (change) => {
  if (parseKey(change.key)?.kind !== 'comment') return undefined;
  const of = (image: RawItem | undefined): PhotoText | undefined => {
    if (!image) return undefined;
    const { photoOwner, photoTimestamp, timestamp, author, text, parentAuthor } = image;
    if (typeof photoOwner !== 'string' || typeof photoTimestamp !== 'string' || typeof timestamp !== 'string' || typeof author !== 'string') return undefined;
    // `c<commentTs>.<author>` (src/schema/derived-keys.ts): the tag page reads the author back from it.
    return {
      photoOwner, photoTimestamp, author, source: commentSource(timestamp, author), text: typeof text === 'string' ? text : undefined, at: timestamp,
      ...(typeof parentAuthor === 'string' ? { parentAuthor } : {}),
    };
  };
  return { before: change.event === 'INSERT' ? undefined : of(change.oldImage), after: change.event === 'REMOVE' ? undefined : of(change.newImage) };
};

/** Every kind of text on a photo the views read. */
export const TEXT_READERS: TextReader[] = [captionText, commentText];

export function textOf(change: Change): ReturnType<TextReader> {
  for (const read of TEXT_READERS) {
    const found = read(change);
    if (found) return found;
  }
  return undefined;
}
