/**
 * The control-plane read the service itself makes: DescribeTable, for `/ready` and the start-up
 * check. Creating, changing and deleting tables are the operator's (src/admin/table.ts).
 */
import { DescribeTableCommand, ResourceNotFoundException, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { INVERTED_INDEX } from '../schema/keys.js';

export interface TableStatus {
  exists: boolean;
  status?: string | undefined;
  itemCount?: number | undefined;
  index: 'missing' | 'creating' | 'backfilling' | 'active' | 'other';
  description?: TableDescription | undefined;
}

export async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableStatus> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const gsi = Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === INVERTED_INDEX);
    let index: TableStatus['index'] = 'missing';
    if (gsi) {
      if (gsi.IndexStatus === 'ACTIVE' && !gsi.Backfilling) index = 'active';
      else if (gsi.Backfilling) index = 'backfilling';
      else if (gsi.IndexStatus === 'CREATING' || gsi.IndexStatus === 'UPDATING') index = 'creating';
      else index = 'other';
    }
    return { exists: true, status: Table?.TableStatus, itemCount: Table?.ItemCount, index, description: Table };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return { exists: false, index: 'missing' };
    throw error;
  }
}
