/** SHA-256 and HMAC-SHA256 for the SigV4 signer, on node:crypto. */
import { createHash, createHmac, hash } from 'node:crypto';
import type { Checksum, SourceData } from '@smithy/types';

/**
 * node:crypto behind the signer's Checksum interface (what @smithy/hash-node does), cheaper
 * per request: plain digests use the one-shot `crypto.hash`, and the one keyed digest that
 * repeats on every request (the signer hashes the secret key with the key id to look up its
 * cached signing key) is remembered, since its inputs do not change between requests.
 */
export class NodeSha256 implements Checksum {
  private static remembered: { secret: string; data: string; digest: Uint8Array } | undefined;
  private chunks: (Buffer | string)[] = [];
  constructor(private readonly secret?: SourceData) {}
  update(data: Uint8Array | string): void {
    this.chunks.push(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    const { secret, chunks } = this;
    if (secret === undefined) {
      return Promise.resolve(chunks.length === 1 ? hash('sha256', chunks[0]!, 'buffer') : concatHash(chunks));
    }
    // Keys given as strings are credentials (the signer's own derived keys are bytes).
    const first = chunks.length === 1 ? chunks[0] : undefined;
    const single = typeof secret === 'string' && first !== undefined ? (typeof first === 'string' ? first : first.toString('latin1')) : undefined;
    const last = NodeSha256.remembered;
    if (single !== undefined && last?.secret === secret && last.data === single) return Promise.resolve(last.digest);
    const hmac = createHmac('sha256', toBuffer(secret));
    for (const chunk of chunks) hmac.update(chunk);
    const digest = hmac.digest();
    if (single !== undefined) NodeSha256.remembered = { secret: secret as string, data: single, digest };
    return Promise.resolve(digest);
  }
  reset(): void {
    this.chunks = [];
  }
}

function concatHash(chunks: (Buffer | string)[]): Buffer {
  const h = createHash('sha256');
  for (const chunk of chunks) h.update(chunk);
  return h.digest();
}

function toBuffer(data: SourceData): Buffer | string {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
