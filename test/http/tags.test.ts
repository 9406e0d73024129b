/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed */
/**
 * Mentions and hashtags over HTTP, on DynamoDB Local's real stream: photo answers carry the
 * caption's entities; the tag index follows captions (upload, edit, delete) and a tag page
 * respects private accounts, blocks and suspension at read; tag search counts; a mention
 * notifies the mentioned user unless a block or a private author stands in the way, and an
 * edit that drops it takes it back; replaying every record changes nothing.
 */
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { auditDerived } from '../../src/admin/doctor-derived.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivedDb } from '../../src/derived/store/index.js';
import { buildViews, createWorker, type Worker } from '../../src/derived/worker.js';
import { finishDeletion, startAccountDeletion, suspendUser, takeDownPhoto, unsuspendUser } from '../../src/patterns/index.js';
import { derivedKeys, derivedRanges } from '../../src/schema/keys.js';
import { TagEntry } from '../../src/schema/entities/index.js';
import { replayStream } from '../derived/support.js';
import { imageForm, PNG_1x1, signUp, startApi, testConfig, type Api, type Session } from './support.js';
import { tagAndMentionState } from './tag-state.js';

let api: Api;
let worker: Worker;
const people: Record<string, Session> = {};
const settings = { ...testConfig().derived, pollMs: 50 };

const as = (name: string) => people[name]!.accessToken;

async function post(name: string, caption: string): Promise<any> {
  const form = imageForm(PNG_1x1);
  form.append('caption', caption);
  const answer = await api.call('POST', `/v1/users/${name}/photos`, { token: as(name), body: form });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

async function tagPage(viewer: string, tag: string, query = ''): Promise<string[]> {
  const answer = await api.call('GET', `/v1/tags/${encodeURIComponent(tag)}/photos${query}`, { token: as(viewer) });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.items.map((item: any) => item.photo.id);
}

async function searchTags(viewer: string, query: string): Promise<{ tag: string; count: number }[]> {
  const answer = await api.call('GET', `/v1/tags?query=${encodeURIComponent(query)}`, { token: as(viewer) });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.items;
}

async function mentionsOf(name: string): Promise<{ actor: string; photo: string }[]> {
  const answer = await api.call('GET', '/v1/me/activity', { token: as(name) });
  expect(answer.status).toBe(200);
  return answer.body.items.filter((i: any) => i.type === 'mention').map((i: any) => ({ actor: i.actor.username, photo: i.photo.id }));
}

const derivedState = (): Promise<string[]> => tagAndMentionState(api.db);

beforeAll(async () => {
  api = await startApi();
  for (const name of ['ann', 'bob', 'cleo', 'dan', 'eve']) people[name] = await signUp(api, name);
  worker = createWorker({ client: api.db.client, db: api.db, settings });
}, 120_000);

afterAll(async () => {
  await worker.stop();
  await api.close();
});

describe('entities in photo answers', () => {
  it('every photo answer carries the caption\'s mentions and tags with UTF-16 offsets', async () => {
    const caption = '😀 Hi @Bob, at #Beach with bob@example.com #café https://x.com/#top @nobody_here';
    const photo = await post('ann', caption);
    const expected = {
      mentions: [{ start: 6, end: 10, username: 'bob' }, { start: 68, end: 80, username: 'nobody_here' }],
      tags: [{ start: 15, end: 21, tag: 'beach' }, { start: 43, end: 48, tag: 'cafe' }],
    };
    expect(photo.entities).toEqual(expected);
    expect(expected.mentions.map((m) => caption.slice(m.start, m.end))).toEqual(['@Bob', '@nobody_here']);
    expect(expected.tags.map((t) => caption.slice(t.start, t.end))).toEqual(['#Beach', '#café']);
    expect((await api.call('GET', `/v1/photos/${photo.id as string}`, { token: as('dan') })).body.entities).toEqual(expected);
    expect((await api.call('GET', '/v1/users/ann/photos', { token: as('dan') })).body.items[0].entities).toEqual(expected);
    const bare = await post('eve', 'no links here');
    expect(bare.entities).toEqual({ mentions: [], tags: [] });
  });
});

describe('tag pages and search', () => {
  const ids: Record<string, string> = {};

  it('index a photo under each folded tag, newest first, and search them by prefix with counts', async () => {
    ids.bob = (await post('bob', '#beach day')).id;
    ids.dan = (await post('dan', 'Also #BEACH #beachball')).id;
    await worker.drain();
    const annFirst = (await api.call('GET', '/v1/users/ann/photos', { token: as('bob') })).body.items[0].id;
    ids.ann = annFirst;
    expect(await tagPage('eve', 'beach')).toEqual([ids.dan, ids.bob, ids.ann]);
    // Case, accents and a leading # name the same tag.
    expect(await tagPage('eve', '#BEACH')).toEqual([ids.dan, ids.bob, ids.ann]);
    expect(await tagPage('eve', 'CAFÉ')).toEqual([ids.ann]);
    expect(await tagPage('eve', 'nothing_tagged')).toEqual([]);
    expect(await searchTags('eve', 'bea')).toEqual([{ tag: 'beach', count: 3 }, { tag: 'beachball', count: 1 }]);
    expect(await searchTags('eve', '#Beachb')).toEqual([{ tag: 'beachball', count: 1 }]);
    // Pages: each photo once, the cursor moving on.
    const first = await api.call('GET', '/v1/tags/beach/photos?limit=2', { token: as('eve') });
    expect(first.body.items.map((i: any) => i.photo.id)).toEqual([ids.dan, ids.bob]);
    expect(first.body.tag).toBe('beach');
    const second = await api.call('GET', `/v1/tags/beach/photos?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: as('eve') });
    expect(second.body.items.map((i: any) => i.photo.id)).toEqual([ids.ann]);
    expect(second.body.nextCursor).toBeUndefined();
    // A cursor of another tag's list is refused.
    const foreign = await api.call('GET', `/v1/tags/cafe/photos?cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: as('eve') });
    expect(foreign.body.error.code).toBe('INVALID_CURSOR');
  });

  it('refuse what can be no tag, and page sizes past the bound', async () => {
    for (const bad of ['a b', '123', 'x'.repeat(65)]) {
      const answer = await api.call('GET', `/v1/tags/${encodeURIComponent(bad)}/photos`, { token: as('eve') });
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await api.call('GET', '/v1/tags/beach/photos?limit=19', { token: as('eve') })).status).toBe(400);
    expect((await api.call('GET', '/v1/tags?query=%24%24', { token: as('eve') })).status).toBe(400);
    expect((await api.call('GET', '/v1/tags/beach/photos')).status).toBe(401);
  });

  it('follow caption edits and deletions', async () => {
    const edited = await api.call('PATCH', `/v1/photos/${ids.bob!}`, { token: as('bob'), json: { caption: 'now a #sunset' } });
    expect(edited.status).toBe(200);
    expect(edited.body.entities.tags).toEqual([{ start: 6, end: 13, tag: 'sunset' }]);
    // Before the worker has applied the edit, the read already leaves the untagged photo out.
    expect(await tagPage('eve', 'beach')).toEqual([ids.dan, ids.ann]);
    await worker.drain();
    expect(await tagPage('eve', 'sunset')).toEqual([ids.bob]);
    expect(await searchTags('eve', 'beach')).toEqual([{ tag: 'beach', count: 2 }, { tag: 'beachball', count: 1 }]);
    expect((await api.call('DELETE', `/v1/photos/${ids.dan!}`, { token: as('dan') })).status).toBe(204);
    await worker.drain();
    expect(await tagPage('eve', 'beach')).toEqual([ids.ann]);
    // The last photo of a tag gone, the tag leaves the search.
    expect(await searchTags('eve', 'beach')).toEqual([{ tag: 'beach', count: 1 }]);
  });

  it('leave out private accounts to non-followers, blocks both ways and suspended authors, at read', async () => {
    const privacy = await api.call('PUT', '/v1/account/privacy', { token: as('cleo'), json: { private: true } });
    expect(privacy.status).toBe(200);
    ids.cleo = (await post('cleo', 'secret #beach')).id;
    await worker.drain();
    expect(await tagPage('eve', 'beach')).toEqual([ids.ann]);
    expect(await tagPage('cleo', 'beach')).toEqual([ids.cleo, ids.ann]);
    expect((await api.call('PUT', '/v1/users/cleo/followers/me', { token: as('eve') })).status).toBe(202);
    expect((await api.call('PUT', '/v1/follow-requests/eve/approval', { token: as('cleo') })).status).toBeLessThan(300);
    expect(await tagPage('eve', 'beach')).toEqual([ids.cleo, ids.ann]);
    // The count is a number only; which photos stays private.
    expect(await searchTags('bob', 'beach')).toEqual([{ tag: 'beach', count: 2 }]);

    expect((await api.call('PUT', '/v1/blocks/eve', { token: as('ann') })).status).toBeLessThan(300);
    expect(await tagPage('eve', 'beach')).toEqual([ids.cleo]);
    expect(await tagPage('ann', 'sunset')).toEqual([ids.bob]);
    expect((await api.call('DELETE', '/v1/blocks/eve', { token: as('ann') })).status).toBe(204);
    expect(await tagPage('eve', 'beach')).toEqual([ids.cleo, ids.ann]);

    await suspendUser(api.db, 'ann', 'test');
    expect(await tagPage('eve', 'beach')).toEqual([ids.cleo]);
    await unsuspendUser(api.db, 'ann');
    expect(await tagPage('eve', 'beach')).toEqual([ids.cleo, ids.ann]);
  });
});

describe('mention activity', () => {
  it('tells the mentioned user, and an edit dropping the mention takes it back', async () => {
    // ann's first photo mentioned bob (and a name nobody has: nothing, no error).
    await worker.drain();
    const annPhoto = (await api.call('GET', '/v1/users/ann/photos', { token: as('bob') })).body.items[0].id;
    expect(await mentionsOf('bob')).toEqual([{ actor: 'ann', photo: annPhoto }]);
    const photo = await post('dan', 'hello @eve and @eve again, and me @dan');
    await worker.drain();
    expect(await mentionsOf('eve')).toEqual([{ actor: 'dan', photo: photo.id }]);
    // Nobody is told of mentioning themselves.
    expect(await mentionsOf('dan')).toEqual([]);
    await api.call('PATCH', `/v1/photos/${photo.id as string}`, { token: as('dan'), json: { caption: 'hello @bob' } });
    await worker.drain();
    expect(await mentionsOf('eve')).toEqual([]);
    expect(await mentionsOf('bob')).toEqual([{ actor: 'dan', photo: photo.id }, { actor: 'ann', photo: annPhoto }]);
    // The photo gone, so is the mention.
    expect((await api.call('DELETE', `/v1/photos/${photo.id as string}`, { token: as('dan') })).status).toBe(204);
    await worker.drain();
    expect(await mentionsOf('bob')).toEqual([{ actor: 'ann', photo: annPhoto }]);
  });

  it('tells nobody a block stands between, nor someone who may not see a private author\'s photo', async () => {
    expect((await api.call('PUT', '/v1/blocks/bob', { token: as('dan') })).status).toBeLessThan(300);
    await post('dan', 'hey @bob');
    // cleo is private: eve follows her, bob does not.
    const secret = await post('cleo', 'with @eve and @bob');
    await worker.drain();
    expect(await mentionsOf('bob')).toEqual([expect.objectContaining({ actor: 'ann' })]);
    expect(await mentionsOf('eve')).toEqual([{ actor: 'cleo', photo: secret.id }]);
    // A block written later takes the mention away too.
    expect((await api.call('PUT', '/v1/blocks/cleo', { token: as('eve') })).status).toBeLessThan(300);
    await worker.drain();
    expect(await mentionsOf('eve')).toEqual([]);
  });
});

describe('replay', () => {
  it('applying every record again leaves the tag index, its counts and the mentions as they are', async () => {
    await worker.drain();
    const before = await derivedState();
    expect(before.some((line) => line.startsWith('TAGS#be beach '))).toBe(true);
    const views = buildViews(api.db, settings).filter((v) => v.name === 'tags' || v.name === 'mentions');
    await replayStream(api.db, views);
    expect(await derivedState()).toEqual(before);
    // The tag partition holds what the page shows and nothing of the deleted photos.
    const derived = derivedDb(api.db);
    const entries = await derived.doc.send(new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.tag('beach').pk } }));
    expect(entries.Items).toHaveLength(2);
  });
});

describe('doctor', () => {
  it('finds a stray entry, a wrong count and a missing entry, and repairs them', async () => {
    await worker.drain();
    const clean = await auditDerived(api.db, { settings });
    expect(clean.problems.filter((p) => p.type === 'stray-tag-entry')).toEqual([]);
    expect(clean.tagCounts).toEqual([]);
    expect(clean.missing?.missing.filter((m) => m.view === 'tags')).toEqual([]);
    const before = await derivedState();

    const derived = derivedDb(api.db);
    // A stray: an entry for a photo that never was; a wrong count; a missing entry (ann's #beach).
    await derived.doc.send(new PutCommand({ TableName: derived.table, Item: TagEntry.encode({ tag: 'beach', photoOwner: 'bob', photoTimestamp: '2020-01-01T00:00:00', source: 'caption' }) }));
    await derived.doc.send(new PutCommand({ TableName: derived.table, Item: { ...derivedKeys.tagName('sunset'), tag: 'sunset', count: 7 } }));
    const annBeach = (await api.call('GET', '/v1/tags/beach/photos', { token: as('bob') })).body.items.find((i: any) => i.author.username === 'ann').photo;
    const annEntry = derivedKeys.tagEntry('beach', 'ann', annBeach.timestamp.replace(/Z$/, ''), 'caption');
    await derived.doc.send(new DeleteCommand({ TableName: derived.table, Key: annEntry }));

    const found = await auditDerived(api.db, { settings });
    expect(found.problems.filter((p) => p.type === 'stray-tag-entry').map((p) => p.key.SK)).toEqual(['2020-01-01T00:00:00#bob#caption']);
    expect(found.tagCounts).toEqual(expect.arrayContaining([{ tag: 'sunset', was: 7, count: 1 }]));
    expect(found.missing?.missing.filter((m) => m.view === 'tags').map((m) => m.key)).toEqual([annEntry]);

    const fixed = await auditDerived(api.db, { settings, fix: true });
    expect(fixed.missing?.rebuilt).toBeGreaterThan(0);
    const again = await auditDerived(api.db, { settings });
    expect(again.problems.filter((p) => p.type === 'stray-tag-entry')).toEqual([]);
    expect(again.tagCounts).toEqual([]);
    expect(again.missing?.missing.filter((m) => m.view === 'tags')).toEqual([]);
    expect(await derivedState()).toEqual(before);
  });
});

describe('takedown and account deletion', () => {
  it('a taken-down photo leaves its tags and mentions; a deleted account leaves nothing under its name', async () => {
    const annPhoto = (await api.call('GET', '/v1/users/ann/photos', { token: as('bob') })).body.items[0];
    await takeDownPhoto(api.db, 'ann', annPhoto.timestamp.replace(/Z$/, ''), 'test');
    await worker.drain();
    expect(await tagPage('bob', 'cafe')).toEqual([]);
    expect(await mentionsOf('bob')).toEqual([]);
    await startAccountDeletion(api.db, 'cleo');
    expect(await finishDeletion(api.db, 'cleo', { deleteFiles: () => Promise.resolve(), deleteUserFiles: () => Promise.resolve() })).toBe('done');
    await worker.drain();
    expect((await derivedState()).filter((line) => line.includes('#cleo#') || line.includes('#ann#'))).toEqual([]);
    // The name signed up again inherits none of it.
    people.cleo = await signUp(api, 'cleo');
    expect(await tagPage('cleo', 'beach')).toEqual([]);
    expect(await searchTags('cleo', 'beach')).toEqual([]);
  });
});
