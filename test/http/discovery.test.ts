/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed */
/**
 * GET /v1/users?query= and GET /v1/me/suggestions over HTTP, on the reference data plus accented
 * names: its slice (every user and follow, each user's newest photos), since neither reads photos.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadItems } from '../../src/admin/load.js';
import { checkpointAtLatest, deriveLoaded } from '../../src/admin/derive-initial.js';
import { buildViews, createWorker } from '../../src/derived/worker.js';
import { attachMetrics, requestCounts, type Metrics } from '../../src/engine/metrics.js';
import { createUser, suspendUser } from '../../src/patterns/index.js';
import { REFERENCE_ITEMS } from '../support/db.js';
import { referenceSlice } from '../derived/support.js';
import { signUp, startApi, testConfig, type Api, type Session } from './support.js';

let api: Api;
let me: Session;
let metrics: Metrics;

async function search(query: string): Promise<any[]> {
  const answer = await api.call('GET', `/v1/users?query=${encodeURIComponent(query)}`, { token: me.accessToken });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.items;
}

beforeAll(async () => {
  api = await startApi();
  await loadItems(api.db.doc, api.db.table, referenceSlice(REFERENCE_ITEMS));
  await createUser(api.db, { username: 'zoe_b', name: 'Zoë Brontë', email: 'z@example.com', birthdate: '1990-01-01' });
  await createUser(api.db, { username: 'zork', name: 'Anna Zorkin', email: 'zk@example.com', birthdate: '1990-01-01' });
  await createUser(api.db, { username: 'alyona', name: 'Алёна Петрова', email: 'ap@example.com', birthdate: '1990-01-01' });
  me = await signUp(api, 'searcher');
  // Derived as `npm start` derives a load: the views' own code over the table, not the stream's backlog.
  await deriveLoaded(api.db, (on) => buildViews(on, testConfig().derived));
  await checkpointAtLatest(api.db.client, api.db, testConfig().derived);
  metrics = attachMetrics(api.db.lean ?? api.db.client);
}, 180_000);

afterAll(async () => {
  metrics.detach();
  await api.close();
});

describe('GET /v1/users?query=', () => {
  it('finds by username prefix and by any word of the name, case and accents ignored', async () => {
    expect((await search('jackson')).map((u) => u.username)).toEqual(['jacksonjason']);
    expect((await search('JOHN PER')).map((u) => u.username)).toContain('jacksonjason');
    expect((await search('perry')).map((u) => u.username)).toContain('jacksonjason');
    expect((await search('zoe')).map((u) => u.username)).toEqual(['zoe_b']);
    expect((await search('BRONTE')).map((u) => u.username)).toEqual(['zoe_b']);
    // Names in other scripts are words too, with the same folding (ё → е, upper → lower).
    expect((await search('АЛЕНА')).map((u) => u.username)).toEqual(['alyona']);
    expect((await search('петр')).map((u) => u.username)).toEqual(['alyona']);
  });

  it('ranks username matches before name matches, and shows public fields with my relation only', async () => {
    const found = await search('zo');
    expect(found.map((u) => u.username)).toEqual(['zoe_b', 'zork']);
    const anna = await search('zork');
    // zork matches as username; Anna Zorkin's name matches too, once.
    expect(anna.map((u) => u.username)).toEqual(['zork']);
    expect(anna[0]).toEqual({ username: 'zork', name: 'Anna Zorkin', interests: [], private: false, status: '', followers: 0, following: 0, viewer: { following: false, followedBy: false, requested: false } });
  });

  it('is one Query and two BatchGetItem, never a Scan', async () => {
    metrics.reset();
    await search('da');
    expect(requestCounts(metrics.snapshot())).toEqual({ Query: 1, BatchGetItem: 2 });
  });

  it('rejects a query with fewer than two letters', async () => {
    const answer = await api.call('GET', '/v1/users?query=%20a%20', { token: me.accessToken });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('GET /v1/me/suggestions', () => {
  it('suggests users followed by the people I follow, not those I already follow, with a bounded number of requests', async () => {
    expect((await api.call('PUT', '/v1/users/haroldwatkins/followers/me', { token: me.accessToken })).status).toBe(201);
    metrics.reset();
    const answer = await api.call('GET', '/v1/me/suggestions', { token: me.accessToken });
    expect(answer.status).toBe(200);
    const names = answer.body.items.map((u: any) => u.username);
    // haroldwatkins follows these 10 (the lab's step 3); the top 10 suggestions are among them.
    const followedByHarold = ['chasevang', 'david25', 'frankhall', 'geoffrey32', 'jacksonjason', 'natasha87', 'nmitchell', 'ppierce', 'tmartinez', 'vpadilla'];
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(followedByHarold).toContain(name);
    expect(names).not.toContain('haroldwatkins');
    expect(answer.body.items[0].mutuals).toBe(1);
    const counts = requestCounts(metrics.snapshot());
    expect(counts).not.toHaveProperty('Scan');
    expect(counts).toEqual({ Query: 2, GetItem: 1, BatchGetItem: 2 });
  });
});

describe('who search never shows', () => {
  it('users a block stands between, either way, and suspended users', async () => {
    const other = await signUp(api, 'zblocker');
    const indexer = createWorker({ client: api.db.client, db: api.db, settings: { ...testConfig().derived, pollMs: 50 } });
    await indexer.drain();
    await indexer.stop();
    expect((await search('zblocker')).map((u) => u.username)).toEqual(['zblocker']);
    expect((await api.call('PUT', '/v1/blocks/searcher', { token: other.accessToken })).status).toBe(201);
    // Blocked by zblocker: to me that account does not exist.
    expect(await search('zblocker')).toEqual([]);
    expect((await api.call('DELETE', '/v1/blocks/searcher', { token: other.accessToken })).status).toBe(204);
    expect((await api.call('PUT', '/v1/blocks/zork', { token: me.accessToken })).status).toBe(201);
    expect((await search('zo')).map((u) => u.username)).toEqual(['zoe_b']);
    await suspendUser(api.db, 'zoe_b', 'spam');
    expect(await search('zo')).toEqual([]);
  });
});
