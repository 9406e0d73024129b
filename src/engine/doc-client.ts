/**
 * What the access patterns need of a DynamoDB client: lib-dynamodb's `send(new XCommand(...))`.
 * The SDK's DynamoDBDocumentClient (the reference) and the lean client (src/engine/lean/) both
 * provide it, so patterns read the same whichever one the configuration picks
 * (DYNAMODB_CLIENT), and a test can run every pattern through both on the same data.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type DocClient = Pick<DynamoDBDocumentClient, 'send'>;

/** The wire-level client the request path uses, by name. */
export type ClientKind = 'lean' | 'sdk';

export type Fields = Record<string, unknown>;

/**
 * Sees every call once (retries included in it), on either client. `before` may return a
 * changed copy of the input (never mutate the caller's); `after` runs when the call settles.
 */
export interface CallObserver {
  before?(operation: string, input: Fields): Fields;
  after?(operation: string, input: Fields, output: Fields | undefined, error: unknown, startedAt: number): void;
}
