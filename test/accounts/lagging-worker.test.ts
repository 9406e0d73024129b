/* eslint-disable @typescript-eslint/no-unsafe-member-access */
/**
 * Re-registration against a lagging worker: records written for an account's name before it was
 * deleted, applied by the stream worker only after the name was registered again, reach nothing
 * of the new account. A mention made before an account existed is not that account's.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivedDb } from '../../src/derived/store/index.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { listPendingDeletions } from '../../src/patterns/index.js';
import { derivedRanges } from '../../src/schema/keys.js';
import { imageForm, PNG_1x1, profile, signUp, startApi, testConfig, type Api, type Session } from '../http/support.js';
import { waitFor } from '../support/wait.js';

let api: Api;
let worker: Worker;
let ann: Session;

beforeAll(async () => {
  api = await startApi();
  ann = await signUp(api, 'ann');
  // Not started: it applies the stream only when drained, as a worker lagging behind would.
  worker = createWorker({ client: api.db.client, db: api.db, settings: { ...testConfig().derived, pollMs: 50 }, autoStart: false });
}, 120_000);

afterAll(async () => {
  await worker.stop();
  await api.close();
});

/** The mention items of a user's activity as stored: "actor source". */
async function mentionsOf(name: string): Promise<string[]> {
  const derived = derivedDb(api.db);
  const range = derivedRanges.activity(name);
  const page = await derived.doc.send(new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)', ExpressionAttributeValues: { ':pk': range.pk, ':p': range.prefix }, ConsistentRead: true }));
  return (page.Items ?? []).filter((i) => i.type === 'mention').map((i) => `${String(i.actor)} ${String(i.source)}`);
}

describe('a name registered again while the worker lags', () => {
  it('does not get the mentions made of the deleted account', async () => {
    const as = (s: Session) => ({ token: s.accessToken });
    const old = await signUp(api, 'named');
    const photo = await api.call('POST', '/v1/users/ann/photos', { ...as(ann), body: imageForm(PNG_1x1) });
    expect(photo.status).toBe(201);
    const id = photo.body.id as string;
    expect((await api.call('PATCH', `/v1/photos/${id}`, { ...as(ann), json: { caption: 'with @named at the lake' } })).status).toBe(200);
    expect((await api.call('POST', `/v1/photos/${id}/comments`, { ...as(ann), json: { text: 'thanks @named' } })).status).toBe(201);

    expect((await api.call('DELETE', '/v1/me', { ...as(old), json: { password: profile('named').password } })).status).toBe(202);
    await waitFor(async () => !(await listPendingDeletions(api.db)).includes('named'), { what: 'the deletion job', timeoutMs: 60_000 });
    const again = await api.call('POST', '/v1/accounts', { json: { ...profile('named'), email: 'named-again@example.com' } });
    expect(again.status).toBe(201);
    const fresh = { username: 'named', accessToken: again.body.session.accessToken as string, refreshToken: '' };

    await worker.drain();
    expect(await mentionsOf('named')).toEqual([]);
    const activity = await api.call('GET', '/v1/me/activity', as(fresh));
    expect(activity.status).toBe(200);
    expect((activity.body.items as { type: string }[]).filter((i) => i.type === 'mention')).toEqual([]);

    // A mention of the new account is its own.
    expect((await api.call('POST', `/v1/photos/${id}/comments`, { ...as(ann), json: { text: 'welcome back @named' } })).status).toBe(201);
    await worker.drain();
    expect(await mentionsOf('named')).toHaveLength(1);
  });
});
