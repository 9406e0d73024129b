/** Key formats and timestamps: the contract with the lab's scripts and data. */
import { describe, expect, it } from 'vitest';
import { classifyKey, keys, labQueriesReading, parsePhotoSk, ranges, usernamesNamedBy, type ItemKey } from '../src/schema/keys.js';
import { normalizeSearch, searchTokens } from '../src/schema/search.js';
import { canonicalTimestamp, nextTimestamp } from '../src/schema/timestamps.js';

describe('keys', () => {
  it("are the lab's formats", () => {
    expect(keys.user('jacksonjason')).toEqual({ PK: 'USER#jacksonjason', SK: '#METADATA#jacksonjason' });
    expect(keys.photo('david25', '2019-03-02T09:11:30')).toEqual({ PK: 'USER#david25', SK: 'PHOTO#david25#2019-03-02T09:11:30' });
    expect(keys.reaction('ylee', 'smiley', 'david25', '2019-03-02T09:11:30')).toEqual({
      PK: 'REACTION#ylee#smiley',
      SK: 'PHOTO#david25#2019-03-02T09:11:30',
    });
    expect(keys.friendship('haroldwatkins', 'chasevang')).toEqual({ PK: 'USER#haroldwatkins', SK: '#FRIEND#chasevang' });
  });

  it('read back into what they name', () => {
    expect(classifyKey(keys.user('a'))).toEqual({ kind: 'user', username: 'a' });
    expect(classifyKey(keys.photo('a', '2019-01-01T00:00:00'))).toEqual({ kind: 'photo', username: 'a', timestamp: '2019-01-01T00:00:00' });
    expect(classifyKey(keys.reaction('b', '+1', 'a', '2019-01-01T00:00:00'))).toMatchObject({ kind: 'reaction', reactingUser: 'b', reactionType: '+1', owner: 'a' });
    expect(classifyKey(keys.friendship('a', 'b'))).toEqual({ kind: 'friendship', followed: 'a', follower: 'b' });
    expect(classifyKey({ PK: 'USER#a', SK: '#METADATA#b' })).toEqual({ kind: 'other' });
    expect(parsePhotoSk('PHOTO#a')).toBeUndefined();
  });

  it("bound the lab's user-and-photos range so that friendships stay outside it", () => {
    const range = ranges.userAndPhotos('a');
    const inRange = (sk: string) => sk >= range.from && sk <= range.to;
    expect(inRange(keys.user('a').SK)).toBe(true);
    expect(inRange(keys.photo('a', '2019-01-01T00:00:00.123456').SK)).toBe(true);
    expect(inRange(keys.friendship('a', 'zed').SK)).toBe(false);
  });
});

describe("the lab's key ranges", () => {
  // Only the lab's own entities may be read by the lab's queries; every other item type must
  // stay outside all four ranges, whatever the names and times in its key.
  const LAB: Record<string, string[]> = {
    user: ['user-and-photos'],
    photo: ['user-and-photos', 'photo-and-reactions'],
    reaction: ['photo-and-reactions'],
    friendship: ['followers', 'followed-by'],
  };
  const samples = ['a', 'zz', 'user.name-1', '2019-01-01T00:00:00', '2026-11-25T12:00:00.123456', 'heart', '+1', '0', 'ZGF2aWQ'];

  it('hold exactly the lab entities, and no other key builder lands in any of them', () => {
    const builders = Object.entries(keys) as [string, (...args: string[]) => ItemKey][];
    expect(builders.length).toBeGreaterThanOrEqual(Object.keys(LAB).length);
    for (const [name, build] of builders) {
      for (let i = 0; i < samples.length; i++) {
        const args = Array.from({ length: Math.max(build.length, 1) }, (_, j) => samples[(i + j) % samples.length] ?? 'a');
        const key = build(...args);
        const read = labQueriesReading(key);
        if (name in LAB) {
          // The lab's own keys: what they are read by depends only on their kind.
          for (const query of read) expect(LAB[name], `${name}(${args.join(', ')})`).toContain(query);
        } else {
          expect(read, `${name}(${args.join(', ')}) = ${key.PK} / ${key.SK} falls in a lab query's range`).toEqual([]);
        }
      }
    }
    expect(labQueriesReading(keys.user('a'))).toEqual(['user-and-photos']);
    expect(labQueriesReading(keys.friendship('a', 'b'))).toEqual(['followers', 'followed-by']);
    expect(labQueriesReading({ PK: 'USER#a', SK: 'AVATAR#a' })).toEqual(['user-and-photos']);
    expect(labQueriesReading({ PK: 'SESSION#a', SK: 'PHOTO#a#2019-01-01T00:00:00' })).toEqual(['photo-and-reactions']);
    // Account-partition items added for email ownership and password-check throttles.
    expect(labQueriesReading(keys.passwordThrottle('a', 'AAAAAAAAAAAAAAAA'))).toEqual([]);
    expect(labQueriesReading(keys.emailProbes('a'))).toEqual([]);
    expect(labQueriesReading(keys.mailToken('a', 'undo-email'))).toEqual([]);
    // Idempotency keys, in every scope (account id, no id, no token), whatever the digest holds.
    for (const scope of ['A0f8e2c1d9b7a4e3f6a1b2c3d4e5f60718', 'N', 'P']) {
      for (const digest of ['PHOTO', '-FRIEND-', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', 'AAAA_-09']) {
        const key = keys.idempotency('a', scope, digest);
        expect(labQueriesReading(key), `${key.PK} / ${key.SK}`).toEqual([]);
        expect(usernamesNamedBy(key, () => undefined)).toEqual(['a']);
      }
    }
  });
});

describe('timestamps', () => {
  it('are UTC with microseconds and sort after the data’s second-precision form', () => {
    const ts = canonicalTimestamp(new Date('2019-03-02T09:11:30.250Z'), 7);
    expect(ts).toBe('2019-03-02T09:11:30.250007');
    expect([ts, '2019-03-02T09:11:31', '2019-03-02T09:11:30'].sort()).toEqual(['2019-03-02T09:11:30', ts, '2019-03-02T09:11:31']);
  });

  it('step forward by one microsecond, carrying into the next second', () => {
    expect(nextTimestamp('2019-03-02T09:11:30')).toBe('2019-03-02T09:11:30.000001');
    expect(nextTimestamp('2019-03-02T09:11:30.5')).toBe('2019-03-02T09:11:30.500001');
    expect(nextTimestamp('2019-12-31T23:59:59.999999')).toBe('2020-01-01T00:00:00.000000');
  });
});

describe('search normalization', () => {
  it('folds case and accents in every script, and keeps no key separator', () => {
    expect(normalizeSearch('Zoë BRONTË')).toBe('zoe bronte');
    expect(normalizeSearch('Алёна  Петрова')).toBe('алена петрова');
    expect(normalizeSearch('李小龍')).toBe('李小龍');
    expect(normalizeSearch('a#b$c')).toBe('a b c');
    const tokens = searchTokens('alyona', 'Алёна Петрова').map((t) => t.token);
    expect(tokens).toEqual(['alyona', 'алена петрова', 'петрова']);
    expect(tokens.every((t) => !/[#$]/.test(t))).toBe(true);
  });
});
