/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed */
/**
 * PATCH /v1/photos/{photoId}: the owner edits a caption; anyone else, a missing or taken-down
 * photo, an ended session and bad text are refused without changing anything; the feed (a
 * derived view fed by the stream's MODIFY) shows the new caption.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../../src/admin/doctor.js';
import { derivedDb } from '../../src/derived/store/index.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { getPhoto, suspendUser, takeDownPhoto } from '../../src/patterns/index.js';
import { photoRef } from '../../src/http/views.js';
import { photoId } from '../../src/schema/ids.js';
import { derivedRanges } from '../../src/schema/keys.js';
import { imageForm, PNG_1x1, profile, signUp, startApi, testConfig, type Api, type Session } from './support.js';

let api: Api;
let worker: Worker;
let owner: Session;
let other: Session;

const patch = (session: Session, id: string, json: unknown) => api.call('PATCH', `/v1/photos/${id}`, { token: session.accessToken, json });
async function upload(session: Session): Promise<string> {
  const answer = await api.call('POST', `/v1/users/${session.username}/photos`, { token: session.accessToken, body: imageForm(PNG_1x1) });
  expect(answer.status).toBe(201);
  return String(answer.body.id);
}
const stored = async (id: string) => {
  const ref = photoRef(id);
  return getPhoto(api.db, ref.username, ref.timestamp);
};

beforeAll(async () => {
  api = await startApi();
  worker = createWorker({ client: api.db.client, db: api.db, settings: { ...testConfig().derived, pollMs: 50 } });
  [owner, other] = [await signUp(api, 'capper'), await signUp(api, 'nosy')];
});

afterAll(async () => {
  await worker.stop();
  await api.close();
});

describe('PATCH /v1/photos/{photoId}', () => {
  it('sets, repeats and removes the caption of your own photo', async () => {
    const id = await upload(owner);
    const first = await patch(owner, id, { caption: 'Sunset\nover the bay' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ id, caption: 'Sunset\nover the bay' });
    // The same edit again (a retry whose answer was lost) is the same answer.
    const again = await patch(owner, id, { caption: 'Sunset\nover the bay' });
    expect([again.status, again.body.caption]).toEqual([200, 'Sunset\nover the bay']);
    const read = await api.call('GET', `/v1/photos/${id}`, { token: other.accessToken });
    expect(read.body.caption).toBe('Sunset\nover the bay');
    const cleared = await patch(owner, id, { caption: '' });
    expect(cleared.status).toBe(200);
    expect(cleared.body.caption).toBeUndefined();
    expect((await stored(id)).caption).toBeUndefined();
  });

  it("answers 404 for another user's photo and for a missing one, and changes nothing", async () => {
    const id = await upload(owner);
    expect((await patch(owner, id, { caption: 'mine' })).status).toBe(200);
    const foreign = await patch(other, id, { caption: 'hijacked' });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'PHOTO_NOT_FOUND']);
    expect((await stored(id)).caption).toBe('mine');
    const ref = photoRef(id);
    const missing = await patch(owner, photoId(ref.username, ref.timestamp.replace(/^\d{4}/, '2001')), { caption: 'x' });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'PHOTO_NOT_FOUND']);
  });

  it('refuses what upload refuses: too long, control characters, a missing or extra field', async () => {
    const id = await upload(owner);
    for (const body of [{ caption: 'x'.repeat(2201) }, { caption: 'bell\u0007' }, { caption: 'a\r\nb' }, {}, { caption: 'ok', location: 'file:///etc/passwd' }, { caption: 7 }]) {
      const answer = await patch(owner, id, body);
      expect([answer.status, answer.body.error.code], JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await stored(id)).caption).toBeUndefined();
  });

  it('a deleted or taken-down photo cannot be edited back into existence', async () => {
    const deleted = await upload(owner);
    expect((await api.call('DELETE', `/v1/photos/${deleted}`, { token: owner.accessToken })).status).toBe(204);
    const afterDelete = await patch(owner, deleted, { caption: 'back?' });
    expect([afterDelete.status, afterDelete.body.error.code]).toEqual([404, 'PHOTO_NOT_FOUND']);
    const takenDown = await upload(owner);
    const ref = photoRef(takenDown);
    await takeDownPhoto(api.db, ref.username, ref.timestamp, 'spam');
    const afterTakedown = await patch(owner, takenDown, { caption: 'back?' });
    expect([afterTakedown.status, afterTakedown.body.error.code]).toEqual([404, 'PHOTO_NOT_FOUND']);
    // No stray half-item was made by the Update.
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);
  });

  it('the feed and the activity show the new caption; the MODIFY neither duplicates nor removes entries', async () => {
    const reader = await signUp(api, 'reader');
    expect((await api.call('PUT', '/v1/users/capper/followers/me', { token: reader.accessToken })).status).toBe(201);
    const id = await upload(owner);
    await worker.drain();
    const feedIds = async () => ((await api.call('GET', '/v1/me/feed', { token: reader.accessToken })).body.items as any[]).map((i) => [i.photo.id, i.photo.caption]);
    const derived = derivedDb(api.db);
    const entries = async () =>
      (await derived.doc.send(new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.feed('reader').pk } }))).Items?.length;
    expect((await api.call('PUT', `/v1/photos/${id}/reactions/heart`, { token: reader.accessToken })).status).toBe(201);
    await worker.drain();
    const before = await entries();
    expect((await feedIds()).find(([photo]) => photo === id)).toEqual([id, undefined]);
    expect((await patch(owner, id, { caption: 'edited' })).status).toBe(200);
    await worker.drain();
    expect((await feedIds()).filter(([photo]) => photo === id)).toEqual([[id, 'edited']]);
    expect(await entries()).toBe(before);
    // The owner's activity ("reader reacted to your photo") shows the photo as it is now.
    const activity = (await api.call('GET', '/v1/me/activity', { token: owner.accessToken })).body.items as any[];
    expect(activity.filter((item) => item.photo?.id === id).map((item) => item.photo.caption)).toEqual(['edited']);
  });

  it('an ended session (suspension) edits nothing', async () => {
    const victim = await signUp(api, 'suspect');
    const id = await upload(victim);
    await suspendUser(api.db, 'suspect', 'spam');
    const answer = await patch(victim, id, { caption: 'after suspension' });
    expect([answer.status, answer.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    expect((await stored(id)).caption).toBeUndefined();
    const foreign = await patch(victim, await upload(other), { caption: 'x' });
    expect([foreign.status, foreign.body.error.code]).toEqual([401, 'SESSION_ENDED']);
  });

  it('an account being deleted edits nothing', async () => {
    const leaving = await signUp(api, 'leaving');
    const id = await upload(leaving);
    expect((await api.call('DELETE', '/v1/me', { token: leaving.accessToken, json: { password: profile('leaving').password } })).status).toBe(202);
    const answer = await patch(leaving, id, { caption: 'last words' });
    expect([answer.status, answer.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    const ref = photoRef(id);
    const left = await getPhoto(api.db, ref.username, ref.timestamp).catch((error: { code: string }) => error.code);
    expect(typeof left === 'string' ? left : left.caption).not.toBe('last words');
  });
});
