/**
 * Prints the API's OpenAPI document (the same one `/openapi.json` serves) without a database:
 * the document depends only on the routes. `npm run openapi > openapi.json`.
 */
import { buildApp } from '../src/http/app.js';
import { loadConfig } from '../src/config/index.js';
import { createLocalBlobStore } from '../src/blobs/index.js';
import { createCursorCodec } from '../src/patterns/cursor.js';
import type { AppDeps } from '../src/http/app.js';

export async function openapiDocument(): Promise<unknown> {
  const config = loadConfig({ JWT_SECRET: 'openapi-document-only-0123456789abcdef', DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' });
  // Nothing is called: building the routes needs the dependencies' shapes, not a live engine.
  const deps = {
    db: { doc: undefined, table: config.tableName, cursors: createCursorCodec('openapi-document-only') },
    client: undefined,
    config,
    blobs: createLocalBlobStore('data/photos'),
  } as unknown as AppDeps;
  const app = await buildApp(deps);
  try {
    return app.swagger();
  } finally {
    await app.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await openapiDocument(), null, 2)}\n`);
}
