/**
 * ensureTable (what npm start, `table ensure` and the tests run): a new table comes with its
 * index in the same CreateTable; a table created before feeds existed gets its index, TTL, stream
 * and derived table; one made by the lab's first script gets the index added.
 */
import { CreateTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createTable, deleteTable, describeTable, ensureTable } from '../../src/admin/table.js';
import { attachMetrics, requestCounts } from '../../src/engine/metrics.js';
import { createTableInput, derivedTableName, TTL_ATTRIBUTE } from '../../src/schema/table.js';
import { testClients, uniqueTableName } from '../support/db.js';

const { client } = testClients();
const table = uniqueTableName('legacy');
const fresh = uniqueTableName('fresh');
const labMade = uniqueTableName('lab');

afterAll(async () => {
  for (const name of [table, fresh, labMade]) await deleteTable(client, name);
  client.destroy();
});

describe('ensureTable on a missing table', () => {
  it('creates it with InvertedIndex in the one CreateTable, active at once: no UpdateTable, no wait for a backfill', async () => {
    const metrics = attachMetrics(client);
    try {
      expect(await ensureTable(client, fresh)).toEqual({ createdTable: true, createdIndex: true, ttlEnabled: false, streamEnabled: false, derivedCreated: true });
      const counts = requestCounts(metrics.snapshot());
      expect(counts.CreateTable).toBe(2); // the table and its derived table
      expect(counts.UpdateTable).toBeUndefined();
      // Its TTL and stream came with its creation: nothing looked up again.
      expect(counts.DescribeTimeToLive).toBeUndefined();
    } finally {
      metrics.detach();
    }
    expect(await describeTable(client, fresh)).toMatchObject({ status: 'ACTIVE', index: 'active' });
    expect(await ensureTable(client, fresh)).toEqual({ createdTable: false, createdIndex: false, ttlEnabled: false, streamEnabled: false, derivedCreated: false });
  });

  it("adds the index to a table made without it (the lab's create_table, then add_inverted_index)", async () => {
    await createTable(client, labMade);
    expect((await describeTable(client, labMade)).index).toBe('missing');
    expect(await ensureTable(client, labMade)).toEqual({ createdTable: false, createdIndex: true, ttlEnabled: false, streamEnabled: false, derivedCreated: true });
    expect(await describeTable(client, labMade)).toMatchObject({ status: 'ACTIVE', index: 'active' });
  });
});

describe('ensureTable on an older table', () => {
  it('turns TTL and the stream on and creates the derived table with TTL; a second run changes nothing', async () => {
    const { StreamSpecification: _stream, ...withoutStream } = createTableInput(table);
    await client.send(new CreateTableCommand(withoutStream));
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: table });
    expect((await client.send(new DescribeTableCommand({ TableName: table }))).Table?.StreamSpecification?.StreamEnabled).not.toBe(true);

    // What `table ensure` did and a start with TABLE_CREATE=1 did not: TTL on an existing table.
    expect(await ensureTable(client, table)).toEqual({ createdTable: false, createdIndex: true, ttlEnabled: true, streamEnabled: true, derivedCreated: true });
    expect((await client.send(new DescribeTimeToLiveCommand({ TableName: table }))).TimeToLiveDescription?.AttributeName).toBe(TTL_ATTRIBUTE);
    const described = (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
    expect(described?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const derived = (await client.send(new DescribeTableCommand({ TableName: derivedTableName(table) }))).Table;
    expect(derived?.TableStatus).toBe('ACTIVE');
    expect(derived?.GlobalSecondaryIndexes).toBeUndefined();
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: derivedTableName(table) }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');

    const arn = described?.LatestStreamArn;
    expect(await ensureTable(client, table)).toEqual({ createdTable: false, createdIndex: false, ttlEnabled: false, streamEnabled: false, derivedCreated: false });
    expect((await client.send(new DescribeTableCommand({ TableName: table }))).Table?.LatestStreamArn).toBe(arn);
  });
});
