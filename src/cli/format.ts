/**
 * The lab's text forms of each entity, so CLI output reads like the lab's scripts, and the
 * escaping every line of output goes through (user-supplied text reaches an operator's terminal).
 */
import type { Friendship, Photo, Reaction, User } from '../schema/entities/index.js';

/**
 * What a terminal acts on instead of showing: C0 controls (ESC starts escape sequences, CR/LF
 * forge lines), DEL, C1 controls (U+009B is a one-byte CSI), bidi embeddings, overrides and
 * isolates and the Unicode line separators.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/gu;

const hex = (c: string, width: number): string => (c.codePointAt(0) ?? 0).toString(16).padStart(width, '0');
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One line of text as an operator may see it: every control character as a visible escape. */
export const escapeControls = (text: string): string =>
  text.replace(CONTROL, (c) => NAMED[c] ?? (c.charCodeAt(0) <= 0xff ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));

/** What JSON.stringify leaves raw in strings: it escapes only U+0000-U+001F. */
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/gu;

/**
 * Pretty JSON with those characters as `\uXXXX` too. Outside strings JSON text is ASCII, so the
 * replacement lands only inside strings: still valid JSON, decoding to the same value.
 */
export const safeJson = (value: unknown): string => (JSON.stringify(value, null, 2) ?? 'null').replace(JSON_RAW, (c) => `\\u${hex(c, 4)}`);

export const formatUser = (u: User): string => `User<${u.username} -- ${u.name}>`;
export const formatPhoto = (p: Photo): string => `Photo<${p.username} -- ${p.timestamp}>`;
export const formatReaction = (r: Reaction): string => `Reaction<${r.reactingUser} -- ${r.photo} -- ${r.reactionType}>`;
export const formatFriendship = (f: Friendship): string => `Friendship<${f.followedUser} -- ${f.followingUser}>`;

export function describeUser(u: User): string[] {
  return [
    formatUser(u),
    `  email       ${u.email}`,
    `  birthdate   ${u.birthdate}`,
    `  address     ${u.address.replace(/\n/g, ', ')}`,
    `  status      ${u.status}`,
    `  interests   ${u.interests.join(', ')}`,
    `  followers   ${u.followers}`,
    `  following   ${u.following}`,
    ...(u.pinnedImage ? [`  pinned      ${u.pinnedImage}`] : []),
  ];
}

export function describePhoto(p: Photo): string[] {
  const counts = Object.entries(p.reactions).map(([type, n]) => `${type} ${n}`).join(', ');
  return [formatPhoto(p), `  location    ${p.location}`, `  reactions   ${counts}`];
}
