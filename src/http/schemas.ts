/**
 * Request and response schemas of the HTTP API. Entity fields and their rules come from
 * src/schema/entities.ts; this file only wraps them (pages, params, tokens, errors).
 */
import { Type, type TSchema } from 'typebox';
import { Friendship, Photo, Reaction, ReactionType, Timestamp, User, Username } from '../schema/entities.js';
import { MAX_PAGE_SIZE } from '../patterns/index.js';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. PHOTO_NOT_FOUND' }),
      message: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    }),
  },
  { description: 'Every error has this shape.' },
);

/** Error responses a route may answer with, for the OpenAPI document and the serializer. */
export function errorsFor(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorResponse]));
}

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, description: `Page size, 1-${MAX_PAGE_SIZE} (default 20)` })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'The nextCursor of the previous page' })),
});

export function Page<T extends TSchema>(item: T, description?: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      nextCursor: Type.Optional(Type.String({ description: 'Present only when another page exists' })),
    },
    description ? { description } : {},
  );
}

export const UserParams = Type.Object({ username: Username });
export const PhotoParams = Type.Object({ username: Username, timestamp: Timestamp });
export const ReactionParams = Type.Object({ username: Username, timestamp: Timestamp, type: ReactionType });

/** A photo as clients see it: the stored location is replaced by the URL that serves the image. */
const { location: _location, ...photoFields } = Photo.properties;
export const PhotoView = Type.Object({ ...photoFields, imageUrl: Type.String({ description: 'GET this (with the access token) for the image bytes' }) });

export const PhotoWithReactions = Type.Object({
  photo: Type.Optional(PhotoView),
  reactions: Page(Reaction, 'The photo is present on the first page only'),
});

export const FollowedView = Type.Object({ ...Friendship.properties, user: Type.Optional(User) });

export const Tokens = Type.Object({
  username: Username,
  tokenType: Type.Literal('Bearer'),
  accessToken: Type.String(),
  expiresIn: Type.Integer({ description: 'Seconds the access token is valid' }),
  refreshToken: Type.String({ description: 'Single use: POST it to /v1/sessions/refresh for a new pair' }),
  refreshExpiresAt: Type.Integer({ description: 'Epoch seconds' }),
});

export const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false });

export { Friendship, Reaction, User };
