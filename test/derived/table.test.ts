/** A table created before feeds existed gets its stream and its derived table from ensureTable (what npm start runs). */
import { CreateTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteTable, ensureTable } from '../../src/admin/table.js';
import { createTableInput, derivedTableName } from '../../src/schema/table.js';
import { testClients, uniqueTableName } from '../support/db.js';

const { client } = testClients();
const table = uniqueTableName('legacy');

afterAll(async () => {
  await deleteTable(client, table);
  client.destroy();
});

describe('ensureTable on an older table', () => {
  it('turns the stream on and creates the derived table with TTL; a second run changes nothing', async () => {
    const { StreamSpecification: _stream, ...withoutStream } = createTableInput(table);
    await client.send(new CreateTableCommand(withoutStream));
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: table });
    expect((await client.send(new DescribeTableCommand({ TableName: table }))).Table?.StreamSpecification?.StreamEnabled).not.toBe(true);

    await ensureTable(client, table);
    const described = (await client.send(new DescribeTableCommand({ TableName: table }))).Table;
    expect(described?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const derived = (await client.send(new DescribeTableCommand({ TableName: derivedTableName(table) }))).Table;
    expect(derived?.TableStatus).toBe('ACTIVE');
    expect(derived?.GlobalSecondaryIndexes).toBeUndefined();
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: derivedTableName(table) }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');

    const arn = described?.LatestStreamArn;
    await ensureTable(client, table);
    expect((await client.send(new DescribeTableCommand({ TableName: table }))).Table?.LatestStreamArn).toBe(arn);
  });
});
