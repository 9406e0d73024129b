/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- response bodies are asserted on, not typed */
/**
 * Comment text plugs into mentions and hashtags, over HTTP on DynamoDB Local's real stream: a
 * comment answers its entities; its `@name` tells the mentioned user (unless they may not see
 * the photo: a private owner they do not follow, or a block with the owner) and its `#tag`
 * puts the photo on the tag's page; deleting the comment takes both back; a replay of every
 * record changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildViews, createWorker, type Worker } from '../../src/derived/worker.js';
import { suspendUser } from '../../src/patterns/index.js';
import { replayStream } from '../derived/support.js';
import { imageForm, PNG_1x1, signUp, startApi, testConfig, type Api, type Session } from './support.js';
import { tagAndMentionState } from './tag-state.js';

let api: Api;
let worker: Worker;
const people: Record<string, Session> = {};
const settings = { ...testConfig().derived, pollMs: 50 };

const as = (name: string) => ({ token: people[name]!.accessToken });

async function upload(name: string): Promise<string> {
  const answer = await api.call('POST', `/v1/users/${name}/photos`, { ...as(name), body: imageForm(PNG_1x1) });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id as string;
}

async function comment(name: string, photo: string, text: string, replyTo?: string): Promise<any> {
  const answer = await api.call('POST', `/v1/photos/${photo}/comments`, { ...as(name), json: { text, ...(replyTo ? { replyTo } : {}) } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

async function mentionsOf(name: string): Promise<{ actor: string; photo: string }[]> {
  const answer = await api.call('GET', '/v1/me/activity', as(name));
  expect(answer.status).toBe(200);
  return answer.body.items.filter((i: any) => i.type === 'mention').map((i: any) => ({ actor: i.actor.username, photo: i.photo.id }));
}

async function tagPage(viewer: string, tag: string): Promise<string[]> {
  const answer = await api.call('GET', `/v1/tags/${tag}/photos`, as(viewer));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.items.map((item: any) => item.photo.id);
}

const derivedState = (): Promise<string[]> => tagAndMentionState(api.db);

beforeAll(async () => {
  api = await startApi();
  for (const name of ['owner', 'ann', 'bob', 'cleo', 'dan', 'pub', 'quiet', 'gus', 'hex', 'spam', 'dot.ted']) people[name] = await signUp(api, name);
  worker = createWorker({ client: api.db.client, db: api.db, settings });
}, 120_000);

afterAll(async () => {
  await worker.stop();
  await api.close();
});

describe('comment text', () => {
  let photo: string;
  let first: any;

  it('answers its mentions and tags, tells the mentioned user and indexes the photo under the tag', async () => {
    photo = await upload('owner');
    const text = 'Hi @Bob, see #Sunset';
    first = await comment('ann', photo, text);
    const expected = { mentions: [{ start: 3, end: 7, username: 'bob' }], tags: [{ start: 13, end: 20, tag: 'sunset' }] };
    expect(first.entities).toEqual(expected);
    expect(expected.mentions.map((m) => text.slice(m.start, m.end))).toEqual(['@Bob']);
    const listed = await api.call('GET', `/v1/photos/${photo}/comments`, as('dan'));
    expect(listed.body.items[0].entities).toEqual(expected);
    // A reply is a text too; mentioning oneself tells nobody.
    const reply = await comment('cleo', photo, 'and @dan #sunset @cleo', first.id);
    expect(reply.entities.mentions.map((m: any) => m.username)).toEqual(['dan', 'cleo']);
    await worker.drain();
    expect(await mentionsOf('bob')).toEqual([{ actor: 'ann', photo }]);
    expect(await mentionsOf('dan')).toEqual([{ actor: 'cleo', photo }]);
    expect(await mentionsOf('cleo')).toEqual([]);
    expect(await tagPage('dan', 'sunset')).toEqual([photo]);
  });

  it('a deleted comment takes its mention and its tag entry back; the other text keeps the photo tagged', async () => {
    expect((await api.call('DELETE', `/v1/photos/${photo}/comments/${first.id as string}`, as('ann'))).status).toBe(204);
    await worker.drain();
    expect(await mentionsOf('bob')).toEqual([]);
    // The reply went with its comment: nothing of either is left.
    expect(await mentionsOf('dan')).toEqual([]);
    expect(await tagPage('dan', 'sunset')).toEqual([]);
    expect((await derivedState()).filter((line) => line.includes('#sunset') || line.includes('TAG#sunset'))).toEqual([]);
    const again = await comment('bob', photo, '#sunset again');
    await comment('dan', photo, 'yes #sunset');
    await worker.drain();
    expect(await tagPage('ann', 'sunset')).toEqual([photo]);
    expect((await api.call('DELETE', `/v1/photos/${photo}/comments/${again.id as string}`, as('bob'))).status).toBe(204);
    await worker.drain();
    expect(await tagPage('ann', 'sunset')).toEqual([photo]);
  });

  it('tells nobody who may not see the photo: a private owner they do not follow, or a block with the owner', async () => {
    expect((await api.call('PUT', '/v1/account/privacy', { ...as('owner'), json: { private: true } })).status).toBe(200);
    const secret = await upload('owner');
    // ann follows the private owner (so she may comment); bob does not; dan is blocked by the owner.
    expect((await api.call('PUT', '/v1/users/owner/followers/me', as('ann'))).status).toBe(202);
    expect((await api.call('PUT', '/v1/follow-requests/ann/approval', as('owner'))).status).toBeLessThan(300);
    expect((await api.call('PUT', '/v1/blocks/dan', as('owner'))).status).toBeLessThan(300);
    expect((await api.call('PUT', '/v1/users/owner/followers/me', as('cleo'))).status).toBe(202);
    expect((await api.call('PUT', '/v1/follow-requests/cleo/approval', as('owner'))).status).toBeLessThan(300);
    await comment('ann', secret, '@bob @dan @cleo look');
    await worker.drain();
    expect(await mentionsOf('cleo')).toEqual([{ actor: 'ann', photo: secret }]);
    expect(await mentionsOf('bob')).toEqual([]);
    expect(await mentionsOf('dan')).toEqual([]);
    // cleo stops following: the item stays in the table, the read no longer shows the private photo.
    expect((await api.call('DELETE', '/v1/users/owner/followers/me', as('cleo'))).status).toBe(204);
    expect(await mentionsOf('cleo')).toEqual([]);
  });
});

describe("a comment's tags", () => {
  it('put the photo on a tag page only for viewers who may see the comment: not a private author\'s to others, not across a block, not a suspended author\'s', async () => {
    const [hushed, grudged, spammed] = [await upload('pub'), await upload('pub'), await upload('pub')];
    expect((await api.call('PUT', '/v1/account/privacy', { ...as('quiet'), json: { private: true } })).status).toBe(200);
    expect((await api.call('PUT', '/v1/users/quiet/followers/me', as('ann'))).status).toBe(202);
    expect((await api.call('PUT', '/v1/follow-requests/ann/approval', as('quiet'))).status).toBeLessThan(300);
    await comment('quiet', hushed, 'meet me at #whisperpoint');
    await comment('gus', grudged, 'told you so #grudgematch');
    expect((await api.call('PUT', '/v1/blocks/gus', as('hex'))).status).toBeLessThan(300);
    await comment('spam', spammed, 'cheap pills #buyspam');
    await suspendUser(api.db, 'spam', 'spam');
    await worker.drain();
    // Each hidden comment is hidden under the photo too: its tag does not list the photo.
    expect((await api.call('GET', `/v1/photos/${hushed}/comments`, as('dan'))).body.items).toEqual([]);
    expect(await tagPage('dan', 'whisperpoint')).toEqual([]);
    expect(await tagPage('ann', 'whisperpoint')).toEqual([hushed]);
    expect(await tagPage('hex', 'grudgematch')).toEqual([]);
    expect(await tagPage('dan', 'grudgematch')).toEqual([grudged]);
    expect(await tagPage('dan', 'buyspam')).toEqual([]);
    // A text the viewer may see lists the photo, whatever hidden text shares the tag.
    await comment('bob', hushed, 'me too #whisperpoint');
    // An author's name may hold dots: the entry still names its author.
    await comment('dot.ted', spammed, 'not spam #dottedname');
    await worker.drain();
    expect(await tagPage('dan', 'whisperpoint')).toEqual([hushed]);
    expect(await tagPage('dan', 'dottedname')).toEqual([spammed]);
  });
});

describe("a comment's mentions", () => {
  it("that name the photo's owner tell the owner and everyone else they name", async () => {
    const photo = await upload('pub');
    await comment('bob', photo, '@pub @dan look at this');
    await worker.drain();
    expect(await mentionsOf('pub')).toEqual([{ actor: 'bob', photo }]);
    expect(await mentionsOf('dan')).toEqual([{ actor: 'bob', photo }]);
    // The owner hears of the comment too, once.
    const onIt = (await api.call('GET', '/v1/me/activity', as('pub'))).body.items.filter((i: any) => i.photo?.id === photo);
    expect(onIt.map((i: any) => i.type).sort()).toEqual(['comment', 'mention']);
  });
});

describe("a reply's mentions", () => {
  it('tell no one who may not see the comment it answers: its author private and not followed, or a block with them', async () => {
    const photo = await upload('pub');
    const quiets = await comment('quiet', photo, 'a quiet thought');
    const guss = await comment('gus', photo, 'a loud thought');
    // Neither dan nor pub (the photo's owner) follows quiet: quiet's comment and its replies are hidden from them.
    await comment('ann', photo, 'hey @dan @pub', quiets.id);
    // hex blocked gus: gus's comment and its replies are hidden from hex.
    await comment('bob', photo, 'hey @hex @dan', guss.id);
    await worker.drain();
    expect((await api.call('GET', `/v1/photos/${photo}/comments/${String(guss.id)}/replies`, as('hex'))).status).toBe(404);
    expect(await mentionsOf('dan')).toContainEqual({ actor: 'bob', photo });
    expect(await mentionsOf('dan')).not.toContainEqual({ actor: 'ann', photo });
    expect(await mentionsOf('pub')).not.toContainEqual({ actor: 'ann', photo });
    expect(await mentionsOf('hex')).toEqual([]);
  });
});

describe('replay', () => {
  it('applying every record again leaves the comments\' tag entries and mentions as they are', async () => {
    await worker.drain();
    const before = await derivedState();
    expect(before.some((line) => line.startsWith('TAG#sunset '))).toBe(true);
    const views = buildViews(api.db, settings).filter((v) => v.name === 'tags' || v.name === 'mentions');
    await replayStream(api.db, views);
    expect(await derivedState()).toEqual(before);
  });
});
