/**
 * Document <-> wire conversion, driven by the key nodes lib-dynamodb's own commands declare
 * (`inputKeyNodes`, `outputKeyNodes`), so the lean client converts exactly the attributes the
 * SDK's DocumentClient converts, with @aws-sdk/util-dynamodb doing each value. The walk
 * mirrors lib-dynamodb's processKeysInObj; numbers beyond 2^53 throw as they do there.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { convertToAttr, convertToNative, type marshallOptions, type unmarshallOptions } from '@aws-sdk/util-dynamodb';

/** lib-dynamodb's key-node grammar: null = this value, {} = every value, [] = every member, '*' = next level. */
export type KeyNodes = { [key: string]: KeyNodes } | KeyNodes[] | null;

type Convert = (value: unknown) => unknown;
type Obj = Record<string, unknown>;

function processObj(obj: unknown, convert: Convert, nodes: KeyNodes | undefined): unknown {
  if (obj === undefined) return undefined;
  if (nodes === null || nodes === undefined) return convert(obj);
  const names = Object.keys(nodes);
  if (names.length === 0) return processAll(obj, convert);
  if (names.length === 1 && names[0] === '*') {
    const next = (nodes as Record<string, KeyNodes>)['*'];
    if (Array.isArray(obj)) return obj.map((v: unknown) => processObj(v, convert, next));
    const out: Obj = {};
    for (const key in obj as Obj) {
      const v = (obj as Obj)[key];
      if (typeof v !== 'function') out[key] = processObj(v, convert, next);
    }
    return out;
  }
  return processKeys(obj as Obj, convert, nodes as Record<string, KeyNodes>);
}

function processAll(obj: unknown, convert: Convert): unknown {
  if (Array.isArray(obj)) return obj.map((v: unknown) => (v === undefined ? undefined : convert(v)));
  const out: Obj = {};
  for (const key in obj as Obj) {
    const v = (obj as Obj)[key];
    if (v === undefined || typeof v === 'function') continue;
    const converted = convert(v);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

function processKeys(obj: Obj, convert: Convert, nodes: Record<string, KeyNodes>): Obj {
  const out: Obj = { ...obj };
  for (const key in nodes) {
    const v = obj[key];
    if (v === undefined) continue;
    const converted = processObj(v, convert, nodes[key]);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

export function createCodec(marshall: marshallOptions, unmarshall: unmarshallOptions = {}) {
  const toWire: Convert = (value) => convertToAttr(value, marshall);
  const fromWire: Convert = (value) => convertToNative(value as AttributeValue, unmarshall);
  return {
    encode: (input: Obj, nodes: Record<string, KeyNodes>): Obj => processKeys(input, toWire, nodes),
    decode: (output: Obj, nodes: Record<string, KeyNodes>): Obj => processKeys(output, fromWire, nodes),
  };
}
