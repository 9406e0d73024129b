/**
 * The check-first validator compiler (src/http/validator.ts) answers exactly as the type
 * provider's own compiler does, for values that pass as they are, values that need converting
 * ("5" -> 5, "true" -> true, one value -> a list) and values that fail, on the API's own
 * params and query schemas and on a few shapes they do not use yet.
 */
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from 'typebox';
import { describe, expect, it } from 'vitest';
import { PageQuery, PhotoParams, ReactionParams, UserParams } from '../../src/http/schemas.js';
import { CheckFirstValidatorCompiler } from '../../src/http/validator.js';

const Mixed = Type.Object({
  flag: Type.Optional(Type.Boolean()),
  tags: Type.Optional(Type.Array(Type.String())),
  either: Type.Optional(Type.Union([Type.Literal('profile'), Type.Number()])),
  n: Type.Optional(Type.Number()),
});

const cases: [string, TSchema, unknown[]][] = [
  ['UserParams', UserParams, [{ username: 'ann' }, { username: 'Ann Smith' }, { username: '' }, {}]],
  ['PhotoParams', PhotoParams, [{ photoId: 'YW5uIzIwMjYtMDEtMDFUMDA6MDA6MDA' }, { photoId: 'not a photo id!' }]],
  ['ReactionParams', ReactionParams, [{ photoId: 'YW5uIzIwMjYtMDEtMDFUMDA6MDA6MDA', type: 'heart' }, { photoId: 'x', type: 'nope' }]],
  ['PageQuery', PageQuery, [{}, { limit: '5' }, { limit: 5 }, { limit: '0' }, { limit: 'many' }, { limit: '101' }, { cursor: 'abc', limit: '20' }, { extra: '1' }]],
  ['Mixed', Mixed, [{}, { flag: 'true' }, { flag: true }, { tags: 'one' }, { tags: ['a', 'b'] }, { either: 'profile' }, { either: '7' }, { either: 'x' }, { n: '1.5' }, { n: 'x' }]],
];

describe('the check-first validator compiler', () => {
  it.each(cases)('answers as the provider does on %s', (_name, schema, values) => {
    for (const httpPart of ['params', 'querystring'] as const) {
      const route = { schema, method: 'GET', url: '/x', httpPart };
      const reference = TypeBoxValidatorCompiler(route);
      const ours = CheckFirstValidatorCompiler(route);
      for (const value of values) {
        const expected = reference(structuredClone(value)) as { value?: unknown; error?: Iterable<unknown> };
        const actual = ours(structuredClone(value)) as { value?: unknown; error?: Iterable<unknown> };
        expect('error' in actual, JSON.stringify(value)).toBe('error' in expected);
        if ('error' in expected) expect([...actual.error!]).toEqual([...expected.error!]);
        else expect(actual.value).toEqual(expected.value);
      }
    }
  });
});
