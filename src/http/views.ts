/**
 * The one place entities become API shapes. Views name photos by id and carry time zones;
 * no key string (`PHOTO#...`, `USER#...`) and no storage location ever leaves through here.
 */
import { errors } from '../errors.js';
import type { MediaUrls } from '../blobs/index.js';
import type { ReactionType, StoredImage, StoredVariant } from '../schema/entities.js';
import type { Comment, Friendship, Photo, Reaction, User } from '../schema/entities/index.js';
import { commentId, parsePhotoId, photoId, type PhotoRef } from '../schema/ids.js';
import type { CommentSummary } from '../patterns/index.js';
import { parsePhotoSk } from '../schema/keys.js';
import { parseEntities } from '../schema/text-entities.js';

/** Stored timestamps are UTC without a zone (the lab's format); the API always says so. */
export function apiTimestamp(timestamp: string): string {
  return timestamp.endsWith('Z') ? timestamp : `${timestamp}Z`;
}

/** The photo a path's `:photoId` names; PHOTO_NOT_FOUND for anything we never issued. */
export function photoRef(id: string): PhotoRef {
  const ref = parsePhotoId(id);
  if (!ref) throw errors.unknownPhotoId(id);
  return ref;
}

export const photoPath = (photo: PhotoRef): string => `/v1/photos/${photoId(photo.username, photo.timestamp)}`;

const CONTENT_TYPES: Record<string, string> = { webp: 'image/webp', jpeg: 'image/jpeg' };

/**
 * A variant's name in the API, unique within its image: the WebP variants by their size
 * (thumb, feed, full; small, large), the JPEG alternates with `Jpeg` after it (feedJpeg,
 * largeJpeg). Stored items keep the size name and the format apart.
 */
export const variantName = (variant: Pick<StoredVariant, 'name' | 'format'>): string => (variant.format === 'jpeg' ? `${variant.name}Jpeg` : variant.name);

/** Signed, expiring URLs that work in a plain <img> tag: one per variant. */
function variantView(variant: StoredVariant, urls: MediaUrls, owner: string, content: boolean) {
  return {
    name: variantName(variant),
    contentType: CONTENT_TYPES[variant.format] ?? 'application/octet-stream',
    width: variant.width,
    height: variant.height,
    url: urls.sign(variant.key, owner, content).url,
  };
}

/** The last expiry written out: every image of a page, and of every page in the same URL window, shares it. */
let lastExpiry = { at: 0, text: '' };

/** An expiry (epoch seconds) as the API writes times, formatted once per URL window. */
function expiryText(at: number): string {
  if (lastExpiry.at !== at) lastExpiry = { at, text: new Date(at * 1000).toISOString().replace('.000Z', 'Z') };
  return lastExpiry.text;
}

/** A processed image (a photo: `content`, or a profile picture) of `owner`: its variants' signed URLs and its ThumbHash. */
export function imageView(image: StoredImage, urls: MediaUrls, owner: string, content: boolean) {
  return {
    variants: image.variants.map((v) => variantView(v, urls, owner, content)),
    placeholder: image.placeholder,
    urlsExpireAt: expiryText(urls.expiresAt()),
  };
}

/**
 * A user's profile picture, for whichever user view shows a profile (public or private);
 * undefined when the user has none.
 */
export function avatarView(user: Pick<User, 'avatar' | 'username'>, urls: MediaUrls) {
  return user.avatar ? imageView(user.avatar, urls, user.username, false) : undefined;
}

/** A profile view with its picture's signed URLs, when the user has one. */
export function withAvatar<V extends object>(view: V, user: Pick<User, 'avatar' | 'username'>, urls: MediaUrls): V & { avatar?: ReturnType<typeof imageView> } {
  const avatar = avatarView(user, urls);
  // Added in place: a card is built once per user a page shows, and a copy of its fields costs more than the field.
  return avatar ? Object.assign(view, { avatar }) : view;
}

/**
 * The mentions and tags of a text (a caption; any text on a photo), for clients to render links
 * without parsing: parsed at read (nothing stored), so an edit shows at once. A mention is a
 * well-formed name; whether that account exists is not read (no request per page): a link to a
 * name with no account opens a profile that answers 404, as any departed account's does.
 */
export function textEntitiesView(text: string | undefined) {
  const { mentions, tags } = text ? parseEntities(text) : { mentions: [], tags: [] };
  return { mentions: mentions.map(({ start, end, username }) => ({ start, end, username })), tags: tags.map(({ start, end, tag }) => ({ start, end, tag })) };
}

/** A photo with signed URLs per variant (photos stored before variants existed have none). */
export function photoView(photo: Photo, urls: MediaUrls, commentCount?: number) {
  const image = photo.variants ? imageView({ variants: photo.variants, placeholder: photo.placeholder ?? '' }, urls, photo.username, true) : undefined;
  const feed = photo.variants?.find((v) => v.name === 'feed' && v.format === 'webp') ?? photo.variants?.[0];
  const full = photo.variants?.find((v) => v.name === 'full');
  return {
    id: photoId(photo.username, photo.timestamp),
    username: photo.username,
    timestamp: apiTimestamp(photo.timestamp),
    reactions: photo.reactions,
    ...(photo.caption ? { caption: photo.caption } : {}),
    entities: textEntitiesView(photo.caption),
    ...(full ? { width: full.width, height: full.height } : {}),
    // The feed variant's URL, signed once for `variants` already.
    ...(feed && image ? { imageUrl: image.variants[photo.variants!.indexOf(feed)]!.url } : {}),
    ...(image ? { variants: image.variants, placeholder: image.placeholder, urlsExpireAt: image.urlsExpireAt } : {}),
    commentsOff: photo.commentsOff === true,
    ...(commentCount === undefined ? {} : { commentCount }),
  };
}

/** A stored photo sort key as an id; undefined for a value that names no photo. */
function photoIdOfSk(sk: string): string | undefined {
  const ref = parsePhotoSk(sk);
  return ref ? photoId(ref.username, ref.timestamp) : undefined;
}

export function reactionView(reaction: Reaction) {
  return {
    photoId: photoIdOfSk(reaction.photo) ?? '',
    reactingUser: reaction.reactingUser,
    reactionType: reaction.reactionType,
    timestamp: apiTimestamp(reaction.timestamp),
  };
}

export function friendshipView(friendship: Friendship) {
  return { followedUser: friendship.followedUser, followingUser: friendship.followingUser, timestamp: apiTimestamp(friendship.timestamp) };
}

/**
 * The profile as anyone signed in sees it. Fields are picked one by one (never spread), so a
 * private attribute added to User later cannot leak through here by default. `content: false`
 * (a private account seen by someone who may not see its photos) leaves out the pinned photo:
 * its id names the photo and when it was posted.
 */
export function publicUserView(user: User, urls: MediaUrls, options: { content?: boolean } = {}) {
  const pinnedPhotoId = user.pinnedImage === undefined || options.content === false ? undefined : photoIdOfSk(user.pinnedImage);
  const view = {
    username: user.username,
    name: user.name,
    status: user.status,
    interests: user.interests,
    followers: user.followers,
    following: user.following,
    ...(pinnedPhotoId ? { pinnedPhotoId } : {}),
    private: user.private === true,
  };
  return withAvatar(view, user, urls);
}

/** The owner's own profile (GET /v1/me and the owner's writes): adds email, birthdate, address, settings. */
export function privateUserView(user: User, urls: MediaUrls) {
  return { ...publicUserView(user, urls), email: user.email, emailVerified: user.emailVerified === true, birthdate: user.birthdate, address: user.address };
}

/**
 * A user as other users see them in lists (feed authors, search results, activity actors):
 * the public view (never email, birthdate or address) and how the viewer relates to them.
 */
export function profileCardView(user: User, viewer: { follows: boolean; followedBy: boolean; requested: boolean }, urls: MediaUrls) {
  return Object.assign(publicUserView(user, urls, { content: user.private !== true || viewer.follows }), { viewer: { following: viewer.follows, followedBy: viewer.followedBy, requested: viewer.requested } });
}

/** A photo with the viewer's own reactions on it, its comment count and the previews the viewer may see. */
export function photoForViewerView(photo: Photo, myReactions: readonly ReactionType[], urls: MediaUrls, comments: CommentSummary) {
  // The photo's view gains the viewer's fields in place, not copied into a new object per card.
  return Object.assign(photoView(photo, urls), {
    myReactions: [...myReactions],
    commentCount: comments.commentCount,
    comments: comments.previews.map((p) => ({ author: p.author, text: p.text, timestamp: apiTimestamp(p.timestamp) })),
  });
}

/** A comment or reply as the API shows it: named by ids, never by its key. */
export function commentView(comment: Comment, likedByMe: boolean) {
  const parent = comment.parentTimestamp !== undefined && comment.parentAuthor !== undefined
    ? commentId({ photoOwner: comment.photoOwner, photoTimestamp: comment.photoTimestamp, timestamp: comment.parentTimestamp, author: comment.parentAuthor })
    : undefined;
  return {
    id: commentId(comment),
    photoId: photoId(comment.photoOwner, comment.photoTimestamp),
    author: comment.author,
    text: comment.text,
    entities: textEntitiesView(comment.text),
    timestamp: apiTimestamp(comment.timestamp),
    likeCount: comment.likeCount,
    ...(parent === undefined ? { replyCount: comment.replyCount ?? 0 } : { replyTo: parent }),
    likedByMe,
  };
}
