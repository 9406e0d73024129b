/**
 * Entity shapes and the rules on their fields, as TypeBox schemas: one declaration yields the
 * TypeScript type, the runtime validator and (for the HTTP layer) the JSON schema.
 *
 * Attribute names are the lab's, so the lab's scripts read what we write and vice versa.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { errors, type FieldIssue } from '../errors.js';
import { NAMES } from './names.js';

/**
 * Lower-case letters, digits, `_`, `.` and `-`. Never `#` (the key separator), `$` (the upper
 * bound of key ranges) or white space, so no username can forge or widen another user's key.
 */
export const USERNAME_PATTERN = '^[a-z0-9_][a-z0-9_.-]{0,29}$';
export const Username = Type.String({
  pattern: USERNAME_PATTERN,
  minLength: 1,
  maxLength: 30,
  description: '1-30 characters: lower-case letters, digits, _ . - (not starting with . or -)',
  [NAMES]: 'user',
});

export const REACTION_TYPES = ['+1', 'smiley', 'sunglasses', 'heart'] as const;
export const ReactionType = Type.Union([Type.Literal('+1'), Type.Literal('smiley'), Type.Literal('sunglasses'), Type.Literal('heart')]);
export type ReactionType = (typeof REACTION_TYPES)[number];
export const isReactionType = (value: string): value is ReactionType => (REACTION_TYPES as readonly string[]).includes(value);

/** The data's `YYYY-MM-DDTHH:MM:SS`, optionally with up to six fractional digits (the canonical form). */
export const TIMESTAMP_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?$';
export const Timestamp = Type.String({ pattern: TIMESTAMP_PATTERN, description: 'YYYY-MM-DDTHH:MM:SS[.ffffff] (UTC)' });

export const PhotoSk = Type.String({ pattern: '^PHOTO#[a-z0-9_][a-z0-9_.-]{0,29}#\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?$' });

export const Reactions = Type.Object(
  { '+1': Type.Integer({ minimum: 0 }), smiley: Type.Integer({ minimum: 0 }), sunglasses: Type.Integer({ minimum: 0 }), heart: Type.Integer({ minimum: 0 }) },
  { description: 'Count of each reaction type' },
);
export type Reactions = Static<typeof Reactions>;

/**
 * Text a person typed: no control characters (C0, DEL, C1) and no bidirectional overrides or
 * isolates (U+202A-202E, U+2066-2069), which can make a name display as something else.
 */
const PLAIN_TEXT = '^[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$';
/** The same, but line feeds are allowed (postal addresses have lines; the lab's data does). */
const MULTILINE_TEXT = '^[^\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$';
const TEXT_RULE = 'no control characters or bidirectional overrides';

/** The fields a user may set at sign-up and change later. */
export const ProfileFields = {
  name: Type.String({ minLength: 1, maxLength: 100, pattern: PLAIN_TEXT, description: `1-100 characters, ${TEXT_RULE}` }),
  email: Type.String({ pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', maxLength: 254 }),
  birthdate: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD, a real date from 1900-01-01 to today' }),
  address: Type.String({ maxLength: 500, pattern: MULTILINE_TEXT, description: `up to 500 characters, line breaks allowed, ${TEXT_RULE}` }),
  status: Type.String({ maxLength: 500, pattern: PLAIN_TEXT, description: `up to 500 characters, ${TEXT_RULE}` }),
  interests: Type.Array(Type.String({ minLength: 1, maxLength: 50, pattern: PLAIN_TEXT }), { maxItems: 20 }),
  pinnedImage: Type.Optional(PhotoSk),
};

export const NewUser = Type.Object(
  {
    username: Username,
    ...ProfileFields,
    address: Type.Optional(ProfileFields.address),
    status: Type.Optional(ProfileFields.status),
    interests: Type.Optional(ProfileFields.interests),
  },
  { additionalProperties: false },
);
export type NewUser = Static<typeof NewUser>;

export const ProfileUpdate = Type.Object(
  {
    name: Type.Optional(ProfileFields.name),
    email: Type.Optional(ProfileFields.email),
    birthdate: Type.Optional(ProfileFields.birthdate),
    address: Type.Optional(ProfileFields.address),
    status: Type.Optional(ProfileFields.status),
    interests: Type.Optional(ProfileFields.interests),
    // null clears the pinned image.
    pinnedImage: Type.Optional(Type.Union([PhotoSk, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ProfileUpdate = Static<typeof ProfileUpdate>;

/** One encoded size of an image, stored under a content-addressed blob key. */
export const StoredVariant = Type.Object({
  name: Type.String(),
  format: Type.String(),
  width: Type.Integer(),
  height: Type.Integer(),
  key: Type.String(),
  bytes: Type.Integer(),
});
export type StoredVariant = Static<typeof StoredVariant>;

/** A processed image: its variants and a ThumbHash placeholder (base64). */
export const StoredImage = Type.Object({ variants: Type.Array(StoredVariant), placeholder: Type.String() });
export type StoredImage = Static<typeof StoredImage>;

// The stored entities are declared once in src/schema/entities/ (schema, key, codec, is()); their
// types are re-exported here for the modules that import them with the field rules.

export const CAPTION_MAX = 2200;
/** A caption is text a person typed, like a profile's: line breaks allowed, no control characters or bidi overrides. */
export const Caption = Type.String({ maxLength: CAPTION_MAX, pattern: MULTILINE_TEXT, description: `At most ${CAPTION_MAX} characters, line breaks allowed, ${TEXT_RULE}` });

export interface Validator<T> {
  check(value: unknown): value is T;
  /** Returns the value typed, or throws a VALIDATION_FAILED DomainError listing every issue. */
  assert(value: unknown, what: string): T;
}

export function validator<S extends TSchema>(schema: S): Validator<Static<S>> {
  const compiled = Compile(schema);
  return {
    check: (value): value is Static<S> => compiled.Check(value),
    assert(value, what) {
      if (compiled.Check(value)) return value;
      // `additionalProperties` reports once for the object; name each unknown field instead
      // (and drop the duplicate `boolean` entries it produces per field).
      const details: FieldIssue[] = [...compiled.Errors(value)].flatMap((e): FieldIssue[] => {
        if (e.keyword === 'boolean') return [];
        const extra = (e.params as { additionalProperties?: unknown }).additionalProperties;
        if (e.keyword === 'additionalProperties' && Array.isArray(extra)) {
          return extra.map((name) => ({ path: `${e.instancePath}/${String(name)}`, message: 'is not an allowed field' }));
        }
        return [{ path: e.instancePath || '/', message: e.message }];
      });
      throw errors.validation(`Invalid ${what}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details);
    },
  };
}

const usernameCheck = validator(Username);
const timestampCheck = validator(Timestamp);
const reactionTypeCheck = validator(ReactionType);
const captionCheck = validator(Caption);

export const assertUsername = (value: unknown, what = 'username'): string => usernameCheck.assert(value, what);
export const assertTimestamp = (value: unknown, what = 'timestamp'): string => timestampCheck.assert(value, what);
export const assertReactionType = (value: unknown): ReactionType => reactionTypeCheck.assert(value, 'reaction type');
/** VALIDATION_FAILED (path /caption) past CAPTION_MAX or with a control character or bidi override. */
export const assertCaptionText = (value: unknown): string => {
  try {
    return captionCheck.assert(value, 'caption');
  } catch {
    throw errors.validation(`caption must be at most ${CAPTION_MAX} characters, ${TEXT_RULE}.`, [{ path: '/caption', message: `at most ${CAPTION_MAX} characters, ${TEXT_RULE}` }]);
  }
};

export const EARLIEST_BIRTHDATE = '1900-01-01';

/** A calendar-valid YYYY-MM-DD (the pattern alone accepts 2019-02-31) from 1900 to today. */
export function assertBirthdate(value: string, today: Date = new Date()): void {
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw errors.validation(`Invalid birthdate: ${value} is not a calendar date.`, [{ path: '/birthdate', message: 'not a calendar date' }]);
  }
  if (value < EARLIEST_BIRTHDATE || value > today.toISOString().slice(0, 10)) {
    throw errors.validation(`Invalid birthdate: ${value} is not between ${EARLIEST_BIRTHDATE} and today.`, [
      { path: '/birthdate', message: `must be from ${EARLIEST_BIRTHDATE} to today` },
    ]);
  }
}

/**
 * Usernames are identities compared without case: any case is accepted at the door and the
 * lower-case form is what is stored and looked up (the lab's data is lower case). The error
 * says the rule in words.
 */
/** The username rule in words, for every error that refuses one. */
export const USERNAME_RULE = 'must be 1 to 30 characters: letters, digits, underscores, dots or hyphens, not starting with a dot or a hyphen';

export function normalizeUsername(value: unknown, path = '/username'): string {
  const lower = typeof value === 'string' ? value.toLowerCase() : value;
  if (typeof lower === 'string' && usernameCheck.check(lower)) return lower;
  const message = USERNAME_RULE;
  throw errors.validation(`Invalid username: it ${message}.`, [{ path, message }]);
}

/** Emails are compared without case: the claim that keeps them unique uses this form. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
