/* eslint-disable @typescript-eslint/no-unsafe-member-access */
/**
 * Deletion leaves nothing that names the account, so a later account of the same name
 * inherits nothing (requests both ways, blocks both ways, notices, the private mark, reports,
 * derived feed and activity); and `doctor` finds and removes any item that names an account
 * that does not exist, conditional on what it read.
 */
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../../src/admin/doctor.js';
import { auditDerived } from '../../src/admin/doctor-derived.js';
import { repairAccountProblem, type AccountProblem } from '../../src/admin/doctor-accounts.js';
import { auditSafetyOnce } from '../../src/admin/safety-doctor.js';
import { createLocalBlobStore, deletePhotoFiles, deleteUserFiles } from '../../src/blobs/index.js';
import { createUser, finishDeletion, listPendingDeletions, listReports, startAccountDeletion, takeDownPhoto } from '../../src/patterns/index.js';
import { commentId } from '../../src/schema/ids.js';
import { derivedKeys, keys, type ItemKey } from '../../src/schema/keys.js';
import { derivedTableName } from '../../src/schema/table.js';
import { imageForm, PNG_1x1, profile, signUp, startApi, type Api, type Session } from '../http/support.js';
import { waitFor } from '../support/wait.js';

let api: Api;
let stranger: Session;
let privy: Session;
let hater: Session;

beforeAll(async () => {
  api = await startApi();
  [stranger, privy, hater] = [await signUp(api, 'stranger'), await signUp(api, 'privy'), await signUp(api, 'hater')];
  await signUp(api, 'annoy');
  expect((await api.call('PUT', '/v1/account/privacy', { token: privy.accessToken, json: { private: true } })).status).toBe(200);
});

afterAll(async () => {
  await api.close();
});

/** The background deletion job has no answer to wait for: poll its effect, with a bound. */
const eventually = (condition: () => Promise<boolean>, timeoutMs = 60_000) => waitFor(condition, { what: 'the deletion job', timeoutMs });

const exists = async (table: string, key: ItemKey) => (await api.db.doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item !== undefined;

describe('account deletion', () => {
  it('removes everything that names the account: the next account of the name inherits nothing', async () => {
    const old = await signUp(api, 'oldname');
    const as = (s: Session) => ({ token: s.accessToken });
    expect((await api.call('PUT', '/v1/account/privacy', { ...as(old), json: { private: true } })).status).toBe(200);
    expect((await api.call('PUT', '/v1/users/oldname/followers/me', as(stranger))).status).toBe(202);
    expect((await api.call('PUT', '/v1/users/privy/followers/me', as(old))).status).toBe(202);
    expect((await api.call('PUT', '/v1/blocks/annoy', as(old))).status).toBe(201);
    expect((await api.call('PUT', '/v1/blocks/oldname', as(hater))).status).toBe(201);
    expect((await api.call('PUT', '/v1/reports/users/annoy', { ...as(old), json: { reason: 'spam' } })).status).toBe(201);
    expect((await api.call('PUT', '/v1/reports/users/oldname', { ...as(hater), json: { reason: 'spam' } })).status).toBe(201);
    const photo = await api.call('POST', '/v1/users/oldname/photos', { ...as(old), body: imageForm(PNG_1x1), headers: { 'idempotency-key': 'oldname-photo-1' } });
    expect(photo.status).toBe(201);
    await takeDownPhoto(api.db, 'oldname', (photo.body.timestamp as string).replace(/Z$/, ''), 'spam');
    // What the stream worker would have made for the account (the worker does not run here).
    const derived = derivedTableName(api.db.table);
    const planted = [
      derivedKeys.activityState('oldname'),
      derivedKeys.followActivity('oldname', '2026-01-01T00:00:00', 'stranger'),
      derivedKeys.feedEntry('oldname', 'privy', '2026-01-01T00:00:00'),
      derivedKeys.feedBigAuthors('oldname'),
      // Its newest photo times, kept while it had a big author's followers (its photos' deletions leave it once it has none).
      derivedKeys.recentPhotos('oldname'),
    ];
    for (const key of planted) await api.db.doc.send(new PutCommand({ TableName: derived, Item: { ...key, author: 'privy' } }));

    expect((await api.call('DELETE', '/v1/me', { ...as(old), json: { password: profile('oldname').password } })).status).toBe(202);
    await eventually(async () => !(await listPendingDeletions(api.db)).includes('oldname'));

    const again = await api.call('POST', '/v1/accounts', { json: { ...profile('oldname'), email: 'second-owner@example.com' } });
    expect(again.status).toBe(201);
    const fresh = { username: 'oldname', accessToken: again.body.session.accessToken as string, refreshToken: '' };
    expect((await api.call('GET', '/v1/follow-requests', as(fresh))).body.items).toEqual([]);
    expect((await api.call('GET', '/v1/blocks', as(fresh))).body.items).toEqual([]);
    expect((await api.call('GET', '/v1/notices', as(fresh))).body.items).toEqual([]);
    expect((await api.call('GET', '/v1/me', as(fresh))).body.private).not.toBe(true);
    // The stranger's request, approved by the new owner, reaches nothing.
    expect((await api.call('PUT', '/v1/follow-requests/stranger/approval', as(fresh))).status).toBe(404);
    expect((await api.call('GET', '/v1/users/oldname/followers', as(fresh))).body.items).toEqual([]);
    expect((await api.call('GET', '/v1/follow-requests', as(privy))).body.items).toEqual([]);
    expect((await api.call('GET', '/v1/blocks', as(hater))).body.items).toEqual([]);
    expect((await api.call('GET', '/v1/users/oldname', as(hater))).status).toBe(200);
    // A new report by the same reporter is a new report, not the old one.
    expect((await api.call('PUT', '/v1/reports/users/oldname', { ...as(hater), json: { reason: 'harassment' } })).status).toBe(201);
    const open = (await listReports(api.db, 'open')).items;
    expect(open.filter((r) => r.reporter === 'oldname')).toEqual([]);
    expect(open.filter((r) => r.target === 'user:oldname').map((r) => r.reason)).toEqual(['harassment']);
    for (const key of planted) expect(await exists(derived, key)).toBe(false);
    // The old account's idempotency keys went with it: the same key is a new upload.
    const retried = await api.call('POST', '/v1/users/oldname/photos', { ...as(fresh), body: imageForm(PNG_1x1), headers: { 'idempotency-key': 'oldname-photo-1' } });
    expect([retried.status, retried.headers.get('idempotent-replayed')]).toEqual([201, null]);
    expect(retried.body.id).not.toBe(photo.body.id);

    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);
    expect((await auditSafetyOnce(api.db.doc, api.db.table)).problems).toEqual([]);
  });
});

describe('account deletion, with reports of its content', () => {
  it('removes the reports against its photos, its comments and the comments on its photos: doctor is clean, the moderators see none of them', async () => {
    const old = await signUp(api, 'reported');
    const as = (s: Session) => ({ token: s.accessToken });
    const upload = (s: Session) => api.call('POST', `/v1/users/${s.username}/photos`, { ...as(s), body: imageForm(PNG_1x1) });
    const own = await upload(old);
    const elsewhere = await upload(stranger);
    expect([own.status, elsewhere.status]).toEqual([201, 201]);
    const comment = async (s: Session, photo: string) => {
      const posted = await api.call('POST', `/v1/photos/${photo}/comments`, { ...as(s), json: { text: 'look at this' } });
      expect(posted.status).toBe(201);
      return posted.body.id as string;
    };
    const itsComment = await comment(old, elsewhere.body.id as string);
    const onItsPhoto = await comment(stranger, own.body.id as string);
    const reported = [
      { path: `/v1/reports/photos/${own.body.id as string}`, target: `photo:${own.body.id as string}` },
      { path: `/v1/reports/photos/${elsewhere.body.id as string}/comments/${itsComment}`, target: `comment:${itsComment}` },
      { path: `/v1/reports/photos/${own.body.id as string}/comments/${onItsPhoto}`, target: `comment:${onItsPhoto}` },
    ];
    for (const { path } of reported) expect((await api.call('PUT', path, { ...as(hater), json: { reason: 'spam' } })).status).toBe(201);
    const reportsOfIt = async () => (await listReports(api.db, 'open')).items.filter((r) => reported.some(({ target }) => target === r.target));
    expect(await reportsOfIt()).toHaveLength(3);

    expect((await api.call('DELETE', '/v1/me', { ...as(old), json: { password: profile('reported').password } })).status).toBe(202);
    await eventually(async () => !(await listPendingDeletions(api.db)).includes('reported'));

    expect(await reportsOfIt()).toEqual([]);
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);
  });
});

describe('reports, while an account is being deleted', () => {
  it('refuses a report of its photos and comments (404, as for content already gone): none can outlive the job', async () => {
    const leaving = await signUp(api, 'leaving');
    const as = (s: Session) => ({ token: s.accessToken });
    const own = await api.call('POST', '/v1/users/leaving/photos', { ...as(leaving), body: imageForm(PNG_1x1) });
    const elsewhere = await api.call('POST', '/v1/users/stranger/photos', { ...as(stranger), body: imageForm(PNG_1x1) });
    const posted = await api.call('POST', `/v1/photos/${elsewhere.body.id as string}/comments`, { ...as(leaving), json: { text: 'hello' } });
    const reply = await api.call('POST', `/v1/photos/${elsewhere.body.id as string}/comments`, { ...as(hater), json: { text: 'hi', replyTo: posted.body.id as string } });
    expect([own.status, elsewhere.status, posted.status, reply.status]).toEqual([201, 201, 201, 201]);

    // Marked, its job not yet run: the photo and the comments are still there.
    await startAccountDeletion(api.db, 'leaving');
    const report = (path: string) => api.call('PUT', path, { ...as(privy), json: { reason: 'spam' } });
    const photo = await report(`/v1/reports/photos/${own.body.id as string}`);
    expect([photo.status, photo.body.error.code]).toEqual([404, 'PHOTO_NOT_FOUND']);
    for (const comment of [posted.body.id as string, reply.body.id as string]) {
      const answer = await report(`/v1/reports/photos/${elsewhere.body.id as string}/comments/${comment}`);
      expect([answer.status, answer.body.error.code]).toEqual([404, 'COMMENT_NOT_FOUND']);
    }
    // Content of others stays reportable; so is one's own photo.
    expect((await report(`/v1/reports/photos/${elsewhere.body.id as string}`)).status).toBe(201);

    const blobs = createLocalBlobStore(api.photosDir);
    expect(await finishDeletion(api.db, 'leaving', { deleteFiles: (p) => deletePhotoFiles(blobs, p), deleteUserFiles: (u) => deleteUserFiles(blobs, u) })).toBe('done');
    expect((await listReports(api.db, 'open')).items.filter((r) => r.reporter === 'privy' && r.target !== `photo:${elsewhere.body.id as string}`)).toEqual([]);
  });
});

describe('account deletion, with what an account leaves outside its partitions mid-flight', () => {
  it('removes its open upload slots and the address an email change reserved: doctor is clean, the next account of the name gets neither', async () => {
    const old = await signUp(api, 'slotter');
    const token = { token: old.accessToken };
    const slot = await api.call('POST', '/v1/users/slotter/uploads', { ...token, json: { contentLength: PNG_1x1.length, contentType: 'image/png' } });
    expect(slot.status).toBe(201);
    const uploadId = /\/v1\/uploads\/([^/?]+)/.exec(String(slot.body.url))![1]!;
    expect((await api.call('PATCH', '/v1/me', { ...token, json: { email: 'slotter-new@example.com', currentPassword: profile('slotter').password } })).status).toBe(200);

    expect((await api.call('DELETE', '/v1/me', { ...token, json: { password: profile('slotter').password } })).status).toBe(202);
    await eventually(async () => !(await listPendingDeletions(api.db)).includes('slotter'));
    expect(await exists(api.db.table, keys.uploadSlot(uploadId))).toBe(false);
    expect(await exists(api.db.table, keys.emailClaim('slotter@example.com'))).toBe(false);
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);

    const again = await api.call('POST', '/v1/accounts', { json: { ...profile('slotter'), email: 'slotter-third@example.com' } });
    expect(again.status).toBe(201);
    const complete = await api.call('POST', `/v1/users/slotter/uploads/${uploadId}/complete`, { token: again.body.session.accessToken as string, json: {} });
    expect([complete.status, complete.body.error.code]).toEqual([404, 'UPLOAD_NOT_FOUND']);
  });
});

describe('doctor', () => {
  it('finds and removes every item that names an account that does not exist', async () => {
    const table = api.db.table;
    const ghostComment = commentId({ photoOwner: 'stranger', photoTimestamp: '2026-01-01T00:00:00', timestamp: '2026-01-01T00:00:01', author: 'ghost' });
    const ghostReply = commentId({ photoOwner: 'stranger', photoTimestamp: '2026-01-01T00:00:00', timestamp: '2026-01-01T00:00:02', author: 'privy', parentTimestamp: '2026-01-01T00:00:01', parentAuthor: 'ghost' });
    const planted: Record<string, unknown>[] = [
      { ...keys.block('ghost', 'stranger'), blocker: 'ghost', blocked: 'stranger' },
      { ...keys.block('stranger', 'ghost'), blocker: 'stranger', blocked: 'ghost' },
      { ...keys.followRequest('privy', 'ghost'), target: 'privy', requester: 'ghost' },
      { ...keys.followRequest('ghost', 'stranger'), target: 'ghost', requester: 'stranger' },
      { ...keys.notice('ghost', '2026-01-01T00:00:00', 'abc'), reason: 'spam' },
      { ...keys.privateMark('ghost'), username: 'ghost' },
      { ...keys.report('user:ghost', 'stranger'), target: 'user:ghost', reporter: 'stranger', state: 'open', createdAt: '2026-01-01T00:00:00' },
      { ...keys.reportQueue('open', '2026-01-01T00:00:00', 'user:privy', 'ghost'), target: 'user:privy', reporter: 'ghost' },
      // A report of a comment names its author, its photo's owner and, for a reply, the replied-to author.
      { ...keys.report(`comment:${ghostComment}`, 'stranger'), target: `comment:${ghostComment}`, reporter: 'stranger', state: 'open', createdAt: '2026-01-01T00:00:00' },
      { ...keys.reportQueue('open', '2026-01-01T00:00:01', `comment:${ghostReply}`, 'privy'), target: `comment:${ghostReply}`, reporter: 'privy' },
      { ...keys.storageUse('ghost'), bytes: 0 },
      { ...keys.uploadSlot('slot-of-ghost'), username: 'ghost', uploadId: 'slot-of-ghost' },
      { ...keys.idempotency('ghost', 'P', 'c2lnbi11cC1rZXk'), state: 'done', fingerprint: 'f', status: 201, expiresAt: Math.floor(Date.now() / 1000) + 3600 },
    ];
    for (const item of planted) await api.db.doc.send(new PutCommand({ TableName: table, Item: item }));
    const keyOf = (item: Record<string, unknown>) => ({ PK: String(item.PK), SK: String(item.SK) });

    const audit = await auditTable(api.db.doc, table);
    const found = audit.problems.filter((p) => p.type === 'orphan-named-item');
    expect(found.map((p) => p.key).sort((a, b) => a.PK.localeCompare(b.PK) || a.SK.localeCompare(b.SK))).toEqual(
      planted.map(keyOf).sort((a, b) => a.PK.localeCompare(b.PK) || a.SK.localeCompare(b.SK)),
    );

    const fixed = await auditTable(api.db.doc, table, { fix: true });
    expect(fixed.remaining?.filter((p) => p.type === 'orphan-named-item')).toEqual([]);
    for (const item of planted) expect(await exists(table, keyOf(item))).toBe(false);
  });

  it('finds and removes what the derived table keeps for an account that does not exist: read marker, followed big authors, newest photos', async () => {
    const derived = derivedTableName(api.db.table);
    const planted = [
      { ...derivedKeys.activityState('ghost'), readUpTo: '2026-01-01T00:00:00' },
      { ...derivedKeys.feedBigAuthors('ghost'), 'big:stranger': true },
      { ...derivedKeys.recentPhotos('ghost'), author: 'ghost', timestamps: ['2026-01-01T00:00:00'] },
    ];
    for (const item of planted) await api.db.doc.send(new PutCommand({ TableName: derived, Item: item }));
    const ofGhost = (report: Awaited<ReturnType<typeof auditDerived>>) => report.problems.filter((p) => p.key.PK.endsWith('#ghost')).map((p) => `${p.key.PK} ${p.key.SK}`).sort();
    expect(ofGhost(await auditDerived(api.db))).toEqual(planted.map((i) => `${i.PK} ${i.SK}`).sort());
    await auditDerived(api.db, { fix: true });
    for (const item of planted) expect(await exists(derived, { PK: item.PK, SK: item.SK })).toBe(false);
  });

  it('repairs only what it read: an account of that name made since then keeps its item', async () => {
    const table = api.db.table;
    const mark = { ...keys.privateMark('latecomer'), username: 'latecomer' };
    await api.db.doc.send(new PutCommand({ TableName: table, Item: mark }));
    const problem = (await auditTable(api.db.doc, table)).problems.find((p) => p.type === 'orphan-named-item' && p.key.PK === mark.PK);
    expect(problem).toBeDefined();
    await createUser(api.db, { username: 'latecomer', name: 'L', email: 'latecomer@example.com', birthdate: '1990-01-01' });
    expect(await repairAccountProblem(api.db.doc, table, problem as AccountProblem)).toBe(false);
    expect(await exists(table, keys.privateMark('latecomer'))).toBe(true);
    const left = await api.db.doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': mark.PK } }));
    expect(left.Items).toHaveLength(1);
  });
});
