/**
 * Fastify's own response serializers (fast-json-stringify, through the compiler Fastify uses by
 * default, so the bytes are the same), compiled once per schema per process instead of once per
 * app. Compiling them was ~220 ms of the ~300 ms an app costs to build; production builds one app,
 * but the tests and benchmarks build well over a hundred in a few processes.
 *
 * A compiled serializer is a pure function of its schema and of the compiler's inputs (the shared
 * schemas added with addSchema, serializerOpts): it is reused only when those are empty, as this
 * app's are; anything else compiles as Fastify would.
 */
import { SerializerSelector, type SerializerFactory, type Serializer } from '@fastify/fast-json-stringify-compiler';

const compileDefault = SerializerSelector()({}, {});

/** The same route schema object comes back when a module's route is registered again. */
const byIdentity = new WeakMap<object, Serializer>();
/** Schemas built per registration: equal JSON, equal serializer (fast-json-stringify reads only JSON). */
const byContent = new Map<string, Serializer>();
/** The app has a few hundred response schemas; past this, compile without keeping. */
const MAX_BY_CONTENT = 2_000;

const stats = { compiled: 0, reused: 0 };

/** Serializers compiled and reused so far in this process (tests check the reuse). */
export function serializerStats(): { compiled: number; reused: number } {
  return { ...stats };
}

const isEmpty = (value: unknown): boolean => value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0);

export const cachedSerializerFactory: SerializerFactory = (externalSchemas, options) => {
  const fallback = SerializerSelector();
  if (!isEmpty(externalSchemas) || !isEmpty(options)) return fallback(externalSchemas, options);
  return (route) => {
    const { schema } = route;
    if (typeof schema !== 'object' || schema === null) return compileDefault(route);
    const known = byIdentity.get(schema);
    if (known) {
      stats.reused += 1;
      return known;
    }
    const key = JSON.stringify(schema);
    let serializer = byContent.get(key);
    if (serializer) stats.reused += 1;
    else {
      serializer = compileDefault(route);
      stats.compiled += 1;
      if (byContent.size < MAX_BY_CONTENT) byContent.set(key, serializer);
    }
    byIdentity.set(schema, serializer);
    return serializer;
  };
};
