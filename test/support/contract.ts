/**
 * The API contract as the tests hold it: every HTTP answer any test receives is checked
 * against the OpenAPI document that clients are generated from (client/openapi.json, kept in
 * sync by test/contract/client.test.ts): its status must be declared for the operation, its
 * body must match the declared schema, and an error's code must be one the operation lists.
 * So the document cannot drift from the behaviour without a test failing.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Route {
  method: string;
  pattern: RegExp;
  operation: Operation;
}
type Document = { paths: Record<string, Record<string, Operation>>; components: unknown };

export const CONTRACT_FILE = new URL('../../client/openapi.json', import.meta.url).pathname;

let loaded: { routes: Route[]; document: Document } | undefined;
/** By the schema's text: most operations share their error schemas, so ~600 answers are ~130 schemas. */
const validators = new Map<string, ValidateFunction>();
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addFormat('binary', true);
/** The components, added once under this id, are compiled once for every schema that refers to them. */
const COMPONENTS_ID = 'contract.json';

function contract() {
  if (loaded) return loaded;
  const document = JSON.parse(readFileSync(CONTRACT_FILE, 'utf8')) as Document;
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    const pattern = new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/}]+\}/g, '[^/]+')}$`);
    for (const [method, operation] of Object.entries(operations)) routes.push({ method: method.toUpperCase(), pattern, operation });
  }
  // Literal segments win over parameters (/users/me/x before /users/{username}/x).
  routes.sort((a, b) => b.pattern.source.replace(/\[\^\/\]\+/g, '').length - a.pattern.source.replace(/\[\^\/\]\+/g, '').length);
  ajv.addSchema({ $id: COMPONENTS_ID, components: document.components });
  loaded = { routes, document };
  return loaded;
}

/** The document's schema objects, each looked up by its text once. */
const bySchema = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  const known = bySchema.get(schema);
  if (known) return known;
  // Refs point at #/components/... of the document: aimed at the components added once instead.
  const text = JSON.stringify(schema).replaceAll('"#/components/', `"${COMPONENTS_ID}#/components/`);
  let validate = validators.get(text);
  if (!validate) {
    validate = ajv.compile(JSON.parse(text) as object);
    validators.set(text, validate);
  }
  bySchema.set(schema, validate);
  return validate;
}

/** Throws when an answer breaks the contract; answers to paths the API does not serve are not checked. */
export function assertContract(method: string, url: string, status: number, contentType: string, body: unknown): void {
  const path = new URL(url, 'http://x').pathname;
  const route = contract().routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(path));
  if (!route) return;
  const where = `${method} ${path} (${route.operation.operationId}) answered ${status}`;
  // Refused before routing (URI or headers too long), or a conditional GET's 304: no
  // operation's own answer.
  if (status === 414 || status === 431 || status === 304) return;
  // The router matched no route (a parameter past its length limit, say): no operation answered.
  if (status === 404 && (body as { error?: { code?: unknown } } | undefined)?.error?.code === 'ROUTE_NOT_FOUND') return;
  const declared = route.operation.responses[String(status)];
  if (!declared) throw new Error(`${where}, a status its OpenAPI operation does not declare.`);
  if (!contentType.includes('json')) return;
  const schema = declared.content?.['application/json']?.schema;
  if (schema === undefined) throw new Error(`${where} with a JSON body its OpenAPI operation does not describe.`);
  const validate = validatorFor(schema as object);
  if (!validate(body)) {
    throw new Error(`${where} with a body that breaks its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
  }
}
