/**
 * Opaque, tamper-proof pagination cursors. A cursor is the DynamoDB start key sealed with
 * AES-256-GCM, with the list it belongs to ("scope") as authenticated data: clients can read
 * nothing of the keys inside, and a forged, altered or foreign cursor is rejected before it
 * becomes an ExclusiveStartKey, so nobody pages into another user's partition.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { errors } from '../errors.js';

export type StartKey = Record<string, string>;

export interface CursorCodec {
  encode(scope: string, key: StartKey): string;
  /** Throws INVALID_CURSOR unless the cursor was issued by us for this very scope. */
  decode(scope: string, cursor: string): StartKey;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_CURSOR_LENGTH = 2048;

export function createCursorCodec(secret: string | Buffer): CursorCodec {
  if (secret.length < 16) throw new Error('The cursor secret must be at least 16 characters.');
  // A key of its own: the secret may be shared with other uses (derived from JWT_SECRET).
  const key = createHash('sha256').update('quick-photos cursor key\n').update(secret).digest();

  return {
    encode(scope, startKey) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(scope));
      const sealed = Buffer.concat([cipher.update(JSON.stringify(startKey), 'utf8'), cipher.final()]);
      return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
    },
    decode(scope, cursor) {
      if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw errors.invalidCursor();
      const raw = Buffer.from(cursor, 'base64url');
      if (raw.length <= IV_BYTES + TAG_BYTES) throw errors.invalidCursor();
      let parsed: unknown;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES)).setAAD(Buffer.from(scope));
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
        parsed = JSON.parse(plain.toString('utf8'));
      } catch {
        throw errors.invalidCursor();
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw errors.invalidCursor();
      const entries = Object.entries(parsed);
      if (entries.length === 0 || entries.some(([, v]) => typeof v !== 'string')) throw errors.invalidCursor();
      return parsed as StartKey;
    },
  };
}
