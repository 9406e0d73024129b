/**
 * Comments in the browser: under a photo, post a comment whose mention and tag are links,
 * reply to a comment, like and unlike it with its count, delete one's own; the owner turns
 * comments off (the composer goes) and on again; a feed card shows the count and the previews.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type Api, type Session } from '../http/support.js';
import { waitFor } from '../support/wait.js';
import { DERIVED_WAIT_MS, PHONE, postSamplePhoto, signedInContext, startWebRig, type WebRig } from './support.js';

let rig: WebRig | undefined;
let api: Api;
let ann: Session;
let bob: Session;
let photoId: string;

beforeAll(async () => {
  rig = await startWebRig({ worker: true });
  ({ api } = rig);
  [ann, bob] = await Promise.all([signUp(api, 'ann'), signUp(api, 'bob')]);
  expect((await api.call('PUT', '/v1/users/ann/followers/me', { token: bob.accessToken })).status).toBe(201);
  photoId = await postSamplePhoto(api, ann, 4);
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

describe('comments in the web app', () => {
  it('post with links, reply, like and unlike, delete', async () => {
    const { context, page } = await signedInContext(rig!.browser, api.url, bob, { viewport: PHONE });
    try {
      await page.goto(`/p/${photoId}`);
      await page.getByLabel('Add a comment').fill('Nice one @ann #golden_hour');
      await page.getByRole('button', { name: 'Post', exact: true }).click();
      const mine = page.getByRole('listitem', { name: 'Comment by bob' });
      await mine.getByRole('link', { name: '@ann' }).waitFor();
      expect(await mine.getByRole('link', { name: '#golden_hour' }).getAttribute('href')).toBe('/t/golden_hour');
      await page.getByRole('heading', { name: 'Comments (1)' }).waitFor();

      await mine.getByRole('button', { name: 'Like comment' }).click();
      await mine.getByRole('button', { name: 'Unlike comment' }).waitFor();
      expect(await mine.getByRole('button', { name: 'Unlike comment' }).textContent()).toContain('1');
      await mine.getByRole('button', { name: 'Unlike comment' }).click();
      await mine.getByRole('button', { name: 'Like comment' }).waitFor();

      await mine.getByRole('button', { name: 'Reply' }).click();
      await page.getByLabel('Reply to @bob').fill('and a reply');
      await mine.getByRole('button', { name: 'Post', exact: true }).click();
      await page.getByRole('list', { name: 'Replies' }).getByText('and a reply').waitFor();
      await page.getByRole('heading', { name: 'Comments (2)' }).waitFor();

      await page.getByRole('button', { name: 'Delete comment' }).first().click();
      await page.getByText('No comments yet.').waitFor();
      const listed = await api.call('GET', `/v1/photos/${photoId}/comments`, { token: bob.accessToken });
      expect((listed.body as { items: unknown[] }).items).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the owner turns comments off and on', async () => {
    const { context, page } = await signedInContext(rig!.browser, api.url, ann, { viewport: PHONE });
    try {
      await page.goto(`/p/${photoId}`);
      await page.getByRole('button', { name: 'Turn comments off' }).click();
      await page.getByText('Comments are off for this photo.').waitFor();
      expect(await page.getByLabel('Add a comment').count()).toBe(0);
      await page.getByRole('button', { name: 'Turn comments on' }).click();
      await page.getByLabel('Add a comment').waitFor();
    } finally {
      await context.close();
    }
  });

  it('a feed card shows the comment count and the previews', async () => {
    for (const text of ['first words', 'second words', 'third words']) {
      expect((await api.call('POST', `/v1/photos/${photoId}/comments`, { token: ann.accessToken, json: { text } })).status).toBe(201);
    }
    const inFeed = async () => ((await api.call('GET', '/v1/me/feed', { token: bob.accessToken })).body as { items: unknown[] }).items.length;
    await waitFor(async () => (await inFeed()) === 1, { what: "ann's photo in bob's feed", timeoutMs: DERIVED_WAIT_MS });
    const { context, page } = await signedInContext(rig!.browser, api.url, bob, { viewport: PHONE });
    try {
      await page.goto('/');
      const previews = page.getByLabel('Comment previews');
      await previews.getByRole('link', { name: 'View all 3 comments' }).waitFor();
      expect(await previews.locator('p').allTextContents()).toEqual(['@ann second words', '@ann third words']);
    } finally {
      await context.close();
    }
  });
});
