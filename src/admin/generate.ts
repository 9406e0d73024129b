/**
 * Seeded sample data in the lab's JSON-lines format: users, photos, reactions and follows
 * whose counters agree with the items, any size, the same output for the same options.
 *
 * Memory stays O(users): each user's plan (photos, follows) is drawn from a faker seeded by
 * (seed, phase, user index), so it can be drawn again instead of kept. One pass counts the
 * followers every user item must carry; the second pass emits the items user by user.
 */
import { Faker, en } from '@faker-js/faker';
import { errors } from '../errors.js';
import { REACTION_TYPES, USERNAME_PATTERN, type Reactions } from '../schema/entities.js';
import type { ItemOf } from '../schema/entity.js';
import { Friendship, Photo, Reaction, User } from '../schema/entities/index.js';
import { photoSk } from '../schema/keys.js';

export interface GenerateOptions {
  users: number;
  /** Average photos per user (each user gets 0 to twice this many). */
  photosPerUser?: number;
  /** Average reactions per photo. */
  reactionsPerPhoto?: number;
  /** Average users each user follows. */
  followsPerUser?: number;
  seed?: number;
}

/** One line of the output: an item in the lab's shape, keys built by schema/keys.ts. */
export type GeneratedItem = ItemOf<typeof User> | ItemOf<typeof Photo> | ItemOf<typeof Reaction> | ItemOf<typeof Friendship>;

export const GENERATE_DEFAULTS = { photosPerUser: 10, reactionsPerPhoto: 3, followsPerUser: 8, seed: 42 } as const;

const MAX_USERS = 1_000_000;
const MAX_PER_USER = 1_000;

// The lab's data spans 2018 to spring 2019; a fixed window (and reference date) keeps the
// output independent of the day it is generated.
const START = Date.parse('2018-01-01T00:00:00Z');
const END = Date.parse('2019-06-30T23:59:59Z');
const REF_DATE = '2019-07-01T00:00:00Z';

/** The data's timestamp format, `YYYY-MM-DDTHH:MM:SS`, from epoch milliseconds. */
const dataTimestamp = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

const Phase = { usernames: 0, follows: 1, profile: 2, photos: 3, reactions: 4 } as const;

function count(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw errors.validation(`${name} must be an integer from ${min} to ${max}; got ${n}.`, [{ path: `/${name}`, message: `must be ${min}-${max}` }]);
  }
  return n;
}

const usernameRule = new RegExp(USERNAME_PATTERN);

/** faker's usernames ("Jalen.Hills", "Mae_Zieme97") made to fit the Username rule. */
function sanitizeUsername(raw: string): string {
  const cleaned = raw
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '')
    .replace(/^[.-]+/, '')
    .slice(0, 20);
  return cleaned === '' ? 'user' : cleaned;
}

function uniqueUsernames(faker: Faker, n: number): string[] {
  const names: string[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < n; i++) {
    const base = sanitizeUsername(faker.internet.username());
    let name = base;
    for (let suffix = 2; taken.has(name); suffix++) name = `${base}${suffix}`;
    if (!usernameRule.test(name)) throw new Error(`Generated username "${name}" breaks the Username rule.`);
    taken.add(name);
    names.push(name);
  }
  return names;
}

/** `k` distinct values drawn from `0..n-1`: rejection when sparse, a shuffle when dense. */
function distinctIndexes(faker: Faker, n: number, k: number, exclude?: number): number[] {
  const pool = exclude === undefined ? n : n - 1;
  const want = Math.min(k, pool);
  if (want <= 0) return [];
  const map = (i: number) => (exclude !== undefined && i >= exclude ? i + 1 : i);
  if (want * 2 > pool) {
    return faker.helpers.shuffle(Array.from({ length: pool }, (_, i) => map(i))).slice(0, want);
  }
  const picked = new Set<number>();
  while (picked.size < want) picked.add(map(faker.number.int({ min: 0, max: pool - 1 })));
  return [...picked];
}

const sentence = (words: string): string => `${words.charAt(0).toUpperCase()}${words.slice(1)}.`;

/** A value from 0 to twice the average, so the mean is the average asked for. */
const around = (faker: Faker, average: number): number => (average === 0 ? 0 : faker.number.int({ min: 0, max: 2 * average }));

export function* generateItems(options: GenerateOptions): Generator<GeneratedItem> {
  const users = count('users', options.users, 0, 1, MAX_USERS);
  const photosPerUser = count('photosPerUser', options.photosPerUser, GENERATE_DEFAULTS.photosPerUser, 0, MAX_PER_USER);
  const reactionsPerPhoto = count('reactionsPerPhoto', options.reactionsPerPhoto, GENERATE_DEFAULTS.reactionsPerPhoto, 0, MAX_PER_USER);
  const followsPerUser = count('followsPerUser', options.followsPerUser, GENERATE_DEFAULTS.followsPerUser, 0, MAX_PER_USER);
  const seed = count('seed', options.seed, GENERATE_DEFAULTS.seed, 0, 2 ** 31 - 1);

  const faker = new Faker({ locale: [en] });
  faker.setDefaultRefDate(REF_DATE);
  const seeded = (phase: number, index = 0): Faker => {
    faker.seed([seed, phase, index]);
    return faker;
  };

  const names = uniqueUsernames(seeded(Phase.usernames), users);

  const followsOf = (i: number): number[] => {
    const f = seeded(Phase.follows, i);
    return distinctIndexes(f, users, around(f, followsPerUser), i);
  };
  const followers = new Uint32Array(users);
  for (let i = 0; i < users; i++) for (const target of followsOf(i)) followers[target]! += 1;

  for (let i = 0; i < users; i++) {
    const username = names[i]!;
    const follows = followsOf(i);
    const followTimes = follows.map(() => faker.date.between({ from: START, to: END }).getTime());

    const p = seeded(Phase.photos, i);
    const times = new Set<number>();
    const photoCount = around(p, photosPerUser);
    // Whole seconds: the data's format, and distinct per user so no photo overwrites another.
    while (times.size < photoCount) times.add(Math.floor(p.number.int({ min: START, max: END }) / 1000) * 1000);
    const photoTimes = [...times].sort((a, b) => a - b).map(dataTimestamp);

    const u = seeded(Phase.profile, i);
    const name = u.person.fullName();
    const user: User = {
      username,
      name,
      email: u.internet.email({ firstName: name.split(' ')[0], lastName: name.split(' ').at(-1) }).toLowerCase(),
      birthdate: u.date.birthdate({ mode: 'age', min: 13, max: 100 }).toISOString().slice(0, 10),
      address: `${u.location.streetAddress()}\n${u.location.city()}, ${u.location.state({ abbreviated: true })} ${u.location.zipCode('#####')}`,
      status: sentence(u.word.words({ count: { min: 4, max: 8 } })),
      interests: Array.from({ length: 3 }, () => u.word.noun()),
      followers: followers[i]!,
      following: follows.length,
      ...(photoTimes.length > 0 ? { pinnedImage: photoSk(username, u.helpers.arrayElement(photoTimes)) } : {}),
    };
    yield User.encode(user);

    const r = seeded(Phase.reactions, i);
    for (const timestamp of photoTimes) {
      const reactions: Reactions = { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 };
      // Each (user, type) pair at most once per photo, as the key enforces.
      const pairs = distinctIndexes(r, users * REACTION_TYPES.length, around(r, reactionsPerPhoto));
      const photoTime = Date.parse(`${timestamp}Z`);
      const reactionItems = pairs.map((pair) => {
        const type = REACTION_TYPES[pair % REACTION_TYPES.length]!;
        reactions[type] += 1;
        const reactedAt = dataTimestamp(r.number.int({ min: photoTime, max: Math.max(photoTime, END) }));
        return Reaction.encode({ reactingUser: names[Math.floor(pair / REACTION_TYPES.length)]!, reactionType: type, photo: photoSk(username, timestamp), timestamp: reactedAt });
      });
      yield Photo.encode({ username, timestamp, location: `s3://quick-photos/photos/${username}/${timestamp}.png`, reactions });
      yield* reactionItems;
    }

    for (const [k, target] of follows.entries()) {
      yield Friendship.encode({ followedUser: names[target]!, followingUser: username, timestamp: dataTimestamp(followTimes[k]!) });
    }
  }
}
