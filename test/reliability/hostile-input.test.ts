/**
 * Property-based hostile input over HTTP: whatever arrives, the answer is never a 5xx, every
 * error has the one error shape, nothing leaks, and nothing is half-written.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../../src/admin/doctor.js';
import { signUp, startApi, type Answer, type Api, type Session } from '../http/support.js';

let api: Api;
let victim: Session;
let attacker: Session;
let victimBefore: unknown;

const LEAKS = /passwordHash|tokenHash|salt|ValidationException|ConditionalCheckFailed|TransactionCanceled|at [\w.]+ \(|node_modules/;

function assertSane(answer: Answer, allowed: number[]): void {
  expect(answer.status).toBeLessThan(500);
  expect(allowed).toContain(answer.status);
  if (answer.status >= 400) {
    expect(answer.body).toMatchObject({ error: { code: expect.stringMatching(/^[A-Z_]+$/) as string, message: expect.any(String) as string } });
  }
  expect(answer.bytes.toString('utf8')).not.toMatch(LEAKS);
}

// Strings that probe key separators, range bounds, encodings and sizes.
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('a#b', 'a$', '#METADATA#x', 'USER#victim', 'PHOTO$', '..', '%00', ' ', 'x'.repeat(5000), 'victim', 'VICTIM'),
);

beforeAll(async () => {
  api = await startApi();
  victim = await signUp(api, 'victim');
  attacker = await signUp(api, 'attacker');
  victimBefore = (await api.call('GET', '/v1/users/victim', { token: victim.accessToken })).body;
});
afterAll(async () => {
  await api.close();
});

describe('hostile input', () => {
  it('path parameters of any shape', async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, hostileString, async (name, ts) => {
        const u = encodeURIComponent(name);
        const t = encodeURIComponent(ts);
        const token = attacker.accessToken;
        assertSane(await api.call('GET', `/v1/users/${u}`, { token }), [200, 400, 404, 414]);
        assertSane(await api.call('GET', `/v1/users/${u}/photos`, { token }), [200, 400, 404, 414]);
        assertSane(await api.call('GET', `/v1/photos/${t}`, { token }), [200, 400, 404, 414]);
        assertSane(await api.call('GET', `/v1/photos/${t}/reactions`, { token }), [200, 400, 404, 414]);
        assertSane(await api.call('PUT', `/v1/photos/${t}/reactions/${u}`, { token }), [400, 404, 414]);
        assertSane(await api.call('DELETE', `/v1/photos/${t}`, { token }), [400, 403, 404, 414]);
        assertSane(await api.call('PUT', `/v1/users/${u}/followers/me`, { token }), [201, 200, 204, 400, 404, 409, 414]);
      }),
      { numRuns: 40 },
    );
  });

  it('sign-up and profile bodies of any shape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), fc.dictionary(hostileString, fc.anything(), { maxKeys: 5 }), async (body, patch) => {
        assertSane(await api.call('POST', '/v1/accounts', { json: body }), [201, 400, 409]);
        assertSane(await api.call('PATCH', '/v1/users/attacker', { token: attacker.accessToken, json: patch }), [200, 400]);
        assertSane(await api.call('PATCH', '/v1/users/victim', { token: attacker.accessToken, json: patch }), [400, 403]);
      }),
      { numRuns: 60 },
    );
  });

  it('malformed JSON, wrong media types, forged cursors and limits, bad tokens', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), hostileString, fc.string({ maxLength: 300 }), async (raw, cursor, bearer) => {
        const token = attacker.accessToken;
        assertSane(await api.call('POST', '/v1/accounts', { body: `{${raw}`, headers: { 'content-type': 'application/json' } }), [400]);
        assertSane(await api.call('PATCH', '/v1/users/attacker', { token, body: raw, headers: { 'content-type': 'text/plain' } }), [400, 415]);
        const query = `?cursor=${encodeURIComponent(cursor)}&limit=${encodeURIComponent(raw.slice(0, 5))}`;
        assertSane(await api.call('GET', `/v1/users/victim/followers${query}`, { token }), [200, 400]);
        assertSane(await api.call('GET', `/v1/users/victim/photos${query}`, { token }), [200, 400]);
        const header = /^[\x20-\x7e]*$/.test(bearer) ? `Bearer ${bearer}` : 'Bearer x';
        assertSane(await api.call('GET', '/v1/users/victim', { headers: { authorization: header } }), [401]);
      }),
      { numRuns: 60 },
    );
  });

  it('left no partial write and did not touch the victim', async () => {
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);
    const victimAfter = (await api.call('GET', '/v1/users/victim', { token: victim.accessToken })).body as Record<string, unknown>;
    // The owner's own view carries no `viewer` relation; the attacker's did (and may have changed).
    const { viewer: _viewer, ...before } = victimBefore as Record<string, unknown>;
    expect({ ...victimAfter, followers: 0 }).toEqual({ ...before, followers: 0 });
  });
});
