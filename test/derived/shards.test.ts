import { describe, expect, it } from 'vitest';
import { inReadOrder, type ShardInfo } from '../../src/derived/stream.js';

const shard = (shardId: string, parentShardId?: string, closed = false): ShardInfo => ({ shardId, parentShardId, closed });
const ids = (shards: ShardInfo[]) => shards.map((s) => s.shardId);

describe('shards in read order', () => {
  it('puts a split parent before both children, however the listing orders them', () => {
    const listing = [shard('child-b', 'parent'), shard('other'), shard('child-a', 'parent'), shard('parent', undefined, true)];
    const order = ids(inReadOrder(listing));
    expect(order).toHaveLength(4);
    expect(order.indexOf('parent')).toBeLessThan(order.indexOf('child-a'));
    expect(order.indexOf('parent')).toBeLessThan(order.indexOf('child-b'));
    expect(new Set(order)).toEqual(new Set(ids(listing)));
  });

  it('follows a chain of rollovers listed newest first', () => {
    const listing = [shard('s3', 's2'), shard('s2', 's1', true), shard('s1', 's0', true)];
    // s0 is trimmed away: s1 is a root.
    expect(ids(inReadOrder(listing))).toEqual(['s1', 's2', 's3']);
  });

  it('keeps the listing order where no parent is involved, and survives a cycle', () => {
    expect(ids(inReadOrder([shard('b'), shard('a'), shard('c')]))).toEqual(['b', 'a', 'c']);
    const cyclic = inReadOrder([shard('x', 'y'), shard('y', 'x')]);
    expect(new Set(ids(cyclic))).toEqual(new Set(['x', 'y']));
  });
});
