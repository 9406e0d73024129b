/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call */
/** Blocking over real HTTP: follows end with exact counters, the blocked user sees nothing, lists hide them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../../src/admin/doctor.js';
import { photoId } from '../../src/schema/ids.js';
import { imageForm, PNG_1x1, signUp, startApi, type Api, type Session } from './support.js';

let api: Api;
let alice: Session; // blocks bob
let bob: Session;
let carol: Session; // a bystander both know
let alicePhoto: string;
let carolPhoto: string;

const stored = (timestamp: string) => timestamp.replace(/Z$/, '');

async function upload(session: Session): Promise<string> {
  const answer = await api.call('POST', `/v1/users/${session.username}/photos`, { token: session.accessToken, body: imageForm(PNG_1x1) });
  expect(answer.status).toBe(201);
  return photoId(session.username, stored(answer.body.timestamp as string));
}

async function counters(username: string) {
  const answer = await api.call('GET', `/v1/users/${username}`, { token: carol.accessToken });
  return { followers: answer.body.followers as number, following: answer.body.following as number };
}

const as = (session: Session) => ({ token: session.accessToken });

beforeAll(async () => {
  api = await startApi();
  [alice, bob, carol] = [await signUp(api, 'alice'), await signUp(api, 'bob'), await signUp(api, 'carol')];
  alicePhoto = await upload(alice);
  carolPhoto = await upload(carol);
});

afterAll(async () => {
  await api.close();
});

describe('blocking', () => {
  it('ends follows in both directions in one go, with every counter exact', async () => {
    expect((await api.call('PUT', '/v1/users/alice/followers/me', as(bob))).status).toBe(201);
    expect((await api.call('PUT', '/v1/users/bob/followers/me', as(alice))).status).toBe(201);
    expect((await api.call('PUT', '/v1/users/carol/followers/me', as(bob))).status).toBe(201);
    expect(await counters('alice')).toEqual({ followers: 1, following: 1 });

    const answer = await api.call('PUT', '/v1/blocks/bob', as(alice));
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ blockedUser: 'bob', timestamp: expect.stringMatching(/Z$/) });

    expect(await counters('alice')).toEqual({ followers: 0, following: 0 });
    // bob still follows carol: only the pair's follows end.
    expect(await counters('bob')).toEqual({ followers: 0, following: 1 });
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);
  });

  it('is idempotent, refuses yourself and unknown users', async () => {
    const again = await api.call('PUT', '/v1/blocks/bob', as(alice));
    expect(again.status).toBe(200);
    expect(again.body.blockedUser).toBe('bob');
    expect((await api.call('PUT', '/v1/blocks/alice', as(alice))).body.error.code).toBe('SELF_BLOCK');
    const unknown = await api.call('PUT', '/v1/blocks/nobody', as(alice));
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
  });

  it('makes the blocker look non-existent to the blocked user, on every read', async () => {
    const reads: [string, string][] = [
      ['/v1/users/alice', 'USER_NOT_FOUND'],
      ['/v1/users/alice/photos', 'USER_NOT_FOUND'],
      ['/v1/users/alice/followers', 'USER_NOT_FOUND'],
      ['/v1/users/alice/following', 'USER_NOT_FOUND'],
      [`/v1/photos/${alicePhoto}`, 'PHOTO_NOT_FOUND'],
      [`/v1/photos/${alicePhoto}/reactions`, 'PHOTO_NOT_FOUND'],
    ];
    for (const [path, code] of reads) {
      const answer = await api.call('GET', path, as(bob));
      expect([path, answer.status, answer.body?.error?.code]).toEqual([path, 404, code]);
      // Anyone else still sees it.
      expect((await api.call('GET', path, as(carol))).status, path).toBe(200);
    }
  });

  it('refuses the blocked user a follow or a reaction, inside the transaction, writing nothing', async () => {
    const follow = await api.call('PUT', '/v1/users/alice/followers/me', as(bob));
    expect([follow.status, follow.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
    const react = await api.call('PUT', `/v1/photos/${alicePhoto}/reactions/heart`, as(bob));
    expect([react.status, react.body.error.code]).toEqual([404, 'PHOTO_NOT_FOUND']);
    expect(await counters('alice')).toEqual({ followers: 0, following: 0 });
    expect((await api.call('GET', `/v1/photos/${alicePhoto}`, as(alice))).body.reactions.heart).toBe(0);
  });

  it('asks the blocker to unblock before following or reacting to the blocked user', async () => {
    const bobPhoto = await upload(bob);
    const follow = await api.call('PUT', '/v1/users/bob/followers/me', as(alice));
    expect([follow.status, follow.body.error.code]).toEqual([409, 'USER_BLOCKED']);
    const react = await api.call('PUT', `/v1/photos/${bobPhoto}/reactions/heart`, as(alice));
    expect([react.status, react.body.error.code]).toEqual([409, 'USER_BLOCKED']);
  });

  it('hides the blocked user from the blocker in third-party lists', async () => {
    expect((await api.call('PUT', `/v1/photos/${carolPhoto}/reactions/smiley`, as(bob))).status).toBe(201);
    expect((await api.call('PUT', `/v1/photos/${carolPhoto}/reactions/heart`, as(carol))).status).toBe(201);
    const names = async (path: string, field: string, session: Session) =>
      ((await api.call('GET', path, as(session))).body.items as Record<string, string>[]).map((item) => item[field]);

    expect(await names('/v1/users/carol/followers', 'followingUser', carol)).toEqual(['bob']);
    expect(await names('/v1/users/carol/followers', 'followingUser', alice)).toEqual([]);
    expect(await names('/v1/users/bob/following', 'followedUser', carol)).toEqual(['carol']);
    expect(await names(`/v1/photos/${carolPhoto}/reactions`, 'reactingUser', carol)).toEqual(['carol', 'bob']);
    expect(await names(`/v1/photos/${carolPhoto}/reactions`, 'reactingUser', alice)).toEqual(['carol']);
    // The counters stay what they count: a hidden reaction is still a reaction.
    expect((await api.call('GET', `/v1/photos/${carolPhoto}`, as(alice))).body.reactions.smiley).toBe(1);
  });

  it('lists my blocks, paged, and only mine', async () => {
    const dave = await signUp(api, 'dave');
    const erin = await signUp(api, 'erin');
    for (const target of ['bob', 'carol', 'erin']) expect((await api.call('PUT', `/v1/blocks/${target}`, as(dave))).status).toBe(201);
    const first = await api.call('GET', '/v1/blocks?limit=2', as(dave));
    expect(first.body.items.map((b: { blockedUser: string }) => b.blockedUser)).toEqual(['bob', 'carol']);
    const second = await api.call('GET', `/v1/blocks?limit=2&cursor=${first.body.nextCursor}`, as(dave));
    expect(second.body).toEqual({ items: [{ blockedUser: 'erin', timestamp: expect.any(String) }] });
    expect((await api.call('GET', '/v1/blocks', as(erin))).body).toEqual({ items: [] });
    const foreign = await api.call('GET', `/v1/blocks?limit=2&cursor=${first.body.nextCursor}`, as(erin));
    expect([foreign.status, foreign.body.error.code]).toEqual([400, 'INVALID_CURSOR']);
  });

  it('unblocks idempotently; follows that ended stay ended', async () => {
    expect((await api.call('DELETE', '/v1/blocks/bob', as(alice))).status).toBe(204);
    expect((await api.call('DELETE', '/v1/blocks/bob', as(alice))).status).toBe(204);
    expect((await api.call('GET', '/v1/users/alice', as(bob))).status).toBe(200);
    expect(await counters('alice')).toEqual({ followers: 0, following: 0 });
    expect((await api.call('PUT', '/v1/users/alice/followers/me', as(bob))).status).toBe(201);
    expect((await api.call('GET', '/v1/blocks', as(alice))).body).toEqual({ items: [] });
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);
  });
});
