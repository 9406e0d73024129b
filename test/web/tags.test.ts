/**
 * Mentions and hashtags in the browser: a caption's @mention links to the profile and its #tag
 * to the tag's page, a grid of its photos; an unknown tag shows its empty state; search finds
 * tags by "#" and a prefix; the mentioned user's activity says who mentioned them.
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
  photoId = await postSamplePhoto(api, ann, 3, 'Lunch with @bob #Sunny_day');
  const tagged = async () => ((await api.call('GET', '/v1/tags/sunny_day/photos', { token: bob.accessToken })).body as { items: unknown[] }).items.length;
  await waitFor(async () => (await tagged()) === 1, { what: 'the photo under its tag', timeoutMs: DERIVED_WAIT_MS });
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

describe('mentions and tags in the web app', () => {
  it('a caption links its mention to the profile and its tag to the tag page', async () => {
    const { context, page } = await signedInContext(rig!.browser, api.url, bob, { viewport: PHONE });
    try {
      await page.goto(`/p/${photoId}`);
      const caption = page.locator('p.caption:not(.muted)');
      await caption.getByRole('link', { name: '@bob' }).waitFor();
      expect(await caption.textContent()).toBe('Lunch with @bob #Sunny_day');
      await caption.getByRole('link', { name: '#Sunny_day' }).click();
      await page.waitForURL('**/t/sunny_day');
      await page.getByRole('heading', { name: '#sunny_day' }).waitFor();
      const grid = page.getByRole('list', { name: 'Photos tagged sunny_day' });
      await expect.poll(() => grid.getByRole('listitem').count()).toBe(1);
      await grid.getByRole('link').click();
      await page.waitForURL(`**/p/${photoId}`);
      await page.locator('p.caption:not(.muted)').getByRole('link', { name: '@bob' }).click();
      await page.waitForURL('**/u/bob');

      await page.goto('/t/nothing_here');
      await page.getByText('No photos yet').waitFor();
    } finally {
      await context.close();
    }
  });

  it('search finds tags by # and a prefix, and activity says who mentioned you', async () => {
    const { context, page } = await signedInContext(rig!.browser, api.url, bob, { viewport: PHONE });
    try {
      await page.goto('/search');
      await page.getByLabel('Search people').fill('#sun');
      const found = page.getByRole('list', { name: 'Tags found' });
      await found.getByRole('link', { name: '#sunny_day' }).waitFor();
      expect(await found.textContent()).toContain('1 photo');
      await page.goto('/activity');
      await page.getByText('mentioned you').waitFor();
    } finally {
      await context.close();
    }
  });
});
