/**
 * The actions screens, in Chromium: a photo's overflow menu (edit the caption in place, delete
 * after a confirmation, report), a profile's (report, block and unblock after a confirmation),
 * the sessions list in settings (log one device out, log out everywhere after a confirmation),
 * and forgot password end to end through the real SMTP server. Every dialog is a modal
 * role=dialog that keeps focus inside, closes on Escape and Cancel, shows refusals in place,
 * and has no serious axe violation in either theme.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { photoJpeg } from '../support/images.js';
import { codeIn, startInbox, type Inbox } from '../support/inbox.js';
import { profile, signUp, startApi, type Api, type Session } from '../http/support.js';
import { launchBrowser, PHONE, STORAGE_KEY, visit } from './support.js';
import { violations } from './axe.js';

let api: Api;
let inbox: Inbox;
let browser: Browser;
let owner: Session;
let viewer: Session;

const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';

beforeAll(async () => {
  inbox = await startInbox();
  api = await startApi({ WEB_DIR: inject('webDir'), SMTP_URL: `smtp://127.0.0.1:${inbox.port}`, MAIL_FROM: 'quick-photos <no-reply@example.com>' });
  browser = await launchBrowser();
  [owner, viewer] = [await signUp(api, 'poster'), await signUp(api, 'looker')];
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await inbox?.close();
});

async function upload(session: Session, caption: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await photoJpeg(120, 90))], { type: 'image/jpeg' }), 'a.jpg');
  form.append('caption', caption);
  const answer = await api.call('POST', `/v1/users/${session.username}/photos`, { token: session.accessToken, body: form });
  expect(answer.status).toBe(201);
  return (answer.body as { id: string }).id;
}

/** A browser already signed in as `session` (the pair where the app keeps it, before its first script). */
async function signedIn(session: Session | undefined, colorScheme: 'light' | 'dark' = 'light'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: PHONE, baseURL: api.url, serviceWorkers: 'block', colorScheme });
  context.setDefaultTimeout(10_000);
  if (session) {
    const stored = JSON.stringify({ username: session.username, accessToken: session.accessToken, refreshToken: session.refreshToken, accessExpiresAt: Date.now() + 10 * 60_000 });
    await context.addInitScript(([key, value]) => localStorage.getItem(key) ?? localStorage.setItem(key, value), [STORAGE_KEY, stored] as const);
  }
  return { context, page: await context.newPage() };
}

const focusInDialog = (page: Page) => page.evaluate(() => Boolean(document.activeElement?.closest('dialog[open]')));

describe('a photo of your own', () => {
  it('edits the caption in place: Cancel keeps it, a refusal shows beside the box, Save shows the new one', async () => {
    const id = await upload(owner, 'First words');
    const { context, page } = await signedIn(owner);
    try {
      await page.goto(`/p/${id}`);
      await page.getByText('First words').waitFor();
      await page.getByRole('button', { name: 'Photo actions' }).click();
      await page.getByRole('menuitem', { name: 'Edit caption' }).click();
      const box = page.getByLabel('Caption');
      await expect.poll(() => box.evaluate((el) => el === document.activeElement)).toBe(true);
      await box.fill('Not kept');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByText('First words').waitFor();
      expect(await page.getByText('Not kept').count()).toBe(0);

      await page.getByRole('button', { name: 'Photo actions' }).click();
      await page.getByRole('menuitem', { name: 'Edit caption' }).click();
      await box.fill('bell \u0007 inside');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('.caption-editor [role="alert"]').waitFor();
      expect(await box.inputValue()).toBe('bell \u0007 inside');

      await box.fill('Better words\nover two lines');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Better words').waitFor();
      expect(await page.getByLabel('Caption').count()).toBe(0);
      const read = await api.call('GET', `/v1/photos/${id}`, { token: viewer.accessToken });
      expect((read.body as { caption?: string }).caption).toBe('Better words\nover two lines');
    } finally {
      await context.close();
    }
  });

  it('deletes after a confirmation: Cancel and Escape keep it, Delete goes back to the profile without it', async () => {
    const kept = await upload(owner, 'Kept photo');
    const id = await upload(owner, 'To be deleted');
    const { context, page } = await signedIn(owner);
    try {
      await page.goto(`/p/${id}`);
      const menu = page.getByRole('button', { name: 'Photo actions' });
      await menu.click();
      await page.getByRole('menuitem', { name: 'Delete photo' }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete this photo?' });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      await menu.click();
      await page.getByRole('menuitem', { name: 'Delete photo' }).click();
      await dialog.waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      // Focus came back to the menu button that opened it.
      expect(await menu.evaluate((el) => el === document.activeElement)).toBe(true);
      expect((await api.call('GET', `/v1/photos/${id}`, { token: owner.accessToken })).status).toBe(200);

      // A refusal is said in the dialog, which stays open to try again.
      await page.route(`**/v1/photos/${id}`, (route) =>
        route.request().method() === 'DELETE'
          ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'ENGINE_UNAVAILABLE', message: 'The service is busy; try again.' } }) })
          : route.fallback(),
      );
      await menu.click();
      await page.getByRole('menuitem', { name: 'Delete photo' }).click();
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await dialog.getByRole('alert').getByText('The service is busy; try again.').waitFor();
      await page.unroute(`**/v1/photos/${id}`);
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await page.waitForURL('**/u/poster');
      // The grid has loaded (the other photo is in it) without the deleted one.
      await page.locator(`a[href="/p/${kept}"]`).waitFor();
      expect(await page.locator(`a[href="/p/${id}"]`).count()).toBe(0);
      expect((await api.call('GET', `/v1/photos/${id}`, { token: owner.accessToken })).status).toBe(404);
    } finally {
      await context.close();
    }
  });
});

describe("someone else's photo and profile", () => {
  it('reports a photo: a reason is needed, thanks on the first report, "already reported" on the second', async () => {
    const id = await upload(owner, 'Reported photo');
    const { context, page } = await signedIn(viewer);
    try {
      await page.goto(`/p/${id}`);
      const menu = page.getByRole('button', { name: 'Photo actions' });
      await menu.click();
      expect(await page.getByRole('menuitem', { name: 'Delete photo' }).count()).toBe(0);
      await page.getByRole('menuitem', { name: 'Report photo' }).click();
      const dialog = page.getByRole('dialog', { name: 'Report photo' });
      await dialog.getByRole('button', { name: 'Send report' }).click();
      await dialog.getByRole('alert').getByText('Choose a reason.').waitFor();
      await dialog.getByLabel('Spam').check();
      await dialog.getByLabel('Details (optional)').fill('Same picture posted ten times');
      await dialog.getByRole('button', { name: 'Send report' }).click();
      const thanks = page.getByRole('dialog', { name: "Thanks, we'll review it" });
      await thanks.waitFor();
      await thanks.getByRole('button', { name: 'Done' }).click();
      await thanks.waitFor({ state: 'detached' });

      await menu.click();
      await page.getByRole('menuitem', { name: 'Report photo' }).click();
      await dialog.getByLabel('Nudity or sexual content').check();
      await dialog.getByRole('button', { name: 'Send report' }).click();
      await page.getByRole('dialog', { name: 'Already reported' }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('reports and blocks from the profile menu, each confirmed; unblocks likewise', async () => {
    const { context, page } = await signedIn(viewer);
    try {
      await page.goto('/u/poster');
      const menu = page.getByRole('button', { name: 'Actions for @poster' });
      await menu.click();
      await page.getByRole('menuitem', { name: 'Report' }).click();
      const report = page.getByRole('dialog', { name: 'Report @poster' });
      await report.getByLabel('Pretending to be someone else').check();
      await report.getByRole('button', { name: 'Send report' }).click();
      await page.getByRole('dialog', { name: "Thanks, we'll review it" }).getByRole('button', { name: 'Done' }).click();

      // Keyboard: the menu opens on Enter with focus on its first item; arrows move.
      await menu.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Report');
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Block');
      await page.keyboard.press('Enter');
      const block = page.getByRole('dialog', { name: 'Block @poster?' });
      await block.getByText('will no longer find your profile').waitFor();
      await block.getByRole('button', { name: 'Cancel' }).click();
      expect((await api.call('GET', '/v1/blocks', { token: viewer.accessToken })).body).toMatchObject({ items: [] });

      await menu.click();
      await page.getByRole('menuitem', { name: 'Block', exact: true }).click();
      // The block makes the profile read itself again, and its answer replaces the menu (keyed by
      // the block): a menu opened before that would close under the click that follows.
      const blockedMenu = await menu.elementHandle();
      await block.getByRole('button', { name: 'Block @poster' }).click();
      await expect.poll(() => blockedMenu?.evaluate((button) => button.isConnected)).toBe(false);
      await page.getByText('You blocked @poster.').waitFor();
      expect(((await api.call('GET', '/v1/blocks', { token: viewer.accessToken })).body as { items: unknown[] }).items).toHaveLength(1);

      await menu.click();
      await page.getByRole('menuitem', { name: 'Unblock' }).click();
      await page.getByRole('dialog', { name: 'Unblock @poster?' }).getByRole('button', { name: 'Unblock @poster' }).click();
      await page.getByText('You blocked @poster.').waitFor({ state: 'detached' });
      expect((await api.call('GET', '/v1/blocks', { token: viewer.accessToken })).body).toMatchObject({ items: [] });
    } finally {
      await context.close();
    }
  });
});

describe('the sessions list', () => {
  it('shows this device and the others, logs one out, and logs out everywhere after a confirmation', async () => {
    const person = await signUp(api, 'roamer');
    const other = await api.call('POST', '/v1/sessions', { json: { username: 'roamer', password: profile('roamer').password }, headers: { 'user-agent': ANDROID } });
    expect(other.status).toBe(201);
    const { context, page } = await signedIn(person);
    try {
      await page.goto('/settings');
      const list = page.getByRole('list', { name: 'Sessions' });
      await list.getByText('This device').waitFor();
      await list.getByText('Chrome on Android').waitFor();
      await page.getByRole('button', { name: 'Log out Chrome on Android' }).click();
      await page.getByText('Logged out Chrome on Android.').waitFor();
      expect(await list.getByText('Chrome on Android').count()).toBe(0);
      const ended = await api.call('GET', '/v1/me', { token: (other.body as { accessToken: string }).accessToken });
      expect(ended.status).toBe(401);

      await page.getByRole('button', { name: 'Log out everywhere' }).click();
      const confirm = page.getByRole('dialog', { name: 'Log out everywhere?' });
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });
      expect((await api.call('GET', '/v1/me', { token: person.accessToken })).status).toBe(200);
      await page.getByRole('button', { name: 'Log out everywhere' }).click();
      await confirm.getByRole('button', { name: 'Log out everywhere' }).click();
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      expect((await api.call('GET', '/v1/me', { token: person.accessToken })).status).toBe(401);
    } finally {
      await context.close();
    }
  });
});

describe('forgot password', () => {
  it('asks for a code without saying whether the account exists, sets a new password with it, then logs in', async () => {
    await signUp(api, 'forgetful');
    const { context, page } = await signedIn(undefined);
    try {
      await page.goto('/login');
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      // An unknown address gets the same answer as a known one.
      await page.getByLabel('Email').fill('nobody-at-all@example.com');
      await page.getByRole('button', { name: 'Send code' }).click();
      const unknown = await page.getByRole('status').textContent();
      expect(unknown).toContain("If an account exists for nobody-at-all@example.com, we've sent a code");
      await page.goto('/forgot-password');
      await page.getByLabel('Email').fill(profile('forgetful').email);
      await page.getByRole('button', { name: 'Send code' }).click();
      expect((await page.getByRole('status').textContent())?.replace(profile('forgetful').email, 'X')).toBe(unknown?.replace('nobody-at-all@example.com', 'X'));
      const [mail] = await inbox.mailTo(profile('forgetful').email, 1, (m) => m.subject.includes('Reset'));
      const code = codeIn(mail);
      expect(code).not.toBe('');

      await page.getByRole('link', { name: 'I have a code' }).click();
      await page.getByLabel('Code from the email').fill('forgetful.wrong-code');
      await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByRole('alert').waitFor();
      await page.getByLabel('Code from the email').fill(code);
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByText('Your password was changed. Log in with the new one.').waitFor();
      await page.getByLabel('Username').fill('forgetful');
      await page.getByLabel('Password').fill('a brand new passphrase');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
    } finally {
      await context.close();
    }
  });
});

describe.each(['light', 'dark'] as const)('the dialogs in the %s theme', (theme) => {
  it('are modal dialogs that keep focus inside and have no serious axe violation', async () => {
    const id = await upload(owner, `Axe ${theme}`);
    const found: string[] = [];
    const { context, page } = await signedIn(viewer, theme);
    try {
      await page.goto(`/p/${id}`);
      await page.getByRole('button', { name: 'Photo actions' }).click();
      found.push(...(await violations(page)).map((v) => `menu: ${v}`));
      await page.getByRole('menuitem', { name: 'Report photo' }).click();
      await page.getByRole('dialog', { name: 'Report photo' }).waitFor();
      found.push(...(await violations(page)).map((v) => `report: ${v}`));
      for (let i = 0; i < 12; i += 1) {
        await page.keyboard.press('Tab');
        expect(await focusInDialog(page), `focus after ${i + 1} Tab(s)`).toBe(true);
      }
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      // In the running app, as a tap on a link: one document (and one axe) for the three screens.
      await visit(page, '/u/poster');
      await page.getByRole('button', { name: 'Actions for @poster' }).click();
      await page.getByRole('menuitem', { name: 'Block', exact: true }).click();
      await page.getByRole('dialog', { name: 'Block @poster?' }).waitFor();
      found.push(...(await violations(page)).map((v) => `block: ${v}`));
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await visit(page, '/settings');
      await page.getByRole('list', { name: 'Sessions' }).waitFor();
      found.push(...(await violations(page)).map((v) => `settings: ${v}`));
    } finally {
      await context.close();
    }
    expect(found).toEqual([]);
  }, 60_000);
});
