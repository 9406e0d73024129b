/**
 * The OpenAPI document. Route schemas are written inline (TypeBox, next to each route);
 * every schema that carries a `title` is a named type of the API, so this moves it into
 * components.schemas once and leaves a $ref wherever it appeared. Generated clients then get
 * `Photo`, `ErrorResponse`... instead of the same anonymous shape inlined at every use.
 */
import { STATUS_CODES } from 'node:http';
import type { SwaggerOptions } from '@fastify/swagger';

type Json = unknown;
type Schemas = Record<string, Json>;

const isObject = (value: Json): value is Record<string, Json> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Returns the schema with named subschemas replaced by refs, recording each name once. */
function hoist(node: Json, named: Schemas, inSchema: boolean): Json {
  if (Array.isArray(node)) return node.map((item) => hoist(item, named, inSchema));
  if (!isObject(node)) return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    // `examples` and `example` hold data, not schemas: a title inside them is just a value.
    out[key] = key === 'examples' || key === 'example' ? value : hoist(value, named, inSchema || key === 'schema');
  }
  const title = out.title;
  if (!inSchema || typeof title !== 'string' || !('type' in out || 'allOf' in out || 'anyOf' in out)) return out;
  const existing = named[title];
  const definition = JSON.stringify(out);
  if (existing !== undefined && JSON.stringify(existing) !== definition) {
    throw new Error(`Two different schemas are both named ${title}; give one another title.`);
  }
  named[title] = out;
  return { $ref: `#/components/schemas/${title}` };
}

/** Fastify names every response "Default Response"; the status text says more. */
function describeResponses(paths: Json): void {
  if (!isObject(paths)) return;
  for (const operations of Object.values(paths)) {
    if (!isObject(operations)) continue;
    for (const operation of Object.values(operations)) {
      const responses = isObject(operation) ? operation.responses : undefined;
      if (!isObject(responses)) continue;
      for (const [status, response] of Object.entries(responses)) {
        if (isObject(response) && response.description === 'Default Response') response.description = STATUS_CODES[Number(status)] ?? 'Response';
      }
    }
  }
}

export function hoistNamedSchemas<T extends { paths?: Json; components?: Json }>(document: T): T {
  const named: Schemas = {};
  const paths = hoist(document.paths, named, false);
  describeResponses(paths);
  const components = isObject(document.components) ? document.components : {};
  const existing = isObject(components.schemas) ? components.schemas : {};
  const schemas = Object.fromEntries(Object.entries({ ...existing, ...named }).sort(([a], [b]) => a.localeCompare(b)));
  return { ...document, paths, components: { ...components, schemas } };
}

export const openapiOptions: SwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'quick-photos API',
      version: '1.0.0',
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Photo sharing for mobile clients. Sign up or log in at /v1/accounts and /v1/sessions, then send ' +
        '"Authorization: Bearer <accessToken>". Lists take limit and cursor and return { items, nextCursor }. ' +
        'Errors are { error: { code, message, details? } }; each operation lists the codes it may answer. ' +
        'PUT and DELETE are idempotent. Timestamps are UTC with their zone.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'accounts', description: 'Sign up, log in, sessions' },
      { name: 'users', description: 'Profiles' },
      { name: 'photos', description: 'Photos and their images' },
      { name: 'reactions', description: 'Reactions to photos' },
      { name: 'comments', description: 'Comments and replies on photos, and their likes' },
      { name: 'follows', description: 'Who follows whom' },
      { name: 'system', description: 'Probes' },
      { name: 'tags', description: 'Hashtags: tag pages and tag search' },
    ],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        streamTicket: { type: 'apiKey', in: 'query', name: 'ticket', description: 'Single use, from POST /v1/me/events/ticket (GET /v1/me/events only)' },
      },
    },
  },
  transformObject: (documentObject) => {
    if (!('openapiObject' in documentObject)) return documentObject.swaggerObject;
    return hoistNamedSchemas(documentObject.openapiObject);
  },
};
