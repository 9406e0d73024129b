/** Table administration: create, add the inverted index (and wait for it), describe, delete. */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
  type DynamoDBClient,
  type CreateTableCommandInput,
  type UpdateTimeToLiveCommandInput,
} from '@aws-sdk/client-dynamodb';
import { INVERTED_INDEX } from '../schema/keys.js';
import {
  TTL_ATTRIBUTE,
  addInvertedIndexInput,
  createDerivedTableInput,
  createTableInput,
  DERIVED_TTL_ATTRIBUTE,
  invertedIndexDefinition,
  derivedTableName,
  streamSpecification,
  timeToLiveInput,
} from '../schema/table.js';
import { describeTable } from '../patterns/control.js';

// The service reads the table's status too (/ready): that read is a pattern; the rest is the operator's.
export { describeTable, type TableStatus } from '../patterns/control.js';

/**
 * CreateTable (PK/SK strings, as the lab), wait until ACTIVE, then turn on TTL for expired
 * sessions. Returns false if it already existed (its TTL setting is then left alone).
 */
export async function createTable(client: DynamoDBClient, tableName: string, maxWaitSeconds = 300): Promise<boolean> {
  return createWithTtl(client, createTableInput(tableName), timeToLiveInput(tableName), maxWaitSeconds);
}

/**
 * CreateTable unless it exists, wait until ACTIVE, and turn TTL on when this call created it
 * (an existing table's TTL setting is the operator's). Returns whether it created the table.
 */
async function createWithTtl(client: DynamoDBClient, input: CreateTableCommandInput, ttl: UpdateTimeToLiveCommandInput, maxWaitSeconds: number): Promise<boolean> {
  let created = true;
  try {
    await client.send(new CreateTableCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    created = false;
  }
  await waitUntilTableExists({ client, maxWaitTime: maxWaitSeconds, minDelay: 1, maxDelay: 5 }, { TableName: input.TableName });
  if (created) await client.send(new UpdateTimeToLiveCommand(ttl));
  return created;
}

/** Turns on TTL on the sessions' expiry attribute unless it is already on. Returns whether it changed. */
export async function ensureTimeToLive(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl?.AttributeName === TTL_ATTRIBUTE && (ttl.TimeToLiveStatus === 'ENABLED' || ttl.TimeToLiveStatus === 'ENABLING')) return false;
  await client.send(new UpdateTimeToLiveCommand(timeToLiveInput(tableName)));
  return true;
}

/**
 * UpdateTable adding InvertedIndex (HASH SK, RANGE PK, projection ALL), then waits until the
 * index is ACTIVE and done backfilling: queries before then would silently miss items.
 * Returns false if the index already existed.
 */
export async function addInvertedIndex(client: DynamoDBClient, tableName: string, maxWaitSeconds = 1800): Promise<boolean> {
  const before = await describeTable(client, tableName);
  if (!before.exists) throw new ResourceNotFoundException({ message: `Table ${tableName} does not exist.`, $metadata: {} });
  let created = false;
  if (before.index === 'missing') {
    await client.send(new UpdateTableCommand(addInvertedIndexInput(tableName)));
    created = true;
  }
  await waitForIndex(client, tableName, maxWaitSeconds);
  return created;
}

export async function waitForIndex(client: DynamoDBClient, tableName: string, maxWaitSeconds = 1800): Promise<void> {
  const deadline = Date.now() + maxWaitSeconds * 1000;
  for (let delay = 200; ; delay = Math.min(delay * 2, 5_000)) {
    const status = await describeTable(client, tableName);
    if (status.index === 'active' && status.status === 'ACTIVE') return;
    if (status.index === 'missing') throw new Error(`Table ${tableName} has no ${INVERTED_INDEX}.`);
    if (Date.now() > deadline) throw new Error(`${INVERTED_INDEX} on ${tableName} was not ACTIVE after ${maxWaitSeconds}s (now ${status.index}).`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/**
 * Without TABLE_CREATE the service only checks: a missing table (a mistyped TABLE_NAME, or a
 * deployment that skipped `table ensure`) must stop it with a clear message, not be created
 * empty. An index still being built is waited for.
 */
export async function assertTableReady(client: DynamoDBClient, tableName: string, maxWaitSeconds = 1800): Promise<void> {
  const status = await describeTable(client, tableName);
  const fix = `create it with \`quick-photos table ensure --table ${tableName}\` (or start once with TABLE_CREATE=1), or check TABLE_NAME.`;
  if (!status.exists) throw new TableMissingError(`Table ${tableName} does not exist; ${fix}`);
  if (status.index === 'missing') throw new TableMissingError(`Table ${tableName} has no ${INVERTED_INDEX}; ${fix}`);
  await waitForIndex(client, tableName, maxWaitSeconds);
}

export class TableMissingError extends Error {
  override readonly name = 'TableMissingError';
}

/**
 * The table with InvertedIndex: a missing table is created with the index in the same
 * CreateTable (a new table has nothing to backfill, so the index is ACTIVE with it; adding it
 * afterwards, as the lab's scripts do with `table create` then `table add-index`, is a second
 * wait: about a second on DynamoDB Local, minutes on AWS); an existing table without the index
 * gets it added and waited for. Returns what this call created.
 */
export async function createTableWithIndex(client: DynamoDBClient, tableName: string, maxWaitSeconds = 1800): Promise<{ createdTable: boolean; createdIndex: boolean }> {
  const input = { ...createTableInput(tableName), GlobalSecondaryIndexes: [invertedIndexDefinition] };
  const createdTable = await createWithTtl(client, input, timeToLiveInput(tableName), 300);
  // Made here with the index, or by another caller meanwhile (with or without it): look again.
  const createdIndex = await addInvertedIndex(client, tableName, maxWaitSeconds);
  return { createdTable, createdIndex: createdTable || createdIndex };
}

/** What `ensureTable` changed; every field false on a table that needed nothing. */
export interface EnsuredTable {
  createdTable: boolean;
  createdIndex: boolean;
  /** TTL turned on here for a table that existed without it (a new table gets it as it is created). */
  ttlEnabled: boolean;
  streamEnabled: boolean;
  derivedCreated: boolean;
}

/**
 * Whatever is missing: the table with its index, TTL on the sessions' expiry, the stream and the
 * derived table. The one table step: `quick-photos table ensure` and a start with TABLE_CREATE=1
 * run this same function (and the deployment's table policy is tested against it).
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<EnsuredTable> {
  const { createdTable, createdIndex } = await createTableWithIndex(client, tableName);
  // A table this call created has its TTL and its stream from its creation: no need to look.
  const ttlEnabled = createdTable ? false : await ensureTimeToLive(client, tableName);
  const streamEnabled = createdTable ? false : await ensureStream(client, tableName);
  const derivedCreated = await ensureDerivedTable(client, tableName);
  return { createdTable, createdIndex, ttlEnabled, streamEnabled, derivedCreated };
}

/** Turns the stream on for a table created before feeds existed (new tables have it from CreateTable). */
export async function ensureStream(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const { description } = await describeTable(client, tableName);
  if (description?.StreamSpecification?.StreamEnabled) return false;
  await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: streamSpecification }));
  await waitUntilTableExists({ client, maxWaitTime: 300, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
  return true;
}

/** The derived table (feeds, activity, directory, checkpoints) with TTL on `expiresAt`. */
export async function ensureDerivedTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  const name = derivedTableName(tableName);
  return createWithTtl(client, createDerivedTableInput(tableName), { TableName: name, TimeToLiveSpecification: { AttributeName: DERIVED_TTL_ATTRIBUTE, Enabled: true } }, 300);
}

/** DeleteTable (and its derived table) and wait until gone. Returns false if there was nothing to delete. */
export async function deleteTable(client: DynamoDBClient, tableName: string, maxWaitSeconds = 300): Promise<boolean> {
  await deleteOne(client, derivedTableName(tableName), maxWaitSeconds);
  return deleteOne(client, tableName, maxWaitSeconds);
}

async function deleteOne(client: DynamoDBClient, tableName: string, maxWaitSeconds: number): Promise<boolean> {
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
  await waitUntilTableNotExists({ client, maxWaitTime: maxWaitSeconds, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
  return true;
}
