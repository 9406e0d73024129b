/**
 * DynamoDB Local accepts any signature, so the engine tests cannot catch a wrong one: the lean
 * client's hashing must make the SDK signer produce exactly the signature it produces with a
 * plain node:crypto hash (as @smithy/hash-node does), for repeated and changing credentials.
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { NodeSha256 } from '../src/engine/lean/client.js';

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
