/**
 * A stream record as the views see it: what happened to which kind of item, with both images
 * in the document client's plain JSON. A new item type is one more case in `classifyKey`
 * (schema/keys.ts); views ignore kinds they do not know.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { classifyKey, type ItemKey, type KeyKind } from '../schema/keys.js';
import type { RawItem } from '../schema/entity.js';
import type { StreamRecord } from './stream.js';

export type ChangeEvent = 'INSERT' | 'MODIFY' | 'REMOVE';

export interface Change {
  event: ChangeEvent;
  kind: KeyKind;
  /** The item's key, for views that classify it further (e.g. classifySafetyKey). */
  key: ItemKey;
  oldImage: RawItem | undefined;
  newImage: RawItem | undefined;
  sequenceNumber: string;
  /** When the write happened, as the stream reports it (DynamoDB Local rounds to the minute). */
  at: Date;
}

/**
 * The Streams client deserializes an empty map (`{"M":{}}` on the wire) to an attribute value
 * with no member at all, which unmarshall refuses; no other type can be empty that way.
 */
function restoreEmptyMaps(value: unknown): AttributeValue {
  if (typeof value !== 'object' || value === null) return value as AttributeValue;
  const attribute = value as Record<string, unknown>;
  if (Object.keys(attribute).length === 0) return { M: {} };
  if (attribute.M && typeof attribute.M === 'object') return { M: restoreItem(attribute.M as Record<string, unknown>) };
  if (Array.isArray(attribute.L)) return { L: attribute.L.map(restoreEmptyMaps) };
  return attribute as unknown as AttributeValue;
}

const restoreItem = (item: Record<string, unknown>): Record<string, AttributeValue> =>
  Object.fromEntries(Object.entries(item).map(([name, value]) => [name, restoreEmptyMaps(value)]));

const image = (value: Record<string, unknown> | undefined): RawItem | undefined => (value ? unmarshall(restoreItem(value)) : undefined);

export function toChange(record: StreamRecord): Change | undefined {
  const data = record.dynamodb;
  const event = record.eventName;
  if (!data?.Keys || !data.SequenceNumber || (event !== 'INSERT' && event !== 'MODIFY' && event !== 'REMOVE')) return undefined;
  const keys = image(data.Keys) ?? {};
  if (typeof keys.PK !== 'string' || typeof keys.SK !== 'string') return undefined;
  return {
    event,
    kind: classifyKey({ PK: keys.PK, SK: keys.SK }),
    key: { PK: keys.PK, SK: keys.SK },
    oldImage: image(data.OldImage),
    newImage: image(data.NewImage),
    sequenceNumber: data.SequenceNumber,
    at: data.ApproximateCreationDateTime ?? new Date(),
  };
}

/** Stream sequence numbers are decimal strings of varying length: compare them as numbers. */
export function compareSequence(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
