/** Sample data for `npm start` on an empty table, from the project's seeded generator. */
import type { DocClient } from '../engine/doc-client.js';
import { GENERATE_DEFAULTS, generateItems } from './generate.js';
import { loadItems, type LoadResult } from './load.js';

export interface SeedOptions {
  users?: number;
  seed?: number;
}

export const SEED_DEFAULTS = { users: 50, seed: GENERATE_DEFAULTS.seed } as const;

function* jsonLines(items: Iterable<unknown>): Generator<string> {
  for (const item of items) yield JSON.stringify(item);
}

/** Generates a small dataset (50 users, seed 42 by default) and bulk-loads it, as `load` would a file. */
export async function seedSampleData(doc: DocClient, table: string, options: SeedOptions = {}): Promise<LoadResult> {
  const items = generateItems({ users: options.users ?? SEED_DEFAULTS.users, seed: options.seed ?? SEED_DEFAULTS.seed });
  const result = await loadItems(doc, table, jsonLines(items));
  // Generated items are valid by construction; a bad one is a bug, not data to skip.
  if (result.badLines.length > 0) throw new Error(`Sample data had ${result.badLines.length} invalid items (first: ${result.badLines[0]?.error}).`);
  return result;
}
