/* eslint-disable @typescript-eslint/no-unsafe-member-access */
/**
 * A suspended account, and one marked for deletion, answer every write aimed at them or their
 * content as the read answers (404, the same code), and nothing is written: no existence
 * oracle, and nothing lands on an account the deletion job is emptying. Lifting a suspension
 * lets the writes through again.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../../src/admin/doctor.js';
import { startAccountDeletion, suspendUser, unsuspendUser } from '../../src/patterns/index.js';
import { COMMENT_SHARDS, keys } from '../../src/schema/keys.js';
import { imageForm, PNG_1x1, signUp, startApi, type Api, type Session } from './support.js';

let api: Api;
let bob: Session;
let dave: Session;

beforeAll(async () => {
  api = await startApi();
  [bob, dave] = [await signUp(api, 'bob'), await signUp(api, 'dave')];
});

afterAll(async () => {
  await api.close();
});

const as = (session: Session) => ({ token: session.accessToken });

/** An owner with a photo that dave commented on; private ones are followed by bob (`followed`) or not. */
async function owner(name: string, kind: 'public' | 'followed' | 'private') {
  const session = await signUp(api, name);
  const upload = await api.call('POST', `/v1/users/${name}/photos`, { ...as(session), body: imageForm(PNG_1x1) });
  expect(upload.status).toBe(201);
  const photo = String(upload.body.id);
  const comment = await api.call('POST', `/v1/photos/${photo}/comments`, { ...as(dave), json: { text: 'nice' } });
  expect(comment.status).toBe(201);
  if (kind !== 'public') {
    if (kind === 'followed') expect((await api.call('PUT', `/v1/users/${name}/followers/me`, as(bob))).status).toBe(201);
    expect((await api.call('PUT', '/v1/account/privacy', { ...as(session), json: { private: true } })).status).toBe(200);
  }
  return { name, session, photo, timestamp: String(upload.body.timestamp).replace(/Z$/, ''), comment: String(comment.body.id) };
}
type Owner = Awaited<ReturnType<typeof owner>>;

/** Each write, its body, and the read whose answer it must give (a like: as a comment never posted). */
const writes = (o: Owner): [string, string, object | undefined, string][] => [
  ['PUT', `/v1/photos/${o.photo}/reactions/heart`, undefined, `/v1/photos/${o.photo}`],
  ['POST', `/v1/photos/${o.photo}/comments`, { text: 'hello' }, `/v1/photos/${o.photo}`],
  ['POST', `/v1/photos/${o.photo}/comments`, { text: 'hello', replyTo: o.comment }, `/v1/photos/${o.photo}`],
  ['PUT', `/v1/photos/${o.photo}/comments/${o.comment}/likes/me`, undefined, 'never posted'],
  ['PUT', `/v1/users/${o.name}/followers/me`, undefined, `/v1/users/${o.name}`],
];

/** Every write aimed at `o` answers as its read does, for bob. */
async function expectRefusedAsRead(o: Owner) {
  for (const [method, path, json, read] of writes(o)) {
    const seen = read === 'never posted' ? { status: 404, body: { error: { code: 'COMMENT_NOT_FOUND' } } } : await api.call('GET', read, as(bob));
    expect(seen.status, read).toBe(404);
    const answer = await api.call(method, path, { ...as(bob), ...(json ? { json } : {}) });
    expect([answer.status, answer.body?.error?.code], `${method} ${path}`).toEqual([seen.status, seen.body.error.code]);
  }
}

async function stored(o: Owner) {
  const get = async (key: { PK: string; SK: string }) => (await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: key, ConsistentRead: true }))).Item;
  const photo = await get(keys.photo(o.name, o.timestamp));
  return {
    reactions: (photo?.reactions as Record<string, number> | undefined)?.heart ?? 0,
    request: (await get(keys.followRequest(o.name, 'bob'))) !== undefined,
    follows: (await get(keys.friendship(o.name, 'bob'))) !== undefined,
    // The photo's comment count: the sum of its shards (comments and replies).
    comments: (await Promise.all(Array.from({ length: COMMENT_SHARDS }, (_, shard) => get(keys.commentCount(o.name, o.timestamp, String(shard)))))).reduce((sum, item) => sum + Number(item?.count ?? 0), 0),
  };
}

describe('writes aimed at a hidden account', () => {
  it('a suspended account: 404 as the read, nothing written; after unsuspension the writes apply', async () => {
    const owners = [await owner('pub', 'public'), await owner('fol', 'followed'), await owner('pri', 'private')];
    const before = await Promise.all(owners.map(stored));
    for (const o of owners) await suspendUser(api.db, o.name, 'spam');
    for (const o of owners) await expectRefusedAsRead(o);
    for (const o of owners) await unsuspendUser(api.db, o.name);
    expect(await Promise.all(owners.map(stored))).toEqual(before);
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);

    // Lifted: each write applies again (a private owner not followed gets a request).
    const [pub, fol, pri] = owners as [Owner, Owner, Owner];
    for (const o of [pub, fol]) {
      for (const [method, path, json] of writes(o).slice(0, 4)) {
        const answer = await api.call(method, path, { ...as(bob), ...(json ? { json } : {}) });
        expect(answer.status, `${method} ${path} ${JSON.stringify(answer.body)}`).toBe(201);
      }
    }
    expect((await api.call('PUT', `/v1/users/${pub.name}/followers/me`, as(bob))).status).toBe(201);
    expect((await api.call('PUT', `/v1/users/${pri.name}/followers/me`, as(bob))).status).toBe(202);
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);
  });

  it('an account marked for deletion: 404 as the read, nothing written', async () => {
    const owners = [await owner('gone', 'public'), await owner('gonefol', 'followed'), await owner('gonepri', 'private')];
    const before = await Promise.all(owners.map(stored));
    for (const o of owners) await startAccountDeletion(api.db, o.name);
    for (const o of owners) await expectRefusedAsRead(o);
    expect(await Promise.all(owners.map(stored))).toEqual(before);
  });

  it("a suspended comment author: a reply to or a like of their comment answers as a comment never posted; lifted, both apply", async () => {
    const host = await owner('host', 'public');
    const erin = await signUp(api, 'erin');
    const posted = await api.call('POST', `/v1/photos/${host.photo}/comments`, { ...as(erin), json: { text: 'first' } });
    expect(posted.status).toBe(201);
    const id = String(posted.body.id);
    const before = await stored(host);
    await suspendUser(api.db, 'erin', 'spam');
    const reply = await api.call('POST', `/v1/photos/${host.photo}/comments`, { ...as(bob), json: { text: 'hi', replyTo: id } });
    expect([reply.status, reply.body.error?.code]).toEqual([404, 'COMMENT_NOT_FOUND']);
    const like = await api.call('PUT', `/v1/photos/${host.photo}/comments/${id}/likes/me`, as(bob));
    expect([like.status, like.body.error?.code]).toEqual([404, 'COMMENT_NOT_FOUND']);
    expect(await stored(host)).toEqual(before);
    await unsuspendUser(api.db, 'erin');
    expect((await api.call('POST', `/v1/photos/${host.photo}/comments`, { ...as(bob), json: { text: 'hi', replyTo: id } })).status).toBe(201);
    expect((await api.call('PUT', `/v1/photos/${host.photo}/comments/${id}/likes/me`, as(bob))).status).toBe(201);
  });
});
