/**
 * `@mentions` and `#tags` in a text (a caption; any text a user writes on a photo), found by
 * one pure parser that the API's answers, the tag index and the mention activity all share,
 * so a client's links, the index and the notifications always agree.
 *
 * Offsets are UTF-16 code units (what JavaScript, Swift's NSString, Java and Kotlin index
 * strings with): `text.slice(start, end)` is the entity's text, `@` or `#` included.
 */

/** Usernames as sign-up allows them (schema/entities.ts USERNAME_PATTERN), at most 30 characters. */
const MENTION_MAX = 30;
/** A tag longer than this (characters after `#`, UTF-16 code units) is no tag: left as text. */
export const TAG_MAX_LENGTH = 64;
/** Tags one text may carry (Instagram's 30): later ones stay text, so a text's index writes are bounded. */
export const MAX_TAGS_PER_TEXT = 30;
/** Mentions one text may carry (Instagram's 20): later ones stay text, so a text notifies at most 20 people. */
export const MAX_MENTIONS_PER_TEXT = 20;

export interface MentionEntity {
  start: number;
  end: number;
  /** The mentioned name, lower case (usernames are lower case). */
  username: string;
}

export interface TagEntity {
  start: number;
  end: number;
  /** The tag folded for the index (`foldTag`): "#Café" and "#cafe" are one tag. */
  tag: string;
}

export interface TextEntities {
  mentions: MentionEntity[];
  tags: TagEntity[];
}

/**
 * A `@` or `#` counts only at the start or after a character that cannot be part of a word,
 * an address or a URL: so `bob@example.com`, `x.com/#top`, `page#2` and `&#39;` stay text.
 */
const JOINED = /[\p{L}\p{M}\p{N}_@#&/.:=?-]/u;
const NAME_CHAR = /[A-Za-z0-9_.-]/;
const NAME_START = /[A-Za-z0-9_]/;
const TAG_CHAR = /[\p{L}\p{M}\p{N}_]/u;
const TAG_WORD = /[\p{L}_]/u;

/** Case and accents folded: NFKD, combining marks removed, lower case ("Ça_Va" -> "ca_va", "ＴＡＧ" -> "tag"). */
export function foldTag(tag: string): string {
  return tag.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** A tag as a client or a URL names it (with or without `#`): the folded tag, or undefined when it is no valid tag. */
export function parseTagName(value: string): string | undefined {
  const body = value.startsWith('#') ? value.slice(1) : value;
  if (body.length === 0 || body.length > TAG_MAX_LENGTH) return undefined;
  for (const char of body) if (!TAG_CHAR.test(char)) return undefined;
  if (!TAG_WORD.test(body)) return undefined;
  const folded = foldTag(body);
  return folded.length > 0 ? folded : undefined;
}

/** Code points from `from` while `test` holds; returns the end offset (UTF-16). */
function runEnd(text: string, from: number, test: RegExp): number {
  let at = from;
  while (at < text.length) {
    const char = String.fromCodePoint(text.codePointAt(at)!);
    if (!test.test(char)) break;
    at += char.length;
  }
  return at;
}

/** The code point ending just before `at` (UTF-16 offset), or '' at the start. */
function before(text: string, at: number): string {
  if (at === 0) return '';
  const low = text.charCodeAt(at - 1);
  if (at >= 2 && low >= 0xdc00 && low <= 0xdfff) return text.slice(at - 2, at);
  return text.slice(at - 1, at);
}

/**
 * Every mention and tag of `text`, in order. A mention is `@` and a username (letters are
 * lower-cased; a trailing `.` or `-` is punctuation, not part of the name); a run longer than
 * a username can be is no mention. A tag is `#` and letters, digits and underscores of any
 * script, at least one of them a letter or underscore (`#1` is a number), at most
 * TAG_MAX_LENGTH long. A repeated mention or tag is an entity each time it appears; past
 * MAX_MENTIONS_PER_TEXT distinct names or MAX_TAGS_PER_TEXT distinct tags, the rest is text.
 * Whether a mentioned account exists is not the parser's to say (see `distinctMentions`).
 */
export function parseEntities(text: string): TextEntities {
  const mentions: MentionEntity[] = [];
  const tags: TagEntity[] = [];
  const names = new Set<string>();
  const folded = new Set<string>();
  for (let at = 0; at < text.length; at++) {
    const sigil = text[at];
    if (sigil !== '@' && sigil !== '#') continue;
    const prior = before(text, at);
    if (prior !== '' && JOINED.test(prior)) continue;
    if (sigil === '@') {
      if (!NAME_START.test(text[at + 1] ?? '')) continue;
      const runTo = runEnd(text, at + 1, NAME_CHAR);
      // Skipping the whole run: no mention starts inside a name.
      const next = runTo;
      let end = runTo;
      while (end > at + 1 && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
      const username = text.slice(at + 1, end).toLowerCase();
      if (username.length <= MENTION_MAX && (names.has(username) || names.size < MAX_MENTIONS_PER_TEXT)) {
        names.add(username);
        mentions.push({ start: at, end, username });
      }
      at = next - 1;
    } else {
      const end = runEnd(text, at + 1, TAG_CHAR);
      const tag = end > at + 1 ? parseTagName(text.slice(at + 1, end)) : undefined;
      if (tag !== undefined && (folded.has(tag) || folded.size < MAX_TAGS_PER_TEXT)) {
        folded.add(tag);
        tags.push({ start: at, end, tag });
      }
      at = Math.max(at, end - 1);
    }
  }
  return { mentions, tags };
}

/** The distinct names a text mentions, in order of first mention (what notifies). */
export function distinctMentions(text: string | undefined): string[] {
  return text ? [...new Set(parseEntities(text).mentions.map((m) => m.username))] : [];
}

/** The distinct folded tags a text carries, in order of first use (what the tag index holds). */
export function distinctTags(text: string | undefined): string[] {
  return text ? [...new Set(parseEntities(text).tags.map((t) => t.tag))] : [];
}
