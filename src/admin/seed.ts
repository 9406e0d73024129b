/**
 * Sample data for `npm start` on an empty table, from the project's seeded generator: users,
 * photos with real generated pictures (variants, placeholders, captions), avatars, and in
 * development one shared demo password for every sample user.
 *
 * The load is all or nothing from the operator's view: a marker file in the data directory
 * says a load began and is removed only once it finished, so a start that could not finish
 * (after retrying) stops, and the next start loads again: every write is a put of the same
 * seeded item (and the same pictures), so loading twice leaves what loading once would.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { backoff } from '../backoff.js';
import type { BlobStore } from '../blobs/index.js';
import type { DocClient } from '../engine/doc-client.js';
import { credentialsItem, hashPassword } from '../patterns/accounts/index.js';
import type { StoredImage } from '../schema/entities.js';
import { Photo, User } from '../schema/entities/index.js';
import type { ItemOf } from '../schema/entity.js';
import { GENERATE_DEFAULTS, generateItems, type GeneratedItem } from './generate.js';
import { loadItems, type LoadOptions, type LoadResult } from './load.js';
import { eachLimited } from '../limit.js';
import { createSamplePictures, sampleCaption } from './sample-images.js';

export interface SeedOptions {
  users?: number;
  seed?: number;
  /** With a store: pictures for every photo and an avatar per user. */
  blobs?: BlobStore;
  /** Development only: every sample user can log in with this password. */
  demoPassword?: string;
  /** The bulk load's retries (tests shorten them). */
  retry?: LoadOptions['retry'];
}

export const SEED_DEFAULTS = { users: 50, seed: GENERATE_DEFAULTS.seed } as const;

/** The password `npm start` gives the sample users in development (and prints). */
export const DEMO_PASSWORD = 'quick-photos-demo';

export interface SeedResult extends LoadResult {
  images: number;
  /** A sample username to log in as (with the demo password). */
  sampleUser: string | undefined;
}

async function* jsonLines(items: AsyncIterable<unknown> | Iterable<unknown>): AsyncGenerator<string> {
  for await (const item of items) yield JSON.stringify(item);
}

/** A picture is drawn and stored again when that failed (a busy disk or store); each try writes the same files. */
const PICTURE_ATTEMPTS = 3;

async function retried(task: () => Promise<void>, attempts: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await backoff(attempt, 100, 2_000);
    }
  }
}

const isUser = (item: GeneratedItem): boolean => User.is(item);
const isPhoto = (item: GeneratedItem): item is ItemOf<typeof Photo> => Photo.is(item);

/** Generates a small dataset (50 users, seed 42 by default) and bulk-loads it, as `load` would a file. */
export async function seedSampleData(doc: DocClient, table: string, options: SeedOptions = {}): Promise<SeedResult> {
  const generate = () => generateItems({ users: options.users ?? SEED_DEFAULTS.users, seed: options.seed ?? SEED_DEFAULTS.seed });
  const { blobs } = options;

  // Pictures first (a few at a time), so each item is written once, complete.
  const photos = new Map<string, { image: StoredImage; location: string }>();
  const avatars = new Map<string, StoredImage>();
  if (blobs) {
    const pictures = createSamplePictures(blobs);
    const work: (() => Promise<void>)[] = [];
    for (const item of generate()) {
      if (isUser(item)) {
        const username = String((item as { username: string }).username);
        work.push(async () => void avatars.set(username, await pictures.avatar(username)));
      } else if (isPhoto(item)) {
        work.push(async () => void photos.set(item.SK, await pictures.photo(item.username, item.timestamp)));
      }
    }
    await eachLimited(work, 4, (task) => retried(task, PICTURE_ATTEMPTS));
  }
  const passwordHash = options.demoPassword ? await hashPassword(options.demoPassword) : undefined;

  function* items(): Generator<unknown> {
    for (const item of generate()) {
      if (isPhoto(item)) {
        const picture = photos.get(item.SK);
        yield picture
          ? { ...item, location: picture.location, caption: sampleCaption(item.username, item.timestamp), variants: picture.image.variants, placeholder: picture.image.placeholder }
          : item;
      } else if (isUser(item)) {
        const username = String((item as { username: string }).username);
        const avatar = avatars.get(username);
        yield avatar ? { ...item, avatar } : item;
        // One hash for every sample user: hashing 50 times would cost seconds for nothing.
        if (passwordHash) yield credentialsItem(username, passwordHash);
      } else {
        yield item;
      }
    }
  }

  const result = await loadItems(doc, table, jsonLines(items()), options.retry ? { retry: options.retry } : {});
  // Generated items are valid by construction; a bad one is a bug, not data to skip.
  if (result.badLines.length > 0) throw new Error(`Sample data had ${result.badLines.length} invalid items (first: ${result.badLines[0]?.error}).`);
  return { ...result, images: photos.size + avatars.size, sampleUser: sampleLogin(options) };
}

/** The first sample user's name (the generator is seeded, so it is always the same one). */
export function sampleLogin(options: Pick<SeedOptions, 'users' | 'seed'> = {}): string | undefined {
  for (const item of generateItems({ users: options.users ?? SEED_DEFAULTS.users, seed: options.seed ?? SEED_DEFAULTS.seed })) {
    if (isUser(item)) return String((item as { username: string }).username);
  }
  return undefined;
}

/** Sample data did not load completely: the start stops, and the message says what to do. */
export class SampleDataError extends Error {
  override readonly name = 'SampleDataError';
}

/** Where a load in progress of `table`'s sample data is marked, under the data directory. */
export const sampleDataMarker = (dataDir: string, table: string): string => join(dataDir, `sample-data-pending.${encodeURIComponent(table)}`);

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)),
  );

/**
 * Loads the sample data into a table just created, or finishes a load an earlier start left
 * unfinished (its marker is still there); otherwise does nothing and returns undefined.
 * A load that cannot complete after its retries is a SampleDataError of one line.
 */
export async function ensureSampleData(
  doc: DocClient,
  table: string,
  options: SeedOptions & { createdTable: boolean; marker: string },
): Promise<SeedResult | undefined> {
  const { createdTable, marker, ...seed } = options;
  if (!createdTable && !(await exists(marker))) return undefined;
  await mkdir(dirname(marker), { recursive: true });
  await writeFile(marker, `Sample data of table ${table} began loading at ${new Date().toISOString()}; the next start finishes it.\n`);
  let result: SeedResult;
  try {
    result = await seedSampleData(doc, table, seed);
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';
    throw new SampleDataError(
      `the sample data of table ${table} loaded only partly (${why}); start again to finish loading it (on a busy machine, once it is quieter).`,
      { cause: error },
    );
  }
  await rm(marker, { force: true });
  return result;
}
