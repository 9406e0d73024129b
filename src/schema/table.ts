/** The table's definition, shared by the admin commands, the tests and deploy/ (checked to match). */
import type { CreateTableCommandInput, UpdateTableCommandInput, UpdateTimeToLiveCommandInput } from '@aws-sdk/client-dynamodb';
import { INVERTED_INDEX, PK, SK } from './keys.js';

const attributeDefinitions = [
  { AttributeName: PK, AttributeType: 'S' as const },
  { AttributeName: SK, AttributeType: 'S' as const },
];

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: attributeDefinitions,
    KeySchema: [
      { AttributeName: PK, KeyType: 'HASH' },
      { AttributeName: SK, KeyType: 'RANGE' },
    ],
    // On-demand: a social app's traffic is spiky and the lab's 5/5 provisioned units would throttle.
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: streamSpecification,
  };
}

/** Feeds, activity and the directory are derived from this stream (src/derived/). */
export const streamSpecification = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const };

/**
 * The derived table: feed entries, activity, directory tokens and stream checkpoints. A table
 * of its own because every main-table item is copied into InvertedIndex (doubling the write
 * cost of a fan-out) and because no lab query may ever see these items. No index, no stream.
 */
export const derivedTableName = (tableName: string): string => `${tableName}-derived`;

/** Feed and activity items carry this epoch-seconds attribute; expired ones are removed by TTL. */
export const DERIVED_TTL_ATTRIBUTE = 'expiresAt';

export function createDerivedTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: derivedTableName(tableName),
    AttributeDefinitions: attributeDefinitions,
    KeySchema: [
      { AttributeName: PK, KeyType: 'HASH' },
      { AttributeName: SK, KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

/** Sessions carry their expiry (epoch seconds) here; DynamoDB's TTL reaps them. */
export const TTL_ATTRIBUTE = 'expiresAt';

export function timeToLiveInput(tableName: string): UpdateTimeToLiveCommandInput {
  return { TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } };
}

export const invertedIndexDefinition = {
  IndexName: INVERTED_INDEX,
  KeySchema: [
    { AttributeName: SK, KeyType: 'HASH' as const },
    { AttributeName: PK, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: 'ALL' as const },
};

export function addInvertedIndexInput(tableName: string): UpdateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: attributeDefinitions,
    GlobalSecondaryIndexUpdates: [{ Create: invertedIndexDefinition }],
  };
}
