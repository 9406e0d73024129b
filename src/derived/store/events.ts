/**
 * The event log: what every API instance tails to feed its open event streams
 * (src/http/events/). One small item per user-visible event, in a partition per minute and
 * shard (EVENTS#<minute>#<shard>), expiring after EVENT_LOG_TTL_SECONDS: the log only bridges
 * the seconds between a write and its delivery; a client that reconnects later reads the
 * sources themselves (its activity partition) after its Last-Event-ID.
 */
import { randomBytes } from 'node:crypto';
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { call, type Db } from '../../patterns/db.js';
import { paginate } from '../../patterns/paging.js';
import { EventLogEntry, StreamTicket } from '../../schema/entities/index.js';
import { derivedKeys, derivedRanges } from '../../schema/keys.js';
import type { RawItem } from '../../schema/entity.js';
import { batchWrite } from './writes.js';

/** Ten minutes: far past any tailer's look-back, short enough that the log stays tiny. */
export const EVENT_LOG_TTL_SECONDS = 600;

export type EventLogType = EventLogEntry['type'];

/**
 * An event log entry, logged now. The id makes a replayed stream record a second entry; the
 * stream dedupes on what it delivers (activity ids), so a replay never reaches a client twice.
 */
export function eventLogItem(user: string, type: EventLogType, ref?: string, now = new Date()): RawItem {
  const id = randomBytes(6).toString('base64url');
  return EventLogEntry.encode({ user, at: now.toISOString(), id, type, ...(ref === undefined ? {} : { ref }), expiresAt: Math.floor(now.getTime() / 1000) + EVENT_LOG_TTL_SECONDS });
}

/** Appends events to the log (BatchWriteItem). */
export async function appendEvents(derived: Db, items: RawItem[]): Promise<void> {
  await batchWrite(derived, items.map((put) => ({ put })));
}

/** Query of one minute of one log partition after `afterSk` (exclusive), oldest first. */
export async function readEventLog(derived: Db, minute: string, shard: number, afterSk: string): Promise<EventLogEntry[]> {
  const out: EventLogEntry[] = [];
  const input = {
    KeyConditionExpression: 'PK = :pk AND SK > :after',
    ExpressionAttributeValues: { ':pk': derivedRanges.eventLog(minute, shard).pk, ':after': afterSk },
  };
  for await (const { Items: items } of paginate(derived, 'readEventLog', QueryCommand, input)) {
    for (const item of items) if (EventLogEntry.is(item)) out.push(EventLogEntry.decode(item));
  }
  return out;
}

/** PutItem of one log entry, from the request path (a read marker moved: the badge of every device clears). */
export async function logEvent(derived: Db, item: RawItem): Promise<void> {
  await call(derived, 'logEvent', () => derived.doc.send(new PutCommand({ TableName: derived.table, Item: item })));
}

/** PutItem of a stream ticket (its digest only), expiring with `validUntil`. */
export async function putStreamTicket(derived: Db, ticket: Omit<StreamTicket, 'expiresAt'>): Promise<void> {
  const item = StreamTicket.encode({ ...ticket, expiresAt: Math.ceil(ticket.validUntil / 1000) });
  await call(derived, 'createStreamTicket', () => derived.doc.send(new PutCommand({ TableName: derived.table, Item: item })));
}

/** DeleteItem of a stream ticket returning what it held: a ticket is used once, whoever asks first. */
export async function takeStreamTicket(derived: Db, digest: string): Promise<StreamTicket | undefined> {
  const result = await call(derived, 'redeemStreamTicket', () =>
    derived.doc.send(new DeleteCommand({ TableName: derived.table, Key: derivedKeys.streamTicket(digest), ReturnValues: 'ALL_OLD' })),
  );
  return result.Attributes && StreamTicket.is(result.Attributes) ? StreamTicket.decode(result.Attributes as RawItem) : undefined;
}
