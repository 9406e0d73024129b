/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment */
/**
 * The IAM policies in deploy/ grant exactly what the code calls.
 *
 * Two sources, because each alone can drift: the operations the service's source names
 * (Command classes, or operation names in quotes, so a hand-rolled transport is seen too),
 * and the operations a run of every route actually sends, recorded by an SDK middleware.
 * The service policy must equal the first and contain the second; the table-step policy
 * must equal what `table ensure` sends.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { observeCalls } from '../src/engine/observe.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTableReady, deleteTable, ensureTable } from '../src/admin/table.js';
import { imageForm, PNG_1x1, signUp, startApi, type Api } from './http/support.js';
import { testClients, uniqueTableName } from './support/db.js';
import { createTableInput } from '../src/schema/table.js';

const ROOT = new URL('..', import.meta.url).pathname;

interface Statement {
  Action: string[];
}
const template = JSON.parse(readFileSync(join(ROOT, 'deploy/quick-photos.cloudformation.json'), 'utf8'));
const actionsOf = (resource: string): Set<string> =>
  new Set((template.Resources[resource].Properties.PolicyDocument.Statement as Statement[]).flatMap((s) => s.Action));

/** DynamoDB and S3 API operations to the IAM actions that authorize them. */
function iamActions(operation: string, transactKinds: Iterable<string> = []): string[] {
  switch (operation) {
    // Transactions have no action of their own: each item needs its kind's action.
    case 'TransactWriteItems':
      return [...transactKinds].map((kind) => `dynamodb:${kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`}`);
    case 'TransactGetItems':
      return ['dynamodb:GetItem'];
    case 'PutObject':
    case 'GetObject':
    case 'DeleteObject':
      return [`s3:${operation}`];
    case 'HeadObject':
      return ['s3:GetObject'];
    // A multipart upload's steps are writes of the object; listing and aborting have their own actions.
    case 'CreateMultipartUpload':
    case 'UploadPart':
    case 'CompleteMultipartUpload':
      return ['s3:PutObject'];
    case 'ListParts':
      return ['s3:ListMultipartUploadParts'];
    case 'AbortMultipartUpload':
      return ['s3:AbortMultipartUpload'];
    case 'ListObjectsV2':
      return ['s3:ListBucket'];
    default:
      return [`dynamodb:${operation}`];
  }
}

// lib-dynamodb's document commands and the operations they send.
const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Query: 'Query',
  Scan: 'Scan',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};
const DYNAMODB_OPERATIONS = new Set(Object.keys(dynamodb).filter((name) => name.endsWith('Command')).map((name) => name.slice(0, -'Command'.length)));
const S3_OPERATIONS = new Set(['PutObject', 'GetObject', 'DeleteObject', 'HeadObject', 'ListObjectsV2', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'ListParts', 'AbortMultipartUpload']);

/** The text of every .ts file under `dir`, but those under the `except` paths. */
function sources(dir: string, except: string[] = []): string[] {
  if (except.includes(dir)) return [];
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name), except)
      : entry.name.endsWith('.ts') && !except.includes(join(dir, entry.name))
        ? [readFileSync(join(ROOT, dir, entry.name), 'utf8')]
        : [],
  );
}

/** The operator's patterns (whole-table Scans, bulk loads): only src/admin/ imports them (test/architecture.test.ts). */
const OPERATOR_PATTERNS = ['src/patterns/audit', 'src/patterns/bulk.ts'];

/** The IAM actions the given source text needs, from the operations it names. */
function namedActions(texts: string[]): Set<string> {
  const operations = new Set<string>();
  const kinds = new Set<string>();
  for (const text of texts) {
    for (const [, name] of text.matchAll(/new (\w+)Command\(/g)) operations.add(DOCUMENT_COMMANDS[name!] ?? name!);
    for (const [, name] of text.matchAll(/['"`](?:DynamoDB_20120810\.)?([A-Z]\w+)['"`]/g)) {
      if (DYNAMODB_OPERATIONS.has(name!) && name !== 'Unknown') operations.add(name!);
    }
    for (const [, kind] of text.matchAll(/\b(Put|Update|Delete|ConditionCheck)\s*:\s*\{/g)) kinds.add(kind!);
  }
  return new Set([...operations].filter((op) => DYNAMODB_OPERATIONS.has(op) || S3_OPERATIONS.has(op)).flatMap((op) => iamActions(op, kinds)));
}

/** Records every operation sent through a client, with the kinds of items in its transactions. */
function record(client: DynamoDBClient): Set<string> {
  const seen = new Set<string>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const items = (args.input as { TransactItems?: Record<string, unknown>[] }).TransactItems ?? [];
      const kinds = items.flatMap((item) => Object.keys(item));
      for (const action of iamActions(operation, kinds)) seen.add(action);
      return next(args);
    },
    { step: 'initialize', name: 'iamRecorder', priority: 'high' },
  );
  return seen;
}

// What the running service needs: the request path (patterns, routes, blob stores), whose
// readiness and start-up checks describe the table (src/patterns/control.ts).
const serviceNamed = namedActions([...sources('src/patterns', OPERATOR_PATTERNS), ...sources('src/http'), ...sources('src/blobs')]);

describe('the service policy', () => {
  let api: Api;
  let recorded: Set<string>;

  beforeAll(async () => {
    api = await startApi();
    recorded = record(api.db.client);
    // The API runs on the lean client (as in production): its calls go through its own hook.
    observeCalls(api.db.lean!, {
      before(operation, input) {
        const items = (input.TransactItems as Record<string, unknown>[] | undefined) ?? [];
        for (const action of iamActions(operation, items.flatMap((item) => Object.keys(item)))) recorded.add(action);
        return input;
      },
    });
    await assertTableReady(api.db.client, api.db.table);
    // Every route, as a phone would use them.
    const ann = await signUp(api, 'ann');
    const ben = await signUp(api, 'ben');
    const as = (token: string) => ({ token });
    const logIn = await api.call('POST', '/v1/sessions', { json: { username: 'ann', password: 'password-of-ann' } });
    const refreshed = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: logIn.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect((await api.call('PATCH', '/v1/users/ann', { ...as(ann.accessToken), json: { name: 'Ann Again' } })).status).toBe(200);
    expect((await api.call('GET', '/v1/users/ben', as(ann.accessToken))).status).toBe(200);
    const uploaded = await api.call('POST', '/v1/users/ann/photos', { ...as(ann.accessToken), body: imageForm(PNG_1x1) });
    expect(uploaded.status).toBe(201);
    const photo = `/v1/photos/${String(uploaded.body.id)}`;
    expect((await api.call('GET', '/v1/users/ann/photos', as(ben.accessToken))).status).toBe(200);
    expect((await api.call('GET', String(uploaded.body.imageUrl))).status).toBe(200);
    expect((await api.call('PUT', `${photo}/reactions/heart`, as(ben.accessToken))).status).toBeLessThan(300);
    expect((await api.call('GET', photo, as(ben.accessToken))).status).toBe(200);
    expect((await api.call('GET', `${photo}/reactions`, as(ben.accessToken))).status).toBe(200);
    expect((await api.call('DELETE', `${photo}/reactions/heart`, as(ben.accessToken))).status).toBe(204);
    expect((await api.call('PUT', '/v1/users/ann/followers/me', as(ben.accessToken))).status).toBeLessThan(300);
    expect((await api.call('GET', '/v1/users/ann/followers', as(ben.accessToken))).status).toBe(200);
    expect((await api.call('GET', '/v1/users/ben/following?expand=profile', as(ann.accessToken))).status).toBe(200);
    expect((await api.call('DELETE', '/v1/users/ann/followers/me', as(ben.accessToken))).status).toBe(204);
    expect((await api.call('PUT', `${photo}/reactions/smiley`, as(ben.accessToken))).status).toBeLessThan(300);
    expect((await api.call('DELETE', photo, as(ann.accessToken))).status).toBe(204);
    expect((await api.call('DELETE', '/v1/sessions', { json: { refreshToken: refreshed.body.refreshToken } })).status).toBe(204);
    expect((await api.call('GET', '/ready')).status).toBe(200);
  });

  afterAll(async () => {
    await api.close();
  });

  it('grants every operation a run of every route sent', () => {
    expect(recorded.size).toBeGreaterThan(5);
    expect([...recorded].filter((action) => !actionsOf('ServicePolicy').has(action))).toEqual([]);
  });

  it('grants exactly the operations the service code names, nothing more', () => {
    expect([...actionsOf('ServicePolicy')].sort()).toEqual([...serviceNamed].sort());
    // Nothing the service never does: no scans, no table administration.
    for (const never of ['dynamodb:Scan', 'dynamodb:CreateTable', 'dynamodb:DeleteTable', 'dynamodb:UpdateTable']) expect(actionsOf('ServicePolicy').has(never)).toBe(false);
  });

  it('scopes DynamoDB to the table and its indexes, S3 to the photos bucket', () => {
    const [dynamo, s3] = template.Resources.ServicePolicy.Properties.PolicyDocument.Statement as { Action: string[]; Resource: unknown }[];
    expect(JSON.stringify(dynamo!.Resource)).toContain('table/${TableName}');
    expect(JSON.stringify(dynamo!.Resource)).toContain('/index/*');
    expect(dynamo!.Action.every((a) => a.startsWith('dynamodb:'))).toBe(true);
    expect(s3!.Action.every((a) => a.startsWith('s3:'))).toBe(true);
    expect(JSON.stringify(s3!.Resource)).toContain('${PhotosBucket}/');
  });
});

describe('the worker policy', () => {
  it('grants exactly the table operations the stream consumer names (worker and Lambda), and the stream reads', () => {
    const [tables, stream] = template.Resources.WorkerPolicy.Properties.PolicyDocument.Statement as Statement[];
    expect([...tables!.Action].sort()).toEqual([...namedActions(sources('src/derived'))].sort());
    expect([...stream!.Action].sort()).toEqual(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']);
    for (const never of ['dynamodb:Scan', 'dynamodb:CreateTable', 'dynamodb:DeleteTable']) expect(tables!.Action).not.toContain(never);
  });
});

describe('the table-step policy', () => {
  it('grants exactly what `quick-photos table ensure` sends', async () => {
    // `table ensure` itself (ensureTable), on a new table and on one older than the index, TTL,
    // stream and derived table: between them, every step it can take.
    const { client } = testClients();
    const [fresh, older] = [uniqueTableName('iam'), uniqueTableName('iam-old')];
    const { StreamSpecification: _stream, ...withoutStream } = createTableInput(older);
    await client.send(new dynamodb.CreateTableCommand(withoutStream));
    await dynamodb.waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: older });
    const recorded = record(client);
    await ensureTable(client, fresh);
    await ensureTable(client, older);
    client.middlewareStack.remove('iamRecorder');
    for (const table of [fresh, older]) await deleteTable(client, table);
    client.destroy();
    expect([...recorded].sort()).toEqual([...actionsOf('TableAdminPolicy')].sort());
  });
});
