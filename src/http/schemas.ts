/**
 * Request and response schemas of the HTTP API. Entity fields and their rules come from
 * src/schema/entities.ts; this file only shapes them for clients (views, pages, params,
 * tokens, errors). A schema with a `title` is a named type of the API: the OpenAPI document
 * lists it once under components.schemas and refers to it everywhere else (see openapi.ts).
 */
import { Type, type TSchema } from 'typebox';
import { Caption, ProfileUpdate, Reactions, ReactionType, Username } from '../schema/entities.js';
import { COMMENT_ID_PATTERN, PHOTO_ID_PATTERN } from '../schema/ids.js';
import { NAMES } from '../schema/names.js';
import { MAX_MENTIONS_PER_TEXT, MAX_TAGS_PER_TEXT, TAG_MAX_LENGTH } from '../schema/text-entities.js';
import { MAX_PAGE_SIZE } from '../patterns/index.js';

// The error responses are declared beside this file; importers keep one place to ask.
export { ErrorResponse, errorsFor, FieldIssue, withErrorCodes } from './error-schemas.js';

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `Page size, 1-${MAX_PAGE_SIZE} (default 20)` })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'The nextCursor of the previous page' })),
});

export function Page<T extends TSchema>(item: T, title: string, description?: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Optional(Type.String({ description: 'Present only when another page exists: pass it back as `cursor`' })),
    },
    { title, ...(description ? { description } : {}) },
  );
}

const ApiTimestamp = Type.String({ format: 'date-time', description: 'UTC, ISO 8601 with its zone (Z)', examples: ['2019-03-02T09:11:30Z'] });
const PHOTO_ID_EXAMPLES = ['ZGF2aWQyNS8yMDE5LTAzLTAyVDA5OjExOjMw'];
export const PhotoId = Type.String({ pattern: PHOTO_ID_PATTERN, description: 'Opaque photo id', examples: PHOTO_ID_EXAMPLES, [NAMES]: 'photo' });

export const UserParams = Type.Object({ username: Username });
export const PhotoParams = Type.Object({ photoId: PhotoId });
export const ReactionParams = Type.Object({ photoId: PhotoId, type: ReactionType });
export const CommentId = Type.String({ pattern: COMMENT_ID_PATTERN, description: 'Opaque comment id' });
export const CommentParams = Type.Object({ photoId: PhotoId, commentId: CommentId });
/** Mentions and tags found in a text, with UTF-16 offsets (schema/text-entities.ts). */
export const TextEntities = Type.Object(
  {
    mentions: Type.Array(
      Type.Object(
        {
          start: Type.Integer({ minimum: 0, description: 'Offset of the `@`, in UTF-16 code units (JavaScript string index; NSString/Java/Kotlin index)' }),
          end: Type.Integer({ minimum: 0, description: 'Offset just past the name, UTF-16 code units: text.slice(start, end) is "@name"' }),
          username: Username,
        },
        { title: 'MentionEntity', description: 'A well-formed @username; the account may not exist (its profile then answers 404)' },
      ),
    ),
    tags: Type.Array(
      Type.Object(
        {
          start: Type.Integer({ minimum: 0, description: 'Offset of the `#`, in UTF-16 code units' }),
          end: Type.Integer({ minimum: 0, description: 'Offset just past the tag, UTF-16 code units' }),
          tag: Type.String({ description: 'The tag folded (lower case, accents removed): the name of its page, GET /v1/tags/{tag}/photos' }),
        },
        { title: 'TagEntity' },
      ),
    ),
  },
  {
    title: 'TextEntities',
    description:
      'The @mentions and #tags of a text, so clients render links without parsing. Offsets are UTF-16 code units. A mention: @ then a username (sign-up rules, lower-cased; a trailing . or - is punctuation), not after a letter, digit or address character (emails stay text). ' +
      `A tag: # then letters, digits or underscores of any script with at least one letter or underscore, at most ${TAG_MAX_LENGTH} long, not inside a URL. At most ${MAX_MENTIONS_PER_TEXT} distinct names and ${MAX_TAGS_PER_TEXT} distinct tags per text; the rest stays text.`,
  },
);

export const CommentView = Type.Object(
  {
    id: CommentId,
    photoId: PhotoId,
    author: Username,
    text: Type.String(),
    entities: TextEntities,
    timestamp: ApiTimestamp,
    likeCount: Type.Integer({ minimum: 0 }),
    replyCount: Type.Optional(Type.Integer({ minimum: 0, description: 'Top-level comments: how many replies (every reply, exact)' })),
    replyTo: Type.Optional(Type.String({ pattern: COMMENT_ID_PATTERN, description: 'Replies: the comment replied to' })),
    likedByMe: Type.Boolean(),
  },
  { title: 'Comment' },
);

export const ImageVariantView = Type.Object(
  {
    name: Type.String({
      description: 'Unique within the image. WebP: thumb (square), feed (1080 px long edge), full (at most 2048 px); avatars: small, large. JPEG alternates: feedJpeg, largeJpeg',
    }),
    contentType: Type.String({ examples: ['image/webp'] }),
    width: Type.Integer(),
    height: Type.Integer(),
    url: Type.String({
      description:
        'Absolute, signed for the viewer who asked, and the same all day (until urlsExpireAt): works in a plain <img> tag, no Authorization header, and an image cache keyed by URL hits. Stops working at once when the owner blocks the viewer, goes private to them or deletes the image or account',
    }),
  },
  { title: 'ImageVariant' },
);
const Placeholder = Type.String({ description: 'ThumbHash (base64): paint it while the image loads' });
const UrlsExpireAt = Type.String({ format: 'date-time', description: 'When the signed URLs stop working; fetch the resource again for fresh ones' });

export const ImageView = Type.Object({ variants: Type.Array(ImageVariantView), placeholder: Placeholder, urlsExpireAt: UrlsExpireAt }, { title: 'Image' });


export const PhotoView = Type.Object(
  {
    id: PhotoId,
    username: Username,
    timestamp: ApiTimestamp,
    reactions: Reactions,
    caption: Type.Optional(Type.String()),
    entities: TextEntities,
    width: Type.Optional(Type.Integer({ description: 'Of the full-size variant: lay the photo out before it loads' })),
    height: Type.Optional(Type.Integer()),
    imageUrl: Type.Optional(Type.String({ description: 'Signed URL of the feed-size WebP (absent for photos whose file is in another store)' })),
    variants: Type.Optional(Type.Array(ImageVariantView)),
    placeholder: Type.Optional(Placeholder),
    urlsExpireAt: Type.Optional(UrlsExpireAt),
    commentsOff: Type.Boolean({ description: 'The owner turned comments off: posting answers 403 COMMENTS_OFF' }),
    commentCount: Type.Optional(Type.Integer({ minimum: 0, description: 'Comments and replies on the photo (exact); on every photo read and list, 0 on upload' })),
  },
  { title: 'Photo' },
);

export const ReactionView = Type.Object(
  { photoId: PhotoId, reactingUser: Username, reactionType: ReactionType, timestamp: ApiTimestamp },
  { title: 'Reaction' },
);

export const FriendshipView = Type.Object(
  { followedUser: Username, followingUser: Username, timestamp: ApiTimestamp },
  { title: 'Friendship', description: 'followingUser follows followedUser' },
);

/** What any signed-in user may see of a profile (never email, birthdate, address or settings). */
export const PublicUser = Type.Object(
  {
    username: Username,
    name: Type.String(),
    status: Type.String(),
    interests: Type.Array(Type.String()),
    followers: Type.Integer({ minimum: 0 }),
    following: Type.Integer({ minimum: 0 }),
    pinnedPhotoId: Type.Optional(Type.String({ pattern: PHOTO_ID_PATTERN, description: 'The pinned photo (an opaque photo id); on a private account, only for those who may see its photos', examples: PHOTO_ID_EXAMPLES })),
    avatar: Type.Optional(ImageView),
    private: Type.Boolean({ description: 'A private account: its photos and lists are shown to approved followers only; following it sends a request' }),
  },
  { title: 'PublicUser', additionalProperties: false },
);

/** The owner's own profile: the public fields plus the private ones and account settings. */
export const PrivateUser = Type.Object(
  {
    ...PublicUser.properties,
    email: Type.String(),
    emailVerified: Type.Boolean({ description: 'Whether the owner confirmed the email (a changed email must be confirmed again)' }),
    birthdate: Type.String(),
    address: Type.String(),
  },
  { title: 'PrivateUser', additionalProperties: false },
);

/** PATCH body: the profile's mutable fields; a photo is pinned by its id (null unpins). */
const { pinnedImage: _pinnedImage, ...updatableFields } = ProfileUpdate.properties;
export const ProfileUpdateBody = Type.Object(
  {
    ...updatableFields,
    pinnedPhotoId: Type.Optional(Type.Union([PhotoId, Type.Null()])),
    currentPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Your current password: required to change the email' })),
  },
  { additionalProperties: false, minProperties: 1, title: 'ProfileUpdate' },
);

export const Tokens = Type.Object(
  {
    username: Username,
    tokenType: Type.Literal('Bearer'),
    accessToken: Type.String(),
    expiresIn: Type.Integer({ description: 'Seconds the access token is valid' }),
    refreshToken: Type.String({ description: 'Single use: POST it to /v1/sessions/refresh for a new pair' }),
    refreshExpiresAt: Type.Integer({ description: 'Epoch seconds' }),
  },
  { title: 'Session' },
);

export const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false, title: 'RefreshRequest' });

/** The multipart upload as clients send it: one file part (any field name). */
export const UploadForm = Type.Object(
  {
    file: Type.String({
      format: 'binary',
      contentMediaType: 'image/*',
      description: 'The image: JPEG, PNG, WebP, GIF, AVIF, HEIC or TIFF (a HEIF image in another compression is refused with 415 HEIC_UNSUPPORTED)',
    }),
    caption: Type.Optional(Caption),
  },
  { title: 'PhotoUpload', required: ['file'] },
);

/** How the signed-in user relates to a profile in a list. */
export const ViewerRelation = Type.Object(
  {
    following: Type.Boolean({ description: 'You follow this user' }),
    followedBy: Type.Boolean({ description: 'This user follows you' }),
    requested: Type.Boolean({ description: 'Your follow request to this private account is pending (a follow, once approved, replaces it)' }),
  },
  { title: 'ViewerRelation' },
);

/** The public profile and, for someone else's, how you relate to it (GET /v1/users/{username} adds its photos: Profile below). */
const ProfileFields = Type.Object(
  {
    ...PublicUser.properties,
    viewer: Type.Optional(
      Type.Object(
        {
          ...ViewerRelation.properties,
          blocking: Type.Boolean({ description: 'You blocked this user (DELETE /v1/blocks/{username} to unblock)' }),
        },
        { title: 'ProfileRelation', description: 'Absent on your own profile' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ProfileCard = Type.Object(
  { ...PublicUser.properties, viewer: ViewerRelation },
  { title: 'ProfileCard', description: 'A public profile as a list shows it, with your relation to it', additionalProperties: false },
);

export const CommentPreviewView = Type.Object(
  { author: Username, text: Type.String({ description: 'The start of the comment (at most 300 characters)' }), timestamp: ApiTimestamp },
  { title: 'CommentPreview' },
);

export const PhotoForViewer = Type.Object(
  {
    ...PhotoView.properties,
    myReactions: Type.Array(ReactionType, { description: 'Your reactions on this photo' }),
    commentCount: Type.Integer({ minimum: 0, description: 'Comments and replies on the photo (exact)' }),
    comments: Type.Array(CommentPreviewView, { maxItems: 2, description: 'Up to 2 of the newest comments you may see, newest first' }),
  },
  { title: 'PhotoForViewer' },
);

export const FeedItemView = Type.Object({ photo: PhotoForViewer, author: ProfileCard }, { title: 'FeedItem' });

/** GET /v1/users/{username}: the public profile; with expand=photos the first page of its photos too (the profile screen in one call). */
export const Profile = Type.Object(
  {
    ...ProfileFields.properties,
    // Described by the route (the same PhotoPage as the list's answer).
    photos: Type.Optional(Page(PhotoForViewer, 'PhotoPage')),
  },
  { title: 'Profile', additionalProperties: false },
);

export const ProfileQuery = Type.Object({
  expand: Type.Optional(Type.Literal('photos', { description: 'Add the first page of their photos (as GET /v1/users/{username}/photos answers it) when you may see them' })),
  photosLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `With expand=photos: that page's size, 1-${MAX_PAGE_SIZE} (default 20)` })),
});

export const ActivityItemView = Type.Object(
  {
    type: Type.Union(
      [Type.Literal('follow'), Type.Literal('request'), Type.Literal('reaction'), Type.Literal('mention'), Type.Literal('comment'), Type.Literal('reply'), Type.Literal('comment-like')],
      {
        description:
          'follow: actor followed you; request: actor asked to follow your private account (pending); reaction: actor reacted to your photo; mention: actor mentioned you (@username) in the caption of photo or a comment on it; comment: actor commented on your photo; reply: actor replied to your comment; comment-like: actor liked your comment (or reply)',
      },
    ),
    at: ApiTimestamp,
    actor: ProfileCard,
    reactionType: Type.Optional(ReactionType),
    photo: Type.Optional(PhotoView),
    comment: Type.Optional(
      Type.Object(
        {
          id: CommentId,
          text: Type.Optional(Type.String({ description: 'comment, reply: the first 100 characters of its text' })),
        },
        { title: 'ActivityComment', description: 'comment, reply, comment-like: the comment or reply (GET /v1/photos/{photoId}/comments lists it)' },
      ),
    ),
    unread: Type.Boolean(),
  },
  { title: 'ActivityItem' },
);

export const ActivityPage = Type.Object(
  {
    items: Type.Array(ActivityItemView),
    nextCursor: Type.Optional(Type.String({ description: 'Present only when another page exists: pass it back as `cursor`' })),
    unreadCount: Type.Integer({ minimum: 0, description: 'Unread items, counted up to 100' }),
  },
  { title: 'ActivityPage' },
);

export const UserSearchResult = Type.Object(
  { ...ProfileCard.properties, mutuals: Type.Optional(Type.Integer({ minimum: 0, description: 'Suggestions: how many people you follow follow them' })) },
  { title: 'UserCard' },
);

export const SuggestionCard = Type.Object(
  {
    ...UserSearchResult.properties,
    reason: Type.Union([Type.Literal('followed-by'), Type.Literal('recommended'), Type.Literal('popular'), Type.Literal('active')], {
      description: 'Why: followed-by people you follow (see mutuals), recommended (the account\'s recommendedFriends), popular (among the most followed), active (posted recently)',
    }),
  },
  { title: 'SuggestionCard' },
);

export const FriendshipWithProfile = Type.Object(
  { ...FriendshipView.properties, user: Type.Optional(ProfileCard) },
  { title: 'FriendshipWithProfile', description: 'With expand=profile: the other user, public fields and your relation to them' },
);

export const ReactionWithProfile = Type.Object(
  { ...ReactionView.properties, user: Type.Optional(ProfileCard) },
  { title: 'ReactionWithProfile', description: 'With expand=profile: the reacting user, public fields and your relation to them' },
);

export const PhotoQuery = Type.Object({
  expand: Type.Optional(
    Type.Union([Type.Literal('reactions'), Type.Literal('comments'), Type.Literal('reactions,comments'), Type.Literal('comments,reactions')], {
      description: 'reactions, comments or both (comma-separated): add the first page of each list as its route answers it (anything else: 400 VALIDATION_FAILED)',
    }),
  ),
  reactionsLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `With expand=reactions: that page's size, 1-${MAX_PAGE_SIZE} (default 20)` })),
  commentsLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `With expand=comments: that page's size, 1-${MAX_PAGE_SIZE} (default 20)` })),
});

/** GET /v1/photos/{photoId}: the photo with its author's card (read in the photo's own batch); with expand, the first pages of its lists (the photo screen in one call). */
export const PhotoDetail = Type.Object(
  {
    ...PhotoForViewer.properties,
    author: ProfileCard,
    // Described by the route (the same pages as the lists' answers).
    reactionPage: Type.Optional(Page(ReactionWithProfile, 'ReactionPage')),
    commentPage: Type.Optional(Page(CommentView, 'CommentPage')),
  },
  { title: 'PhotoDetail', description: "A photo with your reactions and its author's public card, with your relation to them" },
);
