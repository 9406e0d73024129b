/**
 * The type provider's validator compiler, checking first. @fastify/type-provider-typebox runs
 * TypeBox's interpretive `Value.Convert` over the params, querystring and headers of every
 * request before its compiled check (to turn `"5"` into `5`); on a write that walk cost more
 * than the rest of validation (BENCHMARKS.md). Converting a value that already passes the
 * compiled check changes nothing, so such a value is returned as it is; any other value takes
 * the provider's own path (convert, then check, then its errors), unchanged.
 */
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

export const CheckFirstValidatorCompiler: FastifySchemaCompiler<TSchema> = (route) => {
  const convertThenCheck = TypeBoxValidatorCompiler(route);
  // Bodies are never converted by the provider: its path is already the compiled check alone.
  if (route.httpPart === 'body') return convertThenCheck;
  const check = Compile(route.schema);
  return (value) => (check.Check(value) ? { value } : convertThenCheck(value));
};
