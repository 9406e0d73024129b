/**
 * DynamoDB Local keeps every stream record it ever held (deleted tables' included) in one
 * SQLite table, `us`, and looks records up by stream and shard on every request without an
 * index: its CPU per request grows with every write the engine ever took (BENCHMARKS.md). It
 * creates its schema with CREATE TABLE IF NOT EXISTS, so indexes added to its database file stay
 * and SQLite maintains them. The engine refuses a file it did not create ("no such table: cf"),
 * so new files are copies of a template the engine itself wrote, indexed once.
 *
 * Everything here edits a database no engine runs on: the caller holds the directory lock.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { request } from 'node:http';
import { locateDynamoDbLocal } from './jvm.js';
import { ownedDirectory } from './owned-dirs.js';
import { targetAddress, type RelayTarget } from './relay.js';

/** The file DynamoDB Local uses under -dbPath with -sharedDb. */
export const DATABASE_FILE = 'shared-local-instance.db';

/**
 * The indexes, each for the engine's queries it serves, as the engine's own SQLite (3.8.7, in
 * sqlite4java) plans them. SequenceNumber is the table's rowid: that SQLite seeks a range of it
 * only after the columns an index names, never on the rowid named in one, so a GetRecords at the
 * tail of a stream indexed by (StreamID, SequenceNumber) alone walked all of that stream's
 * records (18 ms of JVM CPU a poll at 5,000 records, a worker polling four times a second).
 */
export const STREAM_INDEXES: Readonly<Record<string, string>> = {
  /** A stream's first record (MIN(SequenceNumber) by StreamID): DescribeStream and every write's shard check. */
  qp_us_stream: 'us(StreamID, SequenceNumber)',
  /** GetRecords: StreamID = ? AND ShardID = ? AND SequenceNumber >= ?, a range of the implicit rowid. */
  qp_us_stream_shard: 'us(StreamID, ShardID)',
  /** A shard's first and last records (by ShardID alone, in rowid order): GetRecords and GetShardIterator. */
  qp_us_shard: 'us(ShardID)',
};
const INDEX_NAMES = Object.keys(STREAM_INDEXES);

// The part of sql.js's API used here: the package ships no declarations, and a .d.ts in src
// would be a file the build cannot emit.
interface SqlDatabase {
  exec(sql: string): { columns: string[]; values: unknown[][] }[];
  export(): Uint8Array;
  close(): void;
}
interface SqlJsStatic {
  Database: new (data?: Uint8Array) => SqlDatabase;
}
type InitSqlJs = (config: { locateFile: (file: string) => string }) => Promise<SqlJsStatic>;

let sqlJs: Promise<SqlJsStatic> | undefined;
function sql(): Promise<SqlJsStatic> {
  const require = createRequire(import.meta.url);
  const init = require('sql.js') as InitSqlJs;
  sqlJs ??= init({ locateFile: (file) => join(dirname(require.resolve('sql.js')), file) });
  return sqlJs;
}

/** Writes beside the target and renames over it: a reader never sees a half-written database. */
async function writeAtomically(path: string, data: Uint8Array): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

/** Opens a database file in memory for `use`, closed after. */
async function withDatabase<T>(file: string, use: (db: SqlDatabase) => Promise<T> | T): Promise<T> {
  const db = new (await sql()).Database(await readFile(file));
  try {
    return await use(db);
  } finally {
    db.close();
  }
}

/** The names of the indexes of `us` the database file has. */
const presentIndexes = (db: SqlDatabase): string[] =>
  (db.exec(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'us'`)[0]?.values ?? []).map((row) => String(row[0]));

const missingIndexes = (db: SqlDatabase): string[] => {
  const present = new Set(presentIndexes(db));
  return INDEX_NAMES.filter((name) => !present.has(name));
};

/** Whether the database file has every index of STREAM_INDEXES. */
export function hasStreamIndex(file: string): Promise<boolean> {
  return withDatabase(file, (db) => missingIndexes(db).length === 0);
}

/** Adds the indexes the database file lacks; true when the file was rewritten. */
export function ensureStreamIndex(file: string): Promise<boolean> {
  return withDatabase(file, async (db) => {
    const missing = missingIndexes(db);
    if (missing.length === 0) return false;
    for (const name of missing) db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${STREAM_INDEXES[name]}`);
    await writeAtomically(file, db.export());
    return true;
  });
}

/**
 * Drops `names` (by default every index): tests and the benchmark, a database as written before
 * the indexes, or before some of them, existed.
 */
export function dropStreamIndex(file: string, names: readonly string[] = INDEX_NAMES): Promise<void> {
  return withDatabase(file, async (db) => {
    for (const name of names) db.exec(`DROP INDEX IF EXISTS ${name}`);
    await writeAtomically(file, db.export());
  });
}

/**
 * A ListTables call: the engine writes its database file on its first API request, not at
 * start-up. Resolves with the HTTP status.
 */
export function listTables(target: RelayTarget, timeoutMs = 10_000): Promise<number> {
  const body = '{}';
  return new Promise((done, fail) => {
    const req = request(
      {
        ...targetAddress(target),
        method: 'POST',
        path: '/',
        timeout: timeoutMs,
        agent: false,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          // DynamoDB Local checks that a signature is present, not what it signs.
          authorization: 'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => done(res.statusCode ?? 0));
      },
    );
    req.once('timeout', () => req.destroy(new Error('ListTables timed out')));
    req.once('error', fail);
    req.end(body);
  });
}

/** Runs one engine on an empty directory until it has written its schema, then stops it. */
export type SchemaWriter = (dir: string) => Promise<void>;

const templates = new Map<string, Promise<string>>();

/**
 * The indexed empty database of this DynamoDB Local release, cached in os.tmpdir() under the
 * release's name and the index set's (a template made before an index was added is not reused).
 * Processes racing to make it each write their own file and rename: the last writer wins and
 * every result is valid.
 */
export function streamIndexTemplate(writeSchema: SchemaWriter): Promise<string> {
  const release = basename(dirname(locateDynamoDbLocal().jar));
  const indexSet = createHash('sha256').update(JSON.stringify(STREAM_INDEXES)).digest('hex').slice(0, 8);
  const path = join(tmpdir(), `quick-photos-${release}-${indexSet}-template.db`);
  let made = templates.get(path);
  if (!made) {
    made = (async () => {
      if (existsSync(path)) return path;
      const scratch = await mkdtemp(join(tmpdir(), 'qp-template-'));
      try {
        await writeSchema(scratch);
        const written = join(scratch, DATABASE_FILE);
        await ensureStreamIndex(written);
        await writeAtomically(path, await readFile(written));
        return path;
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    })();
    made.catch(() => templates.delete(path));
    templates.set(path, made);
  }
  return made;
}

/**
 * Prepares an engine directory: a copy of the template when it has no database yet, else its
 * own database given the index (a directory from before the index gets it, its data intact).
 */
export async function prepareEngineDirectory(dir: string, writeSchema: SchemaWriter): Promise<void> {
  const file = join(dir, DATABASE_FILE);
  if (existsSync(file)) {
    await ensureStreamIndex(file);
    return;
  }
  await mkdir(dir, { recursive: true });
  const template = await streamIndexTemplate(writeSchema);
  const temporary = `${file}.${process.pid}.tmp`;
  await copyFile(template, temporary);
  await rename(temporary, file);
}

/**
 * Puts a scratch database, before its engine starts, in write-ahead-log mode: what
 * `PRAGMA journal_mode=WAL` records in the file, its read and write format versions (header
 * bytes 18 and 19) set to 2 (sqlite.org/fileformat2.html, "The Database Header"). The engine's
 * SQLite then commits by appending to one log instead of creating, syncing and deleting a
 * rollback journal for every write: for the request-count tests' engine (strace -c), fsync
 * 24,772 -> 6,185 and the system calls other than futex ~1.06M -> ~0.55M.
 *
 * Scratch databases only, which die with their engine: a persistent directory keeps the mode it
 * was made in, since a log not yet checkpointed is part of its data, which the index step's
 * copy of the file (ensureStreamIndex) would not see.
 */
export async function useWriteAheadLog(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.write(Uint8Array.of(2, 2), 0, 2, 18);
  } finally {
    await handle.close();
  }
}

const SCRATCH_PREFIX = 'qp-engine-db-';

/**
 * Where an in-memory engine's files live: tmpfs when /dev/shm is a writable directory. The name
 * carries the owner's pid: directories of processes that died without stopping their engine
 * (SIGKILL) are removed here, so they cannot pile up in memory (owned-dirs.ts).
 */
export async function scratchDirectory(): Promise<string> {
  for (const base of ['/dev/shm', tmpdir()]) {
    try {
      return await ownedDirectory(base, SCRATCH_PREFIX);
    } catch {
      continue; // No writable /dev/shm: the system's temporary directory.
    }
  }
  throw new Error(`cannot create a scratch directory for the engine in /dev/shm or ${tmpdir()}`);
}
