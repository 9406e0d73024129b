/**
 * DynamoDB Local accepts any signature, so the engine tests cannot catch a wrong one: the lean
 * client's hashing must make the SDK signer produce exactly the signature it produces with a
 * plain node:crypto hash (as @smithy/hash-node does), for repeated and changing credentials;
 * and it asks the credential provider again when the SDK would (near expiry), not per request.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { LeanDocClient } from '../src/engine/lean/client.js';
import { NodeSha256 } from '../src/engine/lean/sha256.js';

const bytes = (data: SourceData) => (typeof data === 'string' ? Buffer.from(data) : Buffer.from(data as Uint8Array));

class ReferenceSha256 implements Checksum {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Uint8Array | string): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
  reset(): void {}
}

function request(body: string) {
  return {
    method: 'POST',
    protocol: 'https:',
    hostname: 'dynamodb.eu-west-1.amazonaws.com',
    path: '/',
    query: {},
    headers: { host: 'dynamodb.eu-west-1.amazonaws.com', 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
    body,
  };
}

describe('the lean client signs exactly as the SDK signer with a plain hash', () => {
  it('matches for repeated requests, new bodies and rotated credentials', async () => {
    const signingDate = new Date('2026-11-25T12:00:00Z');
    for (const credentials of [
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      { accessKeyId: 'ASIAROTATED', secretAccessKey: 'another-secret-key-0123456789', sessionToken: 'token' },
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'a-third-secret' },
    ]) {
      const options = { service: 'dynamodb', region: 'eu-west-1', credentials };
      const lean = new SignatureV4({ ...options, sha256: NodeSha256 });
      const reference = new SignatureV4({ ...options, sha256: ReferenceSha256 });
      for (const body of ['{"TableName":"t","Key":{"PK":{"S":"USER#a"}}}', '{}', 'é'.repeat(3000)]) {
        const [a, b] = await Promise.all([lean.sign(request(body), { signingDate }), reference.sign(request(body), { signingDate })]);
        expect(a.headers).toEqual(b.headers);
        expect(a.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=/);
      }
    }
  });
});

describe('the lean client asks for credentials as the SDK would', () => {
  it('reuses unexpiring ones, and asks again (and signs with the new ones) inside the refresh window', async () => {
    const keyIds: string[] = [];
    const server = createServer((request, response) => {
      keyIds.push(/Credential=([^/]+)\//.exec(String(request.headers.authorization))?.[1] ?? '');
      request.resume();
      request.on('end', () => response.setHeader('content-type', 'application/x-amz-json-1.0').end('{}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const get = new GetCommand({ TableName: 'creds', Key: { PK: 'a' } });
    try {
      for (const [lifetimeMs, expectedAsks] of [
        [undefined, 1],
        [60 * 60_000, 1],
        [4 * 60_000, 3],
      ] as const) {
        let asks = 0;
        const client = new LeanDocClient({
          endpoint,
          region: () => Promise.resolve('eu-west-1'),
          credentials: () => {
            asks++;
            return Promise.resolve({ accessKeyId: `AKID${asks}`, secretAccessKey: 'secret', ...(lifetimeMs ? { expiration: new Date(Date.now() + lifetimeMs) } : {}) });
          },
          requestTimeoutMs: 5_000,
          maxAttempts: 1,
        });
        keyIds.length = 0;
        for (let i = 0; i < 3; i++) await client.send(get);
        await client.destroy();
        expect(asks).toBe(expectedAsks);
        expect(keyIds).toEqual(expectedAsks === 1 ? ['AKID1', 'AKID1', 'AKID1'] : ['AKID1', 'AKID2', 'AKID3']);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
