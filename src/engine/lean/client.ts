/**
 * The lean DynamoDB client for the request path: the JSON protocol over an undici pool,
 * signed by the SDK's own SigV4 signer with the SDK client's own region and credential
 * providers (refresh included), items converted by @aws-sdk/util-dynamodb along
 * lib-dynamodb's key nodes, errors thrown as the SDK's classes, and AWS's retry rules.
 * It skips the SDK's per-call middleware stack, which costs more CPU than the rest of a
 * request (BENCHMARKS.md). It accepts the same lib-dynamodb commands as `DocClient.send`.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { Pool } from 'undici';
import { backoffDelay } from '../../backoff.js';
import type { CallObserver, DocClient, Fields } from '../doc-client.js';
import { createCodec, fromJson, toJson, type KeyNodes } from './codec.js';
import { exchange, type Budget } from './exchange.js';
import { NodeSha256 } from './sha256.js';
import { retryKind, serviceError, timeoutError, transportError, type ResponseMetadata } from './errors.js';

export interface LeanClientOptions {
  /** Omitted means AWS: the regional endpoint, once the region is known. */
  endpoint: string | undefined;
  region: () => Promise<string>;
  credentials: () => Promise<AwsCredentialIdentity>;
  /**
   * Bound on the whole call: waiting for a pooled connection, every attempt and the backoff
   * between them. A stalled engine is a TimeoutError when it runs out.
   */
  requestTimeoutMs: number;
  maxAttempts: number;
  /** Connections kept to the engine; further requests queue in the pool. */
  connections?: number;
  /** A Unix socket reaching the endpoint's engine (the embedded engine's own): connected to instead of its TCP address. */
  socketPath?: string | undefined;
}

/** The lib-dynamodb commands the lean client speaks, by their DynamoDB operation. */
const OPERATIONS = new Map<unknown, string>([
  [GetCommand, 'GetItem'],
  [PutCommand, 'PutItem'],
  [UpdateCommand, 'UpdateItem'],
  [DeleteCommand, 'DeleteItem'],
  [QueryCommand, 'Query'],
  [ScanCommand, 'Scan'],
  [BatchGetCommand, 'BatchGetItem'],
  [BatchWriteCommand, 'BatchWriteItem'],
  [TransactGetCommand, 'TransactGetItems'],
  [TransactWriteCommand, 'TransactWriteItems'],
]);

interface DocCommand {
  input: Fields;
  inputKeyNodes: Record<string, KeyNodes>;
  outputKeyNodes: Record<string, KeyNodes>;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const THROTTLING_BASE_MS = 500;
const TRANSIENT_BASE_MS = 100;
const MAX_DELAY_MS = 20_000;
const CREDENTIALS_REFRESH_MS = 5 * 60_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LeanDocClient {
  /** lib-dynamodb's `send`, typed as the DocumentClient's so patterns need no change. */
  readonly send: DocClient['send'];
  private pool: Pool | undefined;
  private opening: Promise<Pool> | undefined;
  private readonly signer: SignatureV4;
  private url: URL | undefined;
  private readonly codec = createCodec({ removeUndefinedValues: true, convertTopLevelContainer: true }, { convertWithoutMapWrapper: true });
  private observers: CallObserver[] = [];
  private heldRegion: Promise<string> | undefined;
  private heldCredentials: { value: Promise<AwsCredentialIdentity>; refreshAt: number } | undefined;

  constructor(private readonly options: LeanClientOptions) {
    if (options.endpoint !== undefined) this.pool = this.openPool(options.endpoint);
    this.signer = new SignatureV4({ service: 'dynamodb', region: () => this.region(), credentials: () => this.credentials(), sha256: NodeSha256 });
    this.send = ((command: DocCommand) => this.sendCommand(command)) as unknown as DocClient['send'];
  }

  /**
   * The signer awaits both providers on every request: it gets settled promises instead of a
   * walk through the SDK's provider chain. The region never changes; credentials are asked for
   * again five minutes before they expire (the SDK's own refresh window), and the provider
   * refreshes them then. A failed lookup is not kept.
   */
  private region(): Promise<string> {
    if (this.heldRegion === undefined) {
      const region = this.options.region();
      this.heldRegion = region;
      region.catch(() => {
        if (this.heldRegion === region) this.heldRegion = undefined;
      });
    }
    return this.heldRegion;
  }

  private credentials(): Promise<AwsCredentialIdentity> {
    const held = this.heldCredentials;
    if (held && Date.now() < held.refreshAt) return held.value;
    const entry = { value: this.options.credentials(), refreshAt: Infinity };
    this.heldCredentials = entry;
    entry.value.then(
      (identity) => {
        entry.refreshAt = identity.expiration ? identity.expiration.getTime() - CREDENTIALS_REFRESH_MS : Infinity;
      },
      () => {
        if (this.heldCredentials === entry) this.heldCredentials = undefined;
      },
    );
    return entry.value;
  }

  private openPool(endpoint: string): Pool {
    this.url = new URL(endpoint);
    return new Pool(this.url.origin, {
      connections: this.options.connections ?? 50,
      pipelining: 1,
      connect: { timeout: this.options.requestTimeoutMs },
      ...(this.options.socketPath ? { socketPath: this.options.socketPath } : {}),
      headersTimeout: this.options.requestTimeoutMs,
      bodyTimeout: this.options.requestTimeoutMs,
    });
  }

  private async regionalPool(): Promise<Pool> {
    this.opening ??= this.region().then((region) => (this.pool = this.openPool(`https://dynamodb.${region}.amazonaws.com`)));
    return this.opening;
  }

  /** Adds an observer (metrics); returns the function that removes it. */
  observe(observer: CallObserver): () => void {
    this.observers = [...this.observers, observer];
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
    };
  }

  private async sendCommand(command: DocCommand): Promise<Fields> {
    const operation = OPERATIONS.get(command.constructor);
    if (operation === undefined) throw new TypeError(`The lean DynamoDB client does not speak ${command.constructor.name}.`);
    let input = command.input;
    const observers = this.observers;
    if (observers.length === 0) return this.call(operation, command, input);
    for (const o of observers) if (o.before) input = o.before(operation, input);
    const startedAt = performance.now();
    try {
      const output = await this.call(operation, command, input);
      for (const o of observers) o.after?.(operation, input, output, undefined, startedAt);
      return output;
    } catch (error) {
      for (const o of observers) o.after?.(operation, input, undefined, error, startedAt);
      throw error;
    }
  }

  /**
   * The whole call under one deadline: a request queued behind busy or stalled connections
   * counts its wait, and no retry starts past the bound (undici's own timeouts only start once
   * a request is written to a connection).
   */
  private call(operation: string, command: DocCommand, input: Fields): Promise<Fields> {
    const timeoutMs = this.options.requestTimeoutMs;
    const metadata: ResponseMetadata = { attempts: 0, totalRetryDelay: 0 };
    const budget: Budget = { endsAt: performance.now() + timeoutMs, expired: undefined, abort: undefined };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = timeoutError(timeoutMs, metadata);
        budget.expired = error;
        budget.abort?.(error);
        reject(error);
      }, timeoutMs);
      this.attempts(operation, command, input, metadata, budget).then(
        (output) => {
          clearTimeout(timer);
          resolve(output);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private async attempts(operation: string, command: DocCommand, input: Fields, metadata: ResponseMetadata, budget: Budget): Promise<Fields> {
    const wire = this.codec.encode(input, command.inputKeyNodes);
    const body = toJson(wire);
    for (;;) {
      metadata.attempts++;
      try {
        const output = await this.attempt(operation, body, metadata, budget);
        const result = this.codec.decode(output, command.outputKeyNodes);
        result.$metadata = metadata;
        return result;
      } catch (error) {
        const kind = retryKind(error);
        if (budget.expired || kind === undefined || metadata.attempts >= this.options.maxAttempts) throw error;
        const delay = backoffDelay(metadata.attempts - 1, kind === 'throttling' ? THROTTLING_BASE_MS : TRANSIENT_BASE_MS, MAX_DELAY_MS);
        // A retry that could not start before the deadline: the failure itself says more.
        if (performance.now() + delay >= budget.endsAt) throw error;
        metadata.totalRetryDelay += Math.round(delay);
        await sleep(delay);
      }
    }
  }

  private async attempt(operation: string, body: string, metadata: ResponseMetadata, budget: Budget): Promise<Fields> {
    const pool = this.pool ?? (await this.regionalPool());
    const url = this.url as URL;
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': TARGET_PREFIX + operation,
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    });
    if (budget.expired) throw budget.expired;
    let status: number;
    let text: string;
    let headers: Record<string, string | string[] | undefined>;
    try {
      ({ status, headers, text } = await exchange(pool, { method: 'POST', path: '/', headers: signed.headers, body }, budget));
    } catch (error) {
      throw budget.expired ?? transportError(error, this.options.requestTimeoutMs, metadata);
    }
    metadata.httpStatusCode = status;
    const requestId = headers['x-amzn-requestid'];
    if (typeof requestId === 'string') metadata.requestId = requestId;
    if (status >= 200 && status < 300) return text ? (fromJson(text) as Fields) : {};
    const errorType = headers['x-amzn-errortype'];
    throw serviceError(status, typeof errorType === 'string' ? errorType : undefined, text, { ...metadata });
  }

  async destroy(): Promise<void> {
    await this.pool?.destroy();
  }
}

/** A lean client with the same endpoint, region and credentials as an SDK client. */
export function leanClientFor(sdk: DynamoDBClient, options: { endpoint: string | undefined; socketPath?: string | undefined; requestTimeoutMs: number; maxAttempts: number }): LeanDocClient {
  const config = sdk.config;
  return new LeanDocClient({
    endpoint: options.endpoint,
    socketPath: options.socketPath,
    region: () => config.region(),
    credentials: () => config.credentials(),
    requestTimeoutMs: options.requestTimeoutMs,
    maxAttempts: options.maxAttempts,
  });
}
