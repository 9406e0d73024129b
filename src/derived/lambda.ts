/**
 * The derived views as an AWS Lambda function behind an event source mapping on the table's
 * stream (deploy/quick-photos.cloudformation.json): Lambda holds the shard leases and the
 * checkpoints, and this handler applies each record to every view in order with the same code
 * as the self-hosted worker (apply-views.ts). Built to dist/derived/lambda.js; handler `handler`.
 *
 * ReportBatchItemFailures: records are applied one at a time in stream order; once one fails,
 * it and every later record of the batch are reported, so Lambda retries from it and nothing
 * after it is applied out of order. A transient failure is retried inside the invocation
 * while time remains, then reported (Lambda retries the batch, bisecting it on error); a
 * deterministic one goes to the view's dead letters, as in the worker, and the batch moves on.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { loadConfig } from '../config/index.js';
import { createClients } from '../engine/client.js';
import { createLogger } from '../log.js';
import { createCursorCodec } from '../patterns/cursor.js';
import type { Db } from '../patterns/db.js';
import { ApplyAborted, type DerivedView } from './apply.js';
import { applyToViews } from './apply-views.js';
import { decodeOrSetAside } from './dead-letters.js';
import { toChange, type Change } from './records.js';
import { derivedDb, sharedReads } from './store/index.js';
import { buildViews } from './worker.js';

export interface StreamHandlerOptions {
  db: Db;
  /**
   * The views, or how to build them on a table: built by the handler, they share their
   * main-table reads between the records of each invocation (store/read-once.ts).
   */
  views: readonly DerivedView[] | ((db: Db) => readonly DerivedView[]);
  /** Time kept back from the function's timeout to report the batch (default 5 s). */
  marginMs?: number;
  logger?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** A Lambda stream record in the Streams API's shape (images are the same AttributeValue maps; the time is epoch seconds). */
export function changeOf(record: DynamoDBRecord): Change | undefined {
  const data = record.dynamodb;
  const at = data?.ApproximateCreationDateTime;
  return toChange({
    eventName: record.eventName,
    dynamodb: {
      Keys: data?.Keys as Record<string, AttributeValue> | undefined,
      NewImage: data?.NewImage as Record<string, AttributeValue> | undefined,
      OldImage: data?.OldImage as Record<string, AttributeValue> | undefined,
      SequenceNumber: data?.SequenceNumber,
      ...(at === undefined ? {} : { ApproximateCreationDateTime: new Date(at * 1000) }),
    },
  });
}

export function createStreamHandler(options: StreamHandlerOptions): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  const derived = derivedDb(options.db);
  const margin = options.marginMs ?? 5_000;
  const reads = sharedReads(options.db);
  const views = typeof options.views === 'function' ? options.views(reads.db) : options.views;
  return async (event, context) => {
    // Every record of the event was written before the invocation: one mark serves them all.
    const mark = reads.batchRead();
    const outOfTime = () => context.getRemainingTimeInMillis() < margin;
    let failed = false;
    const apply = async (record: DynamoDBRecord): Promise<void> => {
      if (failed) throw new Error('not attempted: an earlier record of this batch failed');
      try {
        // One that cannot be decoded goes to the dead letters, as the worker's does: a retry would fail the same way.
        const { change } = await decodeOrSetAside(derived, { record, sequenceNumber: record.dynamodb?.SequenceNumber }, () => changeOf(record), { logger: options.logger, shouldStop: outOfTime });
        if (!change) return;
        await reads.applying(mark, () => applyToViews(views, change, { derived, logger: options.logger, shouldStop: outOfTime, onRetry: () => reads.forget() }));
      } catch (error) {
        failed = true;
        throw error instanceof ApplyAborted ? new Error('out of time: the record is left to the next delivery') : error;
      }
    };
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    return processPartialResponse(event, apply, processor, { context, processInParallel: false, throwOnFullBatchFailure: false });
  };
}

let configured: ReturnType<typeof createStreamHandler> | undefined;

/** The function's entry point: configured from the environment (TABLE_NAME, AWS_REGION, FEED_* ...) once per container. */
export const handler = (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
  if (!configured) {
    const config = loadConfig(process.env);
    const clients = createClients({ endpoint: config.endpoint, region: config.region, requestTimeoutMs: config.requestTimeoutMs, maxAttempts: config.maxAttempts, local: config.localCredentials, kind: config.client });
    // The views never read a cursor; the codec only completes the connection.
    const db: Db = { doc: clients.patterns, table: config.tableName, cursors: createCursorCodec(config.cursorSecret ?? 'stream-handler-has-no-cursors-0000') };
    configured = createStreamHandler({ db, views: (on) => buildViews(on, config.derived), logger: createLogger({ production: true }) });
  }
  return configured(event, context);
};
