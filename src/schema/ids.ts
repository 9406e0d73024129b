/**
 * Public identifiers. A photo is named in the API by an opaque, URL-safe id that encodes its
 * identity (owner and timestamp), never by its key string: clients cannot read or build keys,
 * and the storage layout can change without changing a URL.
 */
import { validator, Timestamp, Username } from './entities.js';

const usernameCheck = validator(Username);
const timestampCheck = validator(Timestamp);

/** base64url characters only: the longest owner and timestamp encode to well under 80. */
export const PHOTO_ID_PATTERN = '^[A-Za-z0-9_-]{8,96}$';

export interface PhotoRef {
  username: string;
  timestamp: string;
}

export function photoId(username: string, timestamp: string): string {
  return Buffer.from(`${username}/${timestamp}`, 'utf8').toString('base64url');
}

/** The photo an id names, or undefined when it is not an id we issue. */
export function parsePhotoId(id: string): PhotoRef | undefined {
  if (!new RegExp(PHOTO_ID_PATTERN).test(id)) return undefined;
  const text = Buffer.from(id, 'base64url').toString('utf8');
  const cut = text.indexOf('/');
  if (cut <= 0) return undefined;
  const ref = { username: text.slice(0, cut), timestamp: text.slice(cut + 1) };
  // Re-encoding must give the same id: no second spelling of one photo.
  if (!usernameCheck.check(ref.username) || !timestampCheck.check(ref.timestamp) || photoId(ref.username, ref.timestamp) !== id) return undefined;
  return ref;
}

/** Comment ids: base64url like photo ids; a reply's also names its parent. */
export const COMMENT_ID_PATTERN = '^[A-Za-z0-9_-]{16,240}$';

export interface CommentRefId {
  photoOwner: string;
  photoTimestamp: string;
  timestamp: string;
  author: string;
  parentTimestamp?: string;
  parentAuthor?: string;
}

export function commentId(c: CommentRefId): string {
  const parts = [c.photoOwner, c.photoTimestamp, c.timestamp, c.author];
  if (c.parentTimestamp !== undefined && c.parentAuthor !== undefined) parts.push(c.parentTimestamp, c.parentAuthor);
  return Buffer.from(parts.join('/'), 'utf8').toString('base64url');
}

/** The comment an id names, or undefined when it is not an id we issue. */
export function parseCommentId(id: string): CommentRefId | undefined {
  if (!new RegExp(COMMENT_ID_PATTERN).test(id)) return undefined;
  const parts = Buffer.from(id, 'base64url').toString('utf8').split('/');
  if (parts.length !== 4 && parts.length !== 6) return undefined;
  const [photoOwner, photoTimestamp, timestamp, author, parentTimestamp, parentAuthor] = parts as [string, string, string, string, string?, string?];
  const ref: CommentRefId = { photoOwner, photoTimestamp, timestamp, author, ...(parentTimestamp !== undefined && parentAuthor !== undefined ? { parentTimestamp, parentAuthor } : {}) };
  const names = [photoOwner, author, ...(parentAuthor === undefined ? [] : [parentAuthor])];
  const times = [photoTimestamp, timestamp, ...(parentTimestamp === undefined ? [] : [parentTimestamp])];
  if (!names.every((n) => usernameCheck.check(n)) || !times.every((t) => timestampCheck.check(t)) || commentId(ref) !== id) return undefined;
  return ref;
}
