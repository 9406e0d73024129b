/** The AWS template and the code's own table definition must never drift apart. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { createTable, deleteTable } from '../src/admin/table.js';
import { TTL_ATTRIBUTE, createDerivedTableInput, createTableInput, DERIVED_TTL_ATTRIBUTE, invertedIndexDefinition } from '../src/schema/table.js';
import { testClients, uniqueTableName } from './support/db.js';

interface TableProperties {
  BillingMode: string;
  AttributeDefinitions: unknown[];
  KeySchema: unknown[];
  GlobalSecondaryIndexes: { IndexName: string; KeySchema: unknown[]; Projection: unknown }[];
  PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: boolean };
  TimeToLiveSpecification: { AttributeName: string; Enabled: boolean };
  StreamSpecification?: { StreamViewType: string };
  TableName: unknown;
}

const template = JSON.parse(readFileSync(new URL('../deploy/quick-photos.cloudformation.json', import.meta.url), 'utf8')) as {
  Parameters: { TableName: { Default: string } };
  Resources: { Table: { Type: string; Properties: TableProperties }; DerivedTable: { Type: string; Properties: TableProperties } };
};
const table = template.Resources.Table;

describe('deploy/quick-photos.cloudformation.json', () => {
  const code = createTableInput(template.Parameters.TableName.Default);

  it('declares the same keys as the code', () => {
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties.KeySchema).toEqual(code.KeySchema);
    expect(table.Properties.AttributeDefinitions).toEqual(code.AttributeDefinitions);
    expect(table.Properties.BillingMode).toBe(code.BillingMode);
    expect(template.Parameters.TableName.Default).toBe('quick-photos');
  });

  it('declares the same InvertedIndex as the code, and nothing else', () => {
    expect(table.Properties.GlobalSecondaryIndexes).toEqual([invertedIndexDefinition]);
  });

  it('turns on point-in-time recovery', () => {
    expect(table.Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled).toBe(true);
  });

  it('expires sessions by TTL on the attribute the code writes, and the code enables the same TTL', async () => {
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
    const { client } = testClients();
    const name = uniqueTableName('ttl');
    await createTable(client, name);
    try {
      const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
      expect(TimeToLiveDescription).toMatchObject({ AttributeName: TTL_ATTRIBUTE, TimeToLiveStatus: 'ENABLED' });
    } finally {
      await deleteTable(client, name);
      client.destroy();
    }
  });

  it('streams NEW_AND_OLD_IMAGES, as the code creates the table', () => {
    expect(code.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(table.Properties.StreamSpecification).toEqual({ StreamViewType: code.StreamSpecification?.StreamViewType });
  });

  it('declares the derived table as the code does: same keys, no index, TTL on expiresAt, named <table>-derived', () => {
    const derived = template.Resources.DerivedTable;
    const codeDerived = createDerivedTableInput(template.Parameters.TableName.Default);
    expect(derived.Type).toBe('AWS::DynamoDB::Table');
    expect(derived.Properties.TableName).toEqual({ 'Fn::Sub': '${TableName}-derived' });
    expect(codeDerived.TableName).toBe('quick-photos-derived');
    expect(derived.Properties.KeySchema).toEqual(codeDerived.KeySchema);
    expect(derived.Properties.AttributeDefinitions).toEqual(codeDerived.AttributeDefinitions);
    expect(derived.Properties.BillingMode).toBe(codeDerived.BillingMode);
    expect(derived.Properties).not.toHaveProperty('GlobalSecondaryIndexes');
    expect(codeDerived).not.toHaveProperty('GlobalSecondaryIndexes');
    expect(derived.Properties.TimeToLiveSpecification).toEqual({ AttributeName: DERIVED_TTL_ATTRIBUTE, Enabled: true });
  });
});

describe('the stream consumer and the photos bucket in the template', () => {
  const all = JSON.parse(readFileSync(new URL('../deploy/quick-photos.cloudformation.json', import.meta.url), 'utf8')) as {
    Parameters: Record<string, { Default?: string; AllowedValues?: string[] }>;
    Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
  };
  const res = all.Resources;

  it('maps the stream to the Lambda handler: batches of 100, partial failures, bisect, bounded retries and age, an on-failure queue', () => {
    const mapping = res.StreamMapping!;
    expect(mapping.Type).toBe('AWS::Lambda::EventSourceMapping');
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
      FunctionName: { Ref: 'StreamFunction' },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      // One batch per shard at a time: records apply in stream order, as the worker applies them.
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailedStreamBatches', 'Arn'] } } },
    });
    const retries = mapping.Properties.MaximumRetryAttempts as number;
    const age = mapping.Properties.MaximumRecordAgeInSeconds as number;
    expect(retries).toBeGreaterThan(0);
    expect(retries).toBeLessThanOrEqual(10_000);
    // Below the stream's 24-hour retention, so a failing batch is reported before it is trimmed.
    expect(age).toBeGreaterThanOrEqual(60);
    expect(age).toBeLessThan(86_400);
    expect(res.FailedStreamBatches!.Type).toBe('AWS::SQS::Queue');
  });

  it('runs the built handler with the worker policy, only when the Lambda is the stream consumer', () => {
    const fn = res.StreamFunction!;
    expect(fn.Type).toBe('AWS::Lambda::Function');
    expect(fn.Properties.Handler).toBe('dist/derived/lambda.handler');
    expect(readFileSync(new URL('../src/derived/lambda.ts', import.meta.url), 'utf8')).toMatch(/export const handler\b/);
    expect(fn.Properties.Runtime).toMatch(/^nodejs(20|22)\.x$/);
    expect(fn.Properties.Environment).toMatchObject({ Variables: { NODE_ENV: 'production', DYNAMODB_ENGINE: 'aws', TABLE_NAME: { Ref: 'TableName' } } });
    expect(res.StreamFunctionRole!.Properties.ManagedPolicyArns).toContainEqual({ Ref: 'WorkerPolicy' });
    for (const name of ['StreamFunction', 'StreamMapping', 'StreamFunctionRole', 'FailedStreamBatches']) expect(res[name]!.Condition).toBe('UseLambda');
    expect(all.Parameters.StreamConsumer).toMatchObject({ Default: 'lambda', AllowedValues: ['lambda', 'worker'] });
  });

  it('creates the photos bucket, private, with CORS for the web origin only', () => {
    const bucket = res.PhotosBucketResource!;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.Properties.BucketName).toEqual({ Ref: 'PhotosBucket' });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const rules = (bucket.Properties.CorsConfiguration as { CorsRules: { AllowedOrigins: unknown[]; AllowedMethods: string[] }[] }).CorsRules;
    expect(rules).toHaveLength(1);
    expect(rules[0]!.AllowedOrigins).toEqual([{ Ref: 'WebOrigin' }]);
    expect(rules[0]!.AllowedMethods.sort()).toEqual(['GET', 'PUT']);
  });
});
