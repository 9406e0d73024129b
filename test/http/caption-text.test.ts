/* eslint-disable @typescript-eslint/no-unsafe-member-access */
/**
 * Captions are text a person typed, held to the profile text rule: no control characters
 * (NUL, ESC, C1) and no bidirectional overrides or isolates; line breaks are fine. Both ways in
 * (multipart upload and direct-upload completion) answer 400 VALIDATION_FAILED on /caption and
 * store nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageForm, PNG_1x1, signUp, startApi, type Api, type Session } from './support.js';

const REFUSED = { nul: 'a\u0000b', escape: 'red \u001b[31mtext', bidi: 'abc\u202edcba', isolate: '\u2066x\u2069', c1: 'x\u0085y', tab: 'a\tb' };

describe('caption text', () => {
  let api: Api;
  let erin: Session;

  beforeAll(async () => {
    api = await startApi();
    erin = await signUp(api, 'erin');
  });
  afterAll(async () => {
    await api.close();
  });

  const withCaption = (caption: string) => {
    const form = imageForm(PNG_1x1);
    form.append('caption', caption);
    return form;
  };

  it('multipart uploads refuse control characters and bidi overrides with 400 VALIDATION_FAILED', async () => {
    for (const [name, caption] of Object.entries(REFUSED)) {
      const answer = await api.call('POST', '/v1/users/erin/photos', { token: erin.accessToken, body: withCaption(caption) });
      expect(answer.status, name).toBe(400);
      expect(answer.body.error.code, name).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(answer.body.error), name).toContain('/caption');
    }
    expect((await api.call('GET', '/v1/users/erin/photos', { token: erin.accessToken })).body.items).toEqual([]);
    const fine = await api.call('POST', '/v1/users/erin/photos', { token: erin.accessToken, body: withCaption('Two lines\nand an accent: é, 😀') });
    expect(fine.status).toBe(201);
    expect(fine.body.caption).toBe('Two lines\nand an accent: é, 😀');
  });

  it('completing a direct upload refuses them too, and the slot stays usable', async () => {
    const slot = await api.call('POST', '/v1/users/erin/uploads', { token: erin.accessToken, json: { contentLength: PNG_1x1.length, contentType: 'image/png' } });
    expect(slot.status).toBe(201);
    // fetch sets Content-Length itself (undici refuses a hand-set one).
    const headers = { 'content-type': String(slot.body.headers['content-type']) };
    const put = await fetch(api.url + String(slot.body.url), { method: 'PUT', headers, body: new Uint8Array(PNG_1x1) });
    expect(put.status).toBe(204);
    for (const [name, caption] of Object.entries(REFUSED)) {
      const answer = await api.call('POST', String(slot.body.completeUrl), { token: erin.accessToken, json: { caption } });
      expect(answer.status, name).toBe(400);
      expect(answer.body.error.code, name).toBe('VALIDATION_FAILED');
    }
    const done = await api.call('POST', String(slot.body.completeUrl), { token: erin.accessToken, json: { caption: 'fine' } });
    expect(done.status).toBe(201);
  });
});
