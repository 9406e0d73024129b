/**
 * The idempotency key item's lifecycle on the real engine, on both clients' wire formats: a
 * claim holds the key until its lease ends (a request that died with its process), only the
 * claiming attempt may keep its answer or release the key, and an expired key is free before
 * TTL deletion runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimIdempotencyKey, releaseIdempotencyKey, settleIdempotencyKey, type Claim, type Db } from '../src/patterns/index.js';
import { createTestDb, type TestDb } from './support/db.js';

let db: TestDb;
const clients = {} as Record<'sdk' | 'lean', Db>;

beforeAll(async () => {
  db = await createTestDb({ index: false });
  clients.sdk = { ...db, doc: db.sdk };
  clients.lean = { ...db, doc: db.patterns };
});
afterAll(async () => {
  await db.drop();
});

// Real time: the engine's TTL sweeper deletes items whose expiresAt has really passed.
const NOW = Date.now();

function claim(digest: string, claimId: string, fingerprint = 'fp-1', now = NOW): Claim {
  return { ref: { username: 'kim', scope: 'Aid-1', digest }, fingerprint, claimId, expiresAt: Math.ceil(now / 1000) + 86_400, leaseUntil: now + 300_000 };
}

describe.each(['sdk', 'lean'] as const)('idempotency keys through the %s client', (kind) => {
  it('a pending claim holds its key until its lease ends; then a new attempt takes it over and the old one can no longer settle', async () => {
    const d = clients[kind];
    const first = claim(`${kind}-lease`, 'first');
    expect(await claimIdempotencyKey(d, first, NOW)).toBeUndefined();
    expect(await claimIdempotencyKey(d, claim(`${kind}-lease`, 'second'), NOW + 1_000)).toEqual({ state: 'pending', fingerprint: 'fp-1' });
    const later = NOW + 300_001;
    const second = claim(`${kind}-lease`, 'second', 'fp-1', later);
    expect(await claimIdempotencyKey(d, second, later)).toBeUndefined();
    expect(await settleIdempotencyKey(d, first, { status: 201, answer: 'sealed-1' })).toBe(false);
    await releaseIdempotencyKey(d, first);
    expect(await settleIdempotencyKey(d, second, { status: 201, answer: 'sealed-2' })).toBe(true);
    expect(await claimIdempotencyKey(d, claim(`${kind}-lease`, 'third', 'fp-2', later), later)).toEqual({ state: 'done', fingerprint: 'fp-1', status: 201, answer: 'sealed-2' });
  });

  it('a finished key holds until it expires, even past its lease; an answer too large to keep is recorded without it', async () => {
    const d = clients[kind];
    const first = claim(`${kind}-done`, 'first');
    expect(await claimIdempotencyKey(d, first, NOW)).toBeUndefined();
    expect(await settleIdempotencyKey(d, first, { status: 201 })).toBe(true);
    const dayLater = NOW + 86_400_000 - 1_000;
    expect(await claimIdempotencyKey(d, claim(`${kind}-done`, 'again', 'fp-1', dayLater), dayLater)).toEqual({ state: 'done', fingerprint: 'fp-1', status: 201, answer: undefined });
    const expired = NOW + 86_400_000 + 1_000;
    expect(await claimIdempotencyKey(d, claim(`${kind}-done`, 'fresh', 'fp-9', expired), expired)).toBeUndefined();
  });

  it('a released key is free at once', async () => {
    const d = clients[kind];
    const first = claim(`${kind}-released`, 'first');
    expect(await claimIdempotencyKey(d, first, NOW)).toBeUndefined();
    await releaseIdempotencyKey(d, first);
    expect(await claimIdempotencyKey(d, claim(`${kind}-released`, 'second', 'fp-2'), NOW)).toBeUndefined();
  });
});
