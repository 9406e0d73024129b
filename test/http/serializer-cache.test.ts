/**
 * Response serializers are compiled once per process (src/http/serializer.ts): a second app
 * reuses every one the first compiled, and what a reused serializer writes is byte for byte
 * what Fastify's own compiler, compiling afresh, writes for the same schema and value.
 */
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedSerializerFactory, serializerStats } from '../../src/http/serializer.js';
import { PhotoView, PrivateUser } from '../../src/http/schemas.js';
import { signUp, startApi, type Api } from './support.js';

const fresh = (schema: unknown) => SerializerSelector()({}, {})({ schema, method: 'GET', url: '/', httpStatus: '200' });
const cached = (schema: unknown) => cachedSerializerFactory({}, {})({ schema, method: 'GET', url: '/', httpStatus: '200' });

describe('compiled response serializers', () => {
  let first: Api;
  let second: Api;
  let bySecond = { compiled: 0, reused: 0 };

  beforeAll(async () => {
    first = await startApi();
    const before = serializerStats();
    second = await startApi();
    const after = serializerStats();
    bySecond = { compiled: after.compiled - before.compiled, reused: after.reused - before.reused };
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  it('are reused by a second app in the process', () => {
    // Every response schema of the app (well over a hundred) came from the first app's compilations.
    expect(bySecond.reused).toBeGreaterThan(100);
    expect(bySecond.compiled).toBe(0);
  });

  it("write a real answer as Fastify's own compiler does", async () => {
    await signUp(second, 'serial_ann');
    const session = await signUp(second, 'serial_bob');
    const me = await second.call('GET', '/v1/me', { token: session.accessToken });
    expect(me.status).toBe(200);
    expect(me.bytes.toString('utf8')).toBe(fresh(PrivateUser)(me.body));
  });

  it('give the same serializer for the same or an equal schema, and the same bytes as a fresh one', () => {
    expect(cached(PhotoView)).toBe(cached(PhotoView));
    // A schema built again per registration (equal JSON, a new object) finds the same serializer.
    const built = () => Type.Object({ n: Type.Integer(), tags: Type.Array(Type.String()), note: Type.Optional(Type.Union([Type.String(), Type.Null()])) });
    expect(cached(built())).toBe(cached(built()));
    const photo = {
      id: 'p1',
      username: 'ann',
      timestamp: '2026-12-05T10:00:00.000Z',
      reactions: { '+1': 2, smiley: 0, sunglasses: 1, heart: 0 },
      entities: { tags: [], mentions: [] },
      commentsOff: false,
      caption: 'quotes " and \\ and \u2028',
      width: 640,
      extra: 'dropped, not in the schema',
    };
    expect(cached(PhotoView)(photo)).toBe(fresh(PhotoView)(photo));
    const values = [{ n: 1, tags: ['a'], note: null }, { n: 2.7, tags: [], note: 'x' }, { n: 3, tags: ['b', 'c'] }];
    for (const value of values) expect(cached(built())(value)).toBe(fresh(built())(value));
  });
});
