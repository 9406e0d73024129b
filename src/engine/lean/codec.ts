/**
 * Document <-> wire conversion, driven by the key nodes lib-dynamodb's own commands declare
 * (`inputKeyNodes`, `outputKeyNodes`), so the lean client converts exactly the attributes the
 * SDK's DocumentClient converts, with @aws-sdk/util-dynamodb doing each value. The walk
 * mirrors lib-dynamodb's processKeysInObj; numbers beyond 2^53 throw as they do there. Then
 * the JSON protocol's bodies, binary values in base64 (toJson, fromJson).
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

/** The JSON protocol carries B and BS values in base64 (Buffer's own toJSON runs first: read the original). */
function binaryAsBase64(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') : value;
}

/**
 * Whether a request holds any binary value. A replacer makes JSON.stringify call back into
 * JavaScript for every key (about 2.5 times slower on a transaction), and most requests
 * carry no binary: a walk is cheaper than the replacer.
 */
function holdsBinary(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (ArrayBuffer.isView(value)) return true;
  if (Array.isArray(value)) return value.some(holdsBinary);
  for (const key in value) if (holdsBinary((value as Record<string, unknown>)[key])) return true;
  return false;
}

// A quick test first: the reviver slows parsing down, and most answers carry no binary.
const hasBinary = (text: string): boolean => text.includes('"B":') || text.includes('"BS":');

function base64AsBinary(key: string, value: unknown): unknown {
  if (key === 'B' && typeof value === 'string') return new Uint8Array(Buffer.from(value, 'base64'));
  if (key === 'BS' && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return value.map((v: string) => new Uint8Array(Buffer.from(v, 'base64')));
  }
  return value;
}

/** A request body in the JSON protocol. */
export const toJson = (wire: unknown): string => JSON.stringify(wire, holdsBinary(wire) ? binaryAsBase64 : undefined);

/** An answer's body, binary values restored. */
export const fromJson = (text: string): unknown => JSON.parse(text, hasBinary(text) ? base64AsBinary : undefined);
