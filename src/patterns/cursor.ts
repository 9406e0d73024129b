/**
 * Opaque, tamper-evident pagination cursors. A cursor is the DynamoDB start key plus an HMAC
 * over it and the list it belongs to ("scope"), so a forged or foreign cursor is rejected
 * before it becomes an ExclusiveStartKey: nobody pages into another user's partition.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { errors } from '../errors.js';

export type StartKey = Record<string, string>;

export interface CursorCodec {
  encode(scope: string, key: StartKey): string;
  /** Throws INVALID_CURSOR unless the cursor was issued by us for this very scope. */
  decode(scope: string, cursor: string): StartKey;
}

const SIGNATURE_BYTES = 16;
const MAX_CURSOR_LENGTH = 2048;

export function createCursorCodec(secret: string | Buffer): CursorCodec {
  if (secret.length < 16) throw new Error('The cursor secret must be at least 16 characters.');
  const sign = (scope: string, payload: string): Buffer =>
    createHmac('sha256', secret).update(scope).update('\n').update(payload).digest().subarray(0, SIGNATURE_BYTES);

  return {
    encode(scope, key) {
      const payload = Buffer.from(JSON.stringify(key)).toString('base64url');
      return `${payload}.${sign(scope, payload).toString('base64url')}`;
    },
    decode(scope, cursor) {
      if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH) throw errors.invalidCursor();
      const [payload, signature, extra] = cursor.split('.');
      if (!payload || !signature || extra !== undefined) throw errors.invalidCursor();
      const given = Buffer.from(signature, 'base64url');
      const expected = sign(scope, payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw errors.invalidCursor();
      let key: unknown;
      try {
        key = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw errors.invalidCursor();
      }
      if (typeof key !== 'object' || key === null || Array.isArray(key)) throw errors.invalidCursor();
      const entries = Object.entries(key);
      if (entries.length === 0 || entries.some(([, v]) => typeof v !== 'string')) throw errors.invalidCursor();
      return key as StartKey;
    },
  };
}
