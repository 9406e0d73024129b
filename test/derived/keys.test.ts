/**
 * Derived items live in their own table, out of every lab query's reach; their keys would stay
 * out of the lab's ranges even in the main table (should they ever be moved there).
 */
import { describe, expect, it } from 'vitest';
import { classifyDerivedKey, derivedKeys, EXPLORE_SHARDS, exploreShard, feedPosition, labQueriesReading, parseFeedPosition, type ItemKey } from '../../src/schema/keys.js';
import { derivedTableName } from '../../src/schema/table.js';

// Every argument is a username, a timestamp, a reaction type, a search token or a shard id: none holds `#` or upper case.
const samples = ['a', 'zz', 'user.name-1', '2019-01-01T00:00:00', '2026-11-25T12:00:00.123456', 'heart', '+1', '0', 'john perry', 'shardId-00000001'];

describe('derived keys', () => {
  it('go to <table>-derived and never into a lab query range', () => {
    expect(derivedTableName('quick-photos')).toBe('quick-photos-derived');
    for (const [name, build] of Object.entries(derivedKeys) as [string, (...args: string[]) => ItemKey][]) {
      for (let i = 0; i < samples.length; i++) {
        const args = Array.from({ length: Math.max(build.length, 1) }, (_, j) => samples[(i + j) % samples.length] ?? 'a');
        const key = build(...args);
        expect(labQueriesReading(key), `${name}(${args.join(', ')}) = ${key.PK} / ${key.SK}`).toEqual([]);
      }
    }
  });

  it('read back what they were built from; feed positions sort chronologically across both timestamp forms', () => {
    expect(classifyDerivedKey(derivedKeys.feedEntry('ann', 'bob', '2019-01-01T00:00:00'))).toEqual({ kind: 'feedEntry', reader: 'ann', author: 'bob', timestamp: '2019-01-01T00:00:00' });
    expect(parseFeedPosition(feedPosition('bob', '2026-11-25T12:00:00.123456'))).toEqual({ author: 'bob', timestamp: '2026-11-25T12:00:00.123456' });
    // The data's second-precision form sorts before the product's microsecond form of the same second.
    expect(feedPosition('zed', '2019-03-02T09:11:30') < feedPosition('abe', '2019-03-02T09:11:30.000001')).toBe(true);
    expect(feedPosition('abe', '2019-03-02T09:11:29.999999') < feedPosition('zed', '2019-03-02T09:11:30')).toBe(true);
    expect(classifyDerivedKey(derivedKeys.activityState('ann'))).toEqual({ kind: 'other' });
    // The big-authors item shares the feed partition but is no entry: it sorts above every position.
    expect(classifyDerivedKey(derivedKeys.feedBigAuthors('ann'))).toEqual({ kind: 'feedBigAuthors', reader: 'ann' });
    expect(derivedKeys.feedBigAuthors('ann').SK > derivedKeys.feedEntry('ann', 'bob', '9999-12-31T23:59:59').SK).toBe(true);
    expect(classifyDerivedKey(derivedKeys.followActivity('ann', '2019-01-01T00:00:00', 'bob'))).toEqual({ kind: 'activity', user: 'ann' });
  });

  it('Explore entries spread over the partitions by author, and people lists sort by count and time', () => {
    expect(classifyDerivedKey(derivedKeys.exploreEntry('bob', '2019-01-01T00:00:00'))).toEqual({ kind: 'exploreEntry', author: 'bob', timestamp: '2019-01-01T00:00:00' });
    const shards = new Set(Array.from({ length: 64 }, (_, i) => exploreShard(`user${i}`)));
    expect([...shards].sort()).toEqual(Array.from({ length: EXPLORE_SHARDS }, (_, i) => i));
    expect(derivedKeys.exploreEntry('bob', 'x').PK).toBe(derivedKeys.exploreEntry('bob', 'y').PK);
    expect(classifyDerivedKey(derivedKeys.popularAccount('ann', 12))).toEqual({ kind: 'people', list: 'popular', username: 'ann', rank: '0000000012' });
    // Numeric order, not text order: 100 followers sort above 12.
    expect(derivedKeys.popularAccount('zed', 100).SK > derivedKeys.popularAccount('abe', 12).SK).toBe(true);
    expect(classifyDerivedKey(derivedKeys.activeAccount('ann', '2019-01-01T00:00:00'))).toEqual({ kind: 'people', list: 'active', username: 'ann', rank: '2019-01-01T00:00:00' });
  });
});
