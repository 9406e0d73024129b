/**
 * Domain errors: what a caller did wrong or what state blocked it, with a stable
 * machine-readable code. Transports (HTTP, CLI) map `kind` to a status or exit code; no
 * SDK exception or message ever crosses this boundary.
 */

export type ErrorKind =
  | 'invalid' // the request itself is malformed
  | 'not_found'
  | 'conflict' // the request contradicts existing state (duplicate, already following...)
  | 'forbidden'
  | 'unauthorized'
  | 'unavailable' // the engine cannot be reached or the table is not ready
  | 'throttled' // the engine asked us to slow down and retries ran out
  | 'too_large' // a body, an image or a quota bound was exceeded
  | 'unsupported_media' // the bytes are not an image type we decode
  | 'unprocessable' // well-formed, but outside what the service processes (an image's aspect ratio)
  | 'busy'; // one client holds too much at once (429); a service-wide bound answers 'unavailable'

export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'INVALID_CURSOR'
  | 'USER_NOT_FOUND'
  | 'USER_EXISTS'
  | 'PHOTO_NOT_FOUND'
  | 'REACTION_EXISTS'
  | 'REACTION_NOT_FOUND'
  | 'ALREADY_FOLLOWING'
  | 'NOT_FOLLOWING'
  | 'SELF_FOLLOW'
  | 'TRANSACTION_CONFLICT'
  | 'TABLE_NOT_FOUND'
  | 'ENGINE_UNAVAILABLE'
  | 'THROTTLED'
  | 'UNAUTHORIZED'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_REFRESH_TOKEN'
  | 'FORBIDDEN'
  | 'IMAGE_TOO_LARGE'
  | 'IMAGE_ASPECT_RATIO'
  | (string & {}); // transports add their own (UNAUTHORIZED, PAYLOAD_TOO_LARGE...)

export interface FieldIssue {
  path: string;
  message: string;
}

export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  constructor(
    readonly kind: ErrorKind,
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldIssue[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A refusal the client may retry after a known delay (sent as Retry-After). */
export class RetryLaterError extends DomainError {
  constructor(
    kind: ErrorKind,
    code: ErrorCode,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(kind, code, message);
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

export const errors = {
  validation: (message: string, details?: FieldIssue[]) => new DomainError('invalid', 'VALIDATION_FAILED', message, details),
  invalidCursor: () => new DomainError('invalid', 'INVALID_CURSOR', 'The cursor is malformed, expired or belongs to another list.'),
  userNotFound: (username: string) => new DomainError('not_found', 'USER_NOT_FOUND', `User ${username} does not exist.`),
  userExists: (username: string) => new DomainError('conflict', 'USER_EXISTS', `User ${username} already exists.`),
  unknownPhotoId: (id: string) => new DomainError('not_found', 'PHOTO_NOT_FOUND', `Photo ${id} does not exist.`),
  photoNotFound: (owner: string, timestamp: string) =>
    new DomainError('not_found', 'PHOTO_NOT_FOUND', `Photo ${timestamp} of user ${owner} does not exist.`),
  reactionExists: (user: string, type: string) =>
    new DomainError('conflict', 'REACTION_EXISTS', `User ${user} has already reacted ${type} to this photo.`),
  reactionNotFound: (user: string, type: string) =>
    new DomainError('not_found', 'REACTION_NOT_FOUND', `User ${user} has no ${type} reaction on this photo.`),
  alreadyFollowing: (follower: string, followed: string) =>
    new DomainError('conflict', 'ALREADY_FOLLOWING', `User ${follower} already follows user ${followed}.`),
  notFollowing: (follower: string, followed: string) =>
    new DomainError('not_found', 'NOT_FOLLOWING', `User ${follower} does not follow user ${followed}.`),
  selfFollow: (username: string) => new DomainError('invalid', 'SELF_FOLLOW', `User ${username} cannot follow themselves.`),
  idempotencyKeyTakenOver: () =>
    new DomainError('conflict', 'IDEMPOTENCY_KEY_IN_FLIGHT', 'Another request with this Idempotency-Key took it over while this one ran; retry in a moment.'),
  transactionConflict: () =>
    new DomainError('conflict', 'TRANSACTION_CONFLICT', 'The item is being changed by another request; retry shortly.'),
  tableNotFound: (table: string) =>
    new DomainError('unavailable', 'TABLE_NOT_FOUND', `Table ${table} (or its InvertedIndex) does not exist or is not active yet.`),
  engineUnavailable: (cause?: unknown) =>
    new DomainError('unavailable', 'ENGINE_UNAVAILABLE', 'The database engine is unavailable; retry shortly.', undefined, { cause }),
  unauthorized: (message = 'Sign in first: send a valid access token as "Authorization: Bearer <token>".') =>
    new DomainError('unauthorized', 'UNAUTHORIZED', message),
  // One message for unknown user and wrong password: the answer must not reveal which usernames exist.
  invalidCredentials: () => new DomainError('unauthorized', 'INVALID_CREDENTIALS', 'The username or password is wrong.'),
  invalidRefreshToken: () =>
    new DomainError('unauthorized', 'INVALID_REFRESH_TOKEN', 'The refresh token is invalid, expired, revoked or already used; sign in again.'),
  forbidden: (message: string) => new DomainError('forbidden', 'FORBIDDEN', message),
  sessionEnded: () =>
    new DomainError('unauthorized', 'SESSION_ENDED', 'This session has ended (logged out, password changed, account suspended or deleted); sign in again.'),
  usernameBeingDeleted: (username: string) =>
    new DomainError('conflict', 'USERNAME_BEING_DELETED', `The account ${username} is still being deleted; the name is free once that has finished.`),
  accountDeleted: (username: string) =>
    new DomainError('forbidden', 'ACCOUNT_DELETED', `The account ${username} is deleted or being deleted; it can no longer make changes.`),
  emailTaken: () => new DomainError('conflict', 'EMAIL_TAKEN', 'Another account already uses this email address.'),
  weakPassword: (reason: string) => new DomainError('invalid', 'WEAK_PASSWORD', `Choose another password: it ${reason}.`, [{ path: '/password', message: reason }]),
  wrongPassword: () => new DomainError('forbidden', 'WRONG_PASSWORD', 'The current password is wrong.'),
  refreshTokenReused: () =>
    new DomainError(
      'unauthorized',
      'REFRESH_TOKEN_REUSED',
      'This refresh token was already used; for safety every session started from the same log-in is now revoked. Sign in again.',
    ),
  loginThrottled: (seconds: number) =>
    new RetryLaterError('throttled', 'LOGIN_THROTTLED', `Too many failed log-ins for this account; retry in ${seconds} s or reset the password.`, seconds),
  passwordThrottled: (seconds: number) =>
    new RetryLaterError('throttled', 'PASSWORD_THROTTLED', `Too many failed password checks from this session; retry in ${seconds} s.`, seconds),
  passwordRequired: () =>
    new DomainError('invalid', 'PASSWORD_REQUIRED', 'Changing the email needs your current password (currentPassword).', [
      { path: '/currentPassword', message: 'required to change the email' },
    ]),
  hashingBusy: () =>
    new RetryLaterError('unavailable', 'PASSWORD_HASHING_BUSY', 'Too many log-ins and sign-ups at once; retry in a moment.', 1),
  invalidMailToken: () =>
    new DomainError('invalid', 'INVALID_MAIL_TOKEN', 'The code is invalid, expired or already used; ask for a new one.'),
  throttled: (cause?: unknown) =>
    new DomainError('throttled', 'THROTTLED', 'The database is throttling requests; retry shortly.', undefined, { cause }),
  /** A comment id we never issued, or a comment that is gone (deleted, taken down, its photo deleted). */
  commentNotFound: () => new DomainError('not_found', 'COMMENT_NOT_FOUND', 'The comment does not exist.'),
  commentsOff: () => new DomainError('forbidden', 'COMMENTS_OFF', "The photo's owner has turned comments off."),
  /** A block stands between the commenter and the photo's owner (or the replied-to author), either way. */
  commentNotAllowed: () => new DomainError('forbidden', 'COMMENT_NOT_ALLOWED', 'You cannot comment here.'),
  replyToReply: () =>
    new DomainError('invalid', 'REPLY_TO_REPLY', 'Reply to the top-level comment: replies have one level.', [{ path: '/replyTo', message: 'names a reply' }]),
  /** Only the comment's author or the photo's owner deletes a comment. */
  notYourComment: () => new DomainError('forbidden', 'FORBIDDEN', "Only the comment's author or the photo's owner can delete it."),
  commentLikeExists: () => new DomainError('conflict', 'COMMENT_LIKE_EXISTS', 'You already like this comment.'),
  commentLikeNotFound: () => new DomainError('not_found', 'COMMENT_LIKE_NOT_FOUND', 'You do not like this comment.'),
};
