/**
 * The prefixes of the main table's keys. keys.ts builds keys and key ranges from them and
 * key-readers.ts reads keys back by them; nothing else imports this module (importers ask
 * keys.ts, which exports both).
 */
export const USER = 'USER#';
export const METADATA = '#METADATA#';
export const PHOTO = 'PHOTO#';
export const REACTION = 'REACTION#';
export const FRIEND = '#FRIEND#';
export const ACCOUNT = 'ACCOUNT#';
export const SESSION = 'SESSION#';
export const TOKEN = 'TOKEN#';
export const THROTTLE = 'THROTTLE#';
export const EMAIL = 'EMAIL#';
export const DELETION = 'DELETION';
export const BLOCK = 'BLOCK#';
export const BLOCKED = 'BLOCKED#';
export const FOLLOW_REQUEST = 'FOLLOWREQ#';
export const REQUESTER = 'REQUESTER#';
export const REPORT = 'REPORT#';
export const REPORTER = 'REPORTER#';
export const REPORTS = 'REPORTS#';
export const NOTICE = 'NOTICE#';
export const TAKEDOWN = 'TAKEDOWN#';
export const PRIVACY = 'PRIVACY#';
export const UPLOAD = 'UPLOAD#';
export const USAGE = 'USAGE#';
export const HOUR = 'HOUR#';
export const IDEMPOTENCY = 'IDEMPOTENCY#';
export const PUSH_DEVICE = 'PUSH#DEVICE#';
export const PUSH_PREFS = 'PUSH#PREFS';
export const COMMENTS = 'COMMENTS#';
export const COMMENT = 'C#';
export const REPLY = 'R#';
export const COMMENT_COUNT = 'N#';
export const COMMENTS_BY = 'COMMENTSBY#';
export const COMMENT_REF = 'CREF#';
export const COMMENT_LIKES = 'CLIKES#';
export const COMMENT_LIKE = 'CL#';
