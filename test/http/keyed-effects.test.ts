/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument */
/**
 * Retries x every POST that creates something, where the engine's answer is lost after the
 * commit (injected on the real engine through the API's `wrapDoc` hook):
 *  - with an Idempotency-Key the request itself finds out that its effect applied and answers
 *    201, and a retry replays that answer: one comment, one photo (its files intact), one slot;
 *  - without one, a photo or avatar that may exist keeps its files (they used to be deleted under it);
 *  - a request that dies after its commit is never run a second time by a retry (409 while its
 *    lease runs, then "succeeded, answer not kept"), and a request that ran past its lease can no
 *    longer apply once a retry took its key over.
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openUploads } from '../../src/patterns/index.js';
import { ranges } from '../../src/schema/keys.js';
import { waitFor } from '../support/wait.js';
import { answerFaults } from './answer-faults.js';
import { imageForm, PNG_1x1, signUp, startApi, type Api, type Session } from './support.js';

const faults = answerFaults();

let api: Api;
let owner: Session;
let ann: Session;
const as = (session: Session) => ({ token: session.accessToken });
const absolute = (url: string) => (url.startsWith('/') ? api.url + url : url);

async function upload(session: Session, key?: string) {
  return api.call('POST', `/v1/users/${session.username}/photos`, { ...as(session), body: imageForm(PNG_1x1), headers: key ? { 'idempotency-key': key } : {} });
}
const photoIds = async (session: Session) => ((await api.call('GET', `/v1/users/${session.username}/photos`, as(session))).body.items as { id: string }[]).map((p) => p.id);
const served = async (photo: { variants: { url: string }[] }) => Promise.all(photo.variants.map(async (v) => (await fetch(absolute(v.url))).status));
const comment = (photoId: string, text: string, key: string) =>
  api.call('POST', `/v1/photos/${photoId}/comments`, { ...as(ann), json: { text }, headers: { 'idempotency-key': key } });
const comments = async (photoId: string) => ((await api.call('GET', `/v1/photos/${photoId}/comments`, as(ann))).body.items as { id: string; text: string }[]).map((c) => c.text);

/** Ann's kept keys, as stored (state, lease). */
async function annKeys(): Promise<Record<string, unknown>[]> {
  const result = await api.db.doc.send(
    new QueryCommand({ TableName: api.db.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': ranges.idempotencyOf('ann').pk }, ConsistentRead: true }),
  );
  return result.Items ?? [];
}
/** Ends the lease of Ann's key in `state`, as if its request had died that long ago. */
async function endLease(state: string): Promise<void> {
  const item = (await annKeys()).find((k) => k.state === state);
  if (!item) throw new Error(`no key of ann is ${state}`);
  await api.db.doc.send(new UpdateCommand({ TableName: api.db.table, Key: { PK: item.PK, SK: item.SK }, UpdateExpression: 'SET leaseUntil = :past', ExpressionAttributeValues: { ':past': 1 } }));
}

beforeAll(async () => {
  api = await startApi({}, { wrapDoc: faults.wrap });
  [owner, ann] = [await signUp(api, 'owner'), await signUp(api, 'ann')];
});

afterAll(async () => {
  faults.release();
  await api?.close();
});

describe('a keyed POST whose effect applied and whose answer was lost', () => {
  it('a comment is posted once, answered 201, and a retry replays that answer', async () => {
    const photo = (await upload(owner)).body.id as string;
    faults.inject('lose');
    const first = await comment(photo, 'once', 'comment-lost-0001');
    expect(faults.pending).toBe(false);
    expect([first.status, first.body.text]).toEqual([201, 'once']);
    const retry = await comment(photo, 'once', 'comment-lost-0001');
    expect([retry.status, retry.headers.get('idempotent-replayed'), retry.body]).toEqual([201, 'true', first.body]);
    expect(await comments(photo)).toEqual(['once']);
  });

  it('a multipart photo is stored once, with its files, and a retry replays its answer', async () => {
    const before = await photoIds(ann);
    faults.inject('lose');
    const first = await upload(ann, 'photo-lost-0001');
    expect(faults.pending).toBe(false);
    expect(first.status).toBe(201);
    expect(await served(first.body)).toEqual((first.body.variants as unknown[]).map(() => 200));
    const retry = await upload(ann, 'photo-lost-0001');
    expect([retry.status, retry.body.id]).toEqual([201, first.body.id]);
    expect(await photoIds(ann)).toEqual([first.body.id, ...before]);
  });

  it('a direct-upload slot is issued once', async () => {
    const slot = () =>
      api.call('POST', '/v1/users/ann/uploads', { ...as(ann), json: { contentLength: PNG_1x1.length, contentType: 'image/png' }, headers: { 'idempotency-key': 'slot-lost-0001' } });
    faults.inject('lose');
    const first = await slot();
    expect(faults.pending).toBe(false);
    expect(first.status).toBe(201);
    expect((await slot()).body.uploadId).toBe(first.body.uploadId);
    expect((await openUploads(api.db, 'ann')).map((s) => s.uploadId)).toEqual([first.body.uploadId]);
  });
});

describe('an unkeyed image write whose answer was lost', () => {
  it('fails, and the photo that exists all the same keeps its files', async () => {
    const before = await photoIds(owner);
    faults.inject('lose');
    const lost = await upload(owner);
    expect(faults.pending).toBe(false);
    expect(lost.status).toBe(503);
    const [made, ...rest] = await photoIds(owner);
    expect(rest).toEqual(before);
    const photo = await api.call('GET', `/v1/photos/${made}`, as(owner));
    expect(await served(photo.body)).toEqual((photo.body.variants as unknown[]).map(() => 200));
  });

  it('an avatar that was set all the same keeps its files', async () => {
    faults.inject('lose', 'UpdateCommand');
    const lost = await api.call('PUT', '/v1/users/owner/avatar', { ...as(owner), body: imageForm(PNG_1x1) });
    expect(faults.pending).toBe(false);
    expect(lost.status).toBe(503);
    const profile = await api.call('GET', '/v1/users/owner', as(owner));
    expect(profile.body.avatar.variants.length).toBeGreaterThan(0);
    expect(await served(profile.body.avatar)).toEqual((profile.body.avatar.variants as unknown[]).map(() => 200));
  });
});

describe('a keyed request whose process stopped around its commit', () => {
  it('after the commit: a retry is told it is in flight, then that it succeeded, and never posts again', async () => {
    const photo = (await upload(owner)).body.id as string;
    faults.inject('hold');
    const first = comment(photo, 'held', 'comment-held-0001');
    await waitFor(() => faults.waiting, { what: 'the comment transaction to apply and hold its answer' });
    const during = await comment(photo, 'held', 'comment-held-0001');
    expect([during.status, during.body.error?.code]).toEqual([409, 'IDEMPOTENCY_KEY_IN_FLIGHT']);
    // Its process gone past the lease: the key stays applied; the retry is not run.
    await endLease('applied');
    const after = await comment(photo, 'held', 'comment-held-0001');
    expect([after.status, after.body.error?.code]).toEqual([409, 'IDEMPOTENCY_ANSWER_NOT_KEPT']);
    expect(await comments(photo)).toEqual(['held']);
    // The first request, answered at last, still finds its effect and answers it; that answer is kept.
    faults.release();
    const answered = await first;
    expect([answered.status, answered.body.text]).toEqual([201, 'held']);
    const replay = await comment(photo, 'held', 'comment-held-0001');
    expect([replay.status, replay.body]).toEqual([201, answered.body]);
  });

  it('before the commit: once a retry took the key over, the late first attempt cannot post too', async () => {
    const photo = (await upload(owner)).body.id as string;
    faults.inject('stall');
    const first = comment(photo, 'late', 'comment-late-0001');
    await waitFor(() => faults.waiting, { what: 'the comment transaction to stall before it is sent' });
    await endLease('pending');
    const retry = await comment(photo, 'late', 'comment-late-0001');
    expect(retry.status).toBe(201);
    faults.release();
    const late = await first;
    expect([late.status, late.body.error?.code]).toEqual([409, 'IDEMPOTENCY_KEY_IN_FLIGHT']);
    expect(await comments(photo)).toEqual(['late']);
    const replay = await comment(photo, 'late', 'comment-late-0001');
    expect([replay.status, replay.body]).toEqual([201, retry.body]);
  });
});
