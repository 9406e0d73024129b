/**
 * Regenerates the typed client in client/ from the API's OpenAPI document:
 * client/openapi.json (the contract, reviewed in diffs) and client/src/ (types and one
 * function per operation, by @hey-api/openapi-ts with its fetch client). `npm run client`.
 * test/contract/client.test.ts fails when either is out of date.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createClient } from '@hey-api/openapi-ts';
import { openapiDocument } from './openapi.js';

export const CLIENT_DIR = new URL('../client/', import.meta.url).pathname;

/** Writes the document and the generated sources under `dir` (client/ by default). */
export async function generateClient(dir = CLIENT_DIR): Promise<void> {
  const document = `${JSON.stringify(await openapiDocument(), null, 2)}\n`;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'openapi.json'), document);
  await rm(join(dir, 'src'), { recursive: true, force: true });
  await createClient({
    input: join(dir, 'openapi.json'),
    output: { path: join(dir, 'src'), importFileExtension: '.js' },
    plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
    logs: { level: 'silent', file: false },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await generateClient();
  process.stdout.write(`client regenerated in ${CLIENT_DIR}\n`);
}
