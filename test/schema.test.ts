/** Key formats and timestamps: the contract with the lab's scripts and data. */
import { describe, expect, it } from 'vitest';
import * as entities from '../src/schema/entities/index.js';
import { DERIVED_ENTITIES, MAIN_ENTITIES } from '../src/schema/entities/index.js';
import { CorruptItemError, type AnyEntity, type RawItem } from '../src/schema/entity.js';
import { photoId } from '../src/schema/ids.js';
import { classifyKey, derivedKeys, keys, labQueriesReading, parseKey, parsePhotoSk, photoSk, ranges, usernamesNamedBy, type ItemKey } from '../src/schema/keys.js';
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
    // Push devices and preferences, whatever the device id holds.
    for (const id of ['PHOTO', '-FRIEND-', 'zzzzzzzzzzzzzzzzzzzzzz']) expect(labQueriesReading(keys.pushDevice('a', id))).toEqual([]);
    expect(labQueriesReading(keys.pushPreferences('a'))).toEqual([]);
    // A conversation's items, whatever names and times they carry: none shares a photo's SK or a friendship's.
    for (const [u, t] of [['a', '2019-01-01T00:00:00'], ['zz', '2026-11-25T12:00:00.123456']] as const) {
      const conversation = [
        keys.comment(u, t, t, u), keys.reply(u, t, t, u, t, 'b'), keys.commentCount(u, t, '0'), keys.commentRef(u, u, t, t), keys.commentLike(u, u, t, t, u),
      ];
      for (const key of conversation) {
        expect(labQueriesReading(key), `${key.PK} / ${key.SK}`).toEqual([]);
        expect(key.SK).not.toBe(photoSk(u, t));
      }
    }
    // Idempotency keys, in every scope (account id, no id, no token), whatever the digest holds.
    for (const scope of ['A0f8e2c1d9b7a4e3f6a1b2c3d4e5f60718', 'N', 'P']) {
      for (const digest of ['PHOTO', '-FRIEND-', 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', 'AAAA_-09']) {
        const key = keys.idempotency('a', scope, digest);
        expect(labQueriesReading(key), `${key.PK} / ${key.SK}`).toEqual([]);
        expect(usernamesNamedBy(key, () => [])).toEqual(['a']);
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

describe('entities', () => {
  const ALL: readonly AnyEntity[] = [...MAIN_ENTITIES, ...DERIVED_ENTITIES];
  const LAB = new Set<AnyEntity>([entities.User, entities.Photo, entities.Reaction, entities.Friendship]);
  const variant = { variants: [{ name: 'feed', format: 'webp', width: 1080, height: 810, key: 'images/ab/cd.webp', bytes: 5120 }], placeholder: 'AAAA' };
  const reactions = { '+1': 1, smiley: 0, sunglasses: 2, heart: 0 };

  /** One value of each entity, for a user name `u`, another `v` and a time `t` (key parts included). */
  function samples(u: string, v: string, t: string): [AnyEntity, Record<string, unknown>][] {
    const e = entities;
    const id = photoId(u, t);
    const report = { target: `photo:${id}`, reporter: v, reason: 'spam', text: 'line\nbreak', state: 'resolved', createdAt: t, resolvedAt: t, resolution: 'removed' };
    return [
      [e.User, { username: u, name: 'Ann', email: `${u}@example.com`, birthdate: '1990-01-01', address: '', status: 'hi', interests: ['x'], followers: 1, following: 2, pinnedImage: photoSk(u, t), emailVerified: true, avatar: variant, private: true }],
      [e.Photo, { username: u, timestamp: t, location: 'file:///p.png', reactions, caption: 'c', ...variant }],
      [e.Reaction, { reactingUser: v, reactionType: 'heart', photo: photoSk(u, t), timestamp: t }],
      [e.Friendship, { followedUser: u, followingUser: v, timestamp: t }],
      [e.Credentials, { username: u, passwordHash: '$scrypt$x', createdAt: t, recoveryEmail: 'a@b.c', accountId: '0f8e', passwordChangedAt: t }],
      [e.Session, { username: u, sessionId: 'AAAAAAAAAAAAAAAA', currentHash: 'h', previousHash: 'p', salt: 's', generation: 3, expiresAt: 1_900_000_000, createdAt: t, rotatedAt: 1_800_000_000, accountId: '0f8e' }],
      [e.MailToken, { username: u, purpose: 'verify-email', tokenHash: 'h', email: 'a@b.c', expiresAt: 1_900_000_000, tokenExpiresAt: 1_900_000_000, requests: 2, windowStart: 1_800_000_000 }],
      [e.MailToken, { username: u, purpose: 'undo-email', entries: [{ h: 'h', email: 'a@b.c', exp: 1_900_000_000 }], version: 2, expiresAt: 1_900_000_000 }],
      [e.LoginThrottle, { username: u, failures: 3, windowStart: 1_800_000_000, expiresAt: 1_800_001_800, lockedUntil: 1_800_000_060 }],
      [e.PasswordThrottle, { username: u, sessionId: 'AAAAAAAAAAAAAAAA', failures: 1, windowStart: 1_800_000_000, expiresAt: 1_800_001_800 }],
      [e.EmailProbes, { username: u, failures: 1, windowStart: 1_800_000_000, expiresAt: 1_800_001_800 }],
      [e.EmailClaim, { email: `${u}@example.com`, username: u, createdAt: t, accountId: '0f8e' }],
      [e.DeletionJob, { username: u, startedAt: t }],
      [e.Block, { blocker: u, blocked: v, timestamp: t }],
      [e.FollowRequest, { target: u, requester: v, timestamp: t }],
      [e.PrivateMark, { username: u }],
      [e.Report, report],
      [e.ReportQueueEntry, { ...report, target: `user:${u}`, state: 'open' }],
      [e.Notice, { owner: u, photoId: id, reason: 'spam', at: t }],
      [e.UploadSlot, { uploadId: 'u1d', username: u, key: 'uploads/u1d', contentLength: 10, contentType: 'image/png', expiresAt: 1_900_000_000, photoTimestamp: t, reserved: true, partsId: 'p', partSize: 5_242_880 }],
      [e.StorageUse, { username: u, bytes: 10 }],
      [e.HourlyUploads, { username: u, hour: '2026-11-25T12', uploads: 3, expiresAt: 1_900_000_000 }],
      [e.IdempotencyKey, { username: u, scope: 'A0f8e', digest: 'ZGlnZXN0', state: 'done', fingerprint: 'f', claimId: 'c', expiresAt: 1_900_000_000, status: 201, answer: '{}' }],
      [e.FeedEntry, { reader: v, author: u, photoTimestamp: t, expiresAt: 1_900_000_000 }],
      [e.FeedBigAuthors, { reader: v }],
      [e.CelebrityFollow, { reader: v, author: u }],
      [e.RecentPhotos, { author: u, timestamps: [t] }],
      [e.ActivityItem, { user: u, type: 'follow', actor: v, at: t, expiresAt: 1_900_000_000 }],
      [e.ActivityItem, { user: u, type: 'request', actor: v, at: t }],
      [e.ActivityItem, { user: u, type: 'reaction', actor: v, at: t, reactionType: '+1', photoOwner: u, photoTimestamp: t }],
      [e.ActivityState, { user: u, readUpTo: `A#${t}`, updatedAt: t }],
      [e.DirectoryToken, { token: u, username: u, field: 'username' }],
      [e.Checkpoint, { reader: 'stream', streamLabel: t, shardId: 'shardId-0001', sequenceNumber: '42', finished: false, owner: 'w1', leaseUntil: 1, updatedAt: t }],
      [e.DeadLetterItem, { view: 'feed', sequenceNumber: '42', change: '{}', error: 'Error: x', failedAt: t, redrives: 1 }],
      [e.WorkerHeartbeat, { view: 'feed', status: { view: 'feed', shards: [] }, updatedAt: t }],
      [e.ExploreEntry, { author: u, photoTimestamp: t }],
      [e.PopularAccount, { username: u, followers: 12 }],
      [e.ActiveAccount, { username: u, newestPhoto: t }],
      [e.TagEntry, { tag: u, photoOwner: v, photoTimestamp: t, source: 'caption' }],
      [e.TagName, { tag: u, count: 3 }],
      [e.ActivityItem, { user: u, type: 'mention', actor: v, at: t, photoOwner: v, photoTimestamp: t, source: 'caption' }],
      [e.EventLogEntry, { user: u, at: t, id: `${v}#1`, type: 'activity', ref: `A#${t}#follow#${v}`, expiresAt: 1_900_000_000 }],
      [e.EventLogEntry, { user: u, at: t, id: 'p', type: 'post', expiresAt: 1_900_000_000 }],
      [e.StreamTicket, { digest: 'ZGlnZXN0', username: u, sessionId: 'AAAAAAAAAAAAAAAA', accountId: '0f8e', issuedAt: 1, validUntil: 2, expiresAt: 1_900_000_000 }],
      [e.PushDevice, { username: u, deviceId: 'AAAAAAAAAAAAAAAAAAAAAA', kind: 'web', sessionId: 'AAAAAAAAAAAAAAAA', createdAt: t, endpoint: 'https://push.example/x', p256dh: 'k', auth: 'a', device: 'Firefox' }],
      [e.PushDevice, { username: u, deviceId: 'BBBBBBBBBBBBBBBBBBBBBB', kind: 'apns', sessionId: 'AAAAAAAAAAAAAAAA', createdAt: t, token: 'ab12' }],
      [e.PushPreferences, { username: u, kinds: { reaction: false }, updatedAt: t }],
      [e.PushCollapse, { recipient: u, kind: 'reaction', subject: `${v}/${t.slice(0, 10)}`, window: '2026-11-25T12:00', first: 'A#x', sentTo: ['AAAA'], expiresAt: 1_900_000_000 }],
      [e.Comment, { photoOwner: u, photoTimestamp: t, timestamp: t, author: v, text: 'nice\nshot', likeCount: 2, replyCount: 1, shard: 3 }],
      [e.Comment, { photoOwner: u, photoTimestamp: t, timestamp: t, author: u, parentTimestamp: t, parentAuthor: v, text: 'thanks', likeCount: 0, shard: 0 }],
      [e.CommentCount, { photoOwner: u, photoTimestamp: t, shard: 1, count: 5, p0: { timestamp: t, author: v, text: 'hi' }, p1: null }],
      [e.CommentRef, { photoOwner: u, photoTimestamp: t, timestamp: t, author: v, parentTimestamp: t, parentAuthor: u }],
      [e.CommentLike, { liker: u, photoOwner: u, photoTimestamp: t, timestamp: t, author: v, likedAt: t }],
    ];
  }
  const NAMES: [string, string, string][] = [
    ['a', 'zz', '2019-01-01T00:00:00'],
    ['user.name-1', 'a', '2026-11-25T12:00:00.123456'],
    ['zz', '_x', '2019-03-02T09:11:30'],
  ];
  const table = NAMES.flatMap(([u, v, t]) => samples(u, v, t));
  const encode = (entity: AnyEntity, value: Record<string, unknown>): RawItem => entity.encode(value as never) as unknown as RawItem;

  it('declare every item type once, with a sample here for each', () => {
    expect(new Set(ALL.map((e) => e.kind)).size).toBe(ALL.length);
    expect(new Set(ALL.map((e) => e.name)).size).toBe(ALL.length);
    for (const entity of ALL) expect(table.some(([e]) => e === entity), entity.name).toBe(true);
  });

  it.each(table.map(([entity, value]) => [entity.name, entity, value] as const))('%s: encode then decode gives back the value', (_name, entity, value) => {
    const item = encode(entity, value);
    expect(typeof item.PK).toBe('string');
    expect(typeof item.SK).toBe('string');
    expect(entity.decode(item)).toEqual(value);
    // Foreign attributes never reach callers.
    expect(entity.decode({ ...item, notDeclared: 'secret', deleting: 1 })).toEqual(value);
  });

  it.each(table.map(([entity, value]) => [entity.name, entity, value] as const))('%s: decode rejects a malformed item', (_name, entity, value) => {
    const item = encode(entity, value);
    const checked = Object.entries(item).filter(([name]) => name !== 'PK' && name !== 'SK');
    // Every attribute of the wrong type; for entities without attributes, a key that is not theirs (its parts are missing).
    const wrong: RawItem = { ...Object.fromEntries(checked.map(([name]) => [name, { wrong: true }])), PK: 'NOT#A', SK: 'KEY' };
    expect(() => entity.decode(wrong)).toThrow(CorruptItemError);
    expect(() => entity.decode({})).toThrow(CorruptItemError);
  });

  it("is() claims exactly its own entity's items, by key alone", () => {
    for (const [entity, value] of table) {
      const item = encode(entity, value);
      const claimedBy = ALL.filter((e) => e.is(item)).map((e) => e.name);
      expect(claimedBy, `${String(item.PK)} / ${String(item.SK)}`).toEqual([entity.name]);
      // The key is enough: the attributes play no part.
      expect(entity.is({ PK: item.PK, SK: item.SK })).toBe(true);
    }
    for (const entity of ALL) {
      expect(entity.is(undefined)).toBe(false);
      expect(entity.is({ username: 'a', followers: 1 })).toBe(false);
      expect(entity.is({ PK: 'USER#a', SK: '#METADATA#b' })).toBe(false);
    }
  });

  it("build keys outside the lab's ranges, except the lab's own entities", () => {
    for (const [entity, value] of table) {
      const key = encode(entity, value) as unknown as ItemKey;
      if (LAB.has(entity)) expect(labQueriesReading(key).length, `${entity.name}: ${key.PK} / ${key.SK}`).toBeGreaterThan(0);
      else expect(labQueriesReading(key), `${entity.name}: ${key.PK} / ${key.SK}`).toEqual([]);
    }
  });

  it('recognise every key a builder makes as the builder entity', () => {
    const kindOf: Record<string, string> = {
      followActivity: 'activityItem', requestActivity: 'activityItem', reactionActivity: 'activityItem', mentionActivity: 'activityItem', commentActivity: 'activityItem', idempotency: 'idempotency', reportQueue: 'reportQueue', reply: 'comment',
    };
    const builders = [...Object.entries(keys), ...Object.entries(derivedKeys)] as [string, (...args: string[]) => ItemKey][];
    for (const [name, build] of builders) {
      for (const [u, v, t] of NAMES) {
        const args = [u, t, v, 'heart', 'x'].slice(0, build.length);
        const key = build(...args);
        const entity = ALL.find((e) => e.is(key));
        expect(entity?.kind, `${name}(${args.join(', ')}) = ${key.PK} / ${key.SK}`).toBe(kindOf[name] ?? name);
        expect(parseKey(key)?.kind).toBe(entity?.kind);
      }
    }
  });
});
