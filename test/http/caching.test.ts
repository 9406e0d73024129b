/* eslint-disable @typescript-eslint/no-unsafe-member-access */
/** Reads revalidate cheaply (ETag / 304), large answers are compressed, nothing is cached publicly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startApi, type Api, type Session } from './support.js';

let api: Api;
let ann: Session;

beforeAll(async () => {
  api = await startApi();
  ann = await signUp(api, 'ann');
  for (const name of ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8']) {
    await signUp(api, name);
    expect((await api.call('PUT', `/v1/users/${name}/followers/me`, { token: ann.accessToken })).status).toBe(201);
  }
});

afterAll(async () => {
  await api.close();
});

describe('conditional reads', () => {
  it('answers 304 with no body while the profile is unchanged, and 200 with a new ETag after a change', async () => {
    const first = await api.call('GET', '/v1/users/ann', { token: ann.accessToken });
    const tag = first.headers.get('etag');
    expect(tag).toMatch(/^W\/".+"$/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');

    const again = await api.call('GET', '/v1/users/ann', { token: ann.accessToken, headers: { 'if-none-match': tag ?? '' } });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);

    expect((await api.call('PATCH', '/v1/users/ann', { token: ann.accessToken, json: { status: 'new status' } })).status).toBe(200);
    const changed = await api.call('GET', '/v1/users/ann', { token: ann.accessToken, headers: { 'if-none-match': tag ?? '' } });
    expect(changed.status).toBe(200);
    expect(changed.body.status).toBe('new status');
    expect(changed.headers.get('etag')).not.toBe(tag);
  });

  it('tags successful reads only: writes and errors, which no client revalidates, carry no ETag', async () => {
    const write = await api.call('PATCH', '/v1/users/ann', { token: ann.accessToken, json: { status: 'written' } });
    expect(write.status).toBe(200);
    expect(write.headers.get('etag')).toBeNull();
    const missing = await api.call('GET', '/v1/users/nobody-at-all', { token: ann.accessToken });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('etag')).toBeNull();
    // The tag matches with or without its weak prefix, as before.
    const read = await api.call('GET', '/v1/users/ann', { token: ann.accessToken });
    const tag = read.headers.get('etag') ?? '';
    expect((await api.call('GET', '/v1/users/ann', { token: ann.accessToken, headers: { 'if-none-match': tag.replace(/^W\//, '') } })).status).toBe(304);
  });
});

describe('compression', () => {
  it('compresses a large JSON page for a client that accepts gzip, and leaves small answers alone', async () => {
    // fetch inflates transparently: the header is what tells the body travelled compressed.
    const response = await fetch(`${api.url}/v1/users/ann/following?expand=profile&limit=100`, {
      headers: { authorization: `Bearer ${ann.accessToken}`, 'accept-encoding': 'gzip' },
    });
    const raw = await api.call('GET', '/v1/users/ann/following?expand=profile&limit=100', { token: ann.accessToken, headers: { 'accept-encoding': 'identity' } });
    expect(raw.bytes.length).toBeGreaterThan(1024);
    expect(raw.headers.get('content-encoding')).toBeNull();
    expect(response.headers.get('content-encoding')).toBe('gzip');
    const body = (await response.json()) as { items: unknown[] };
    expect(body.items).toHaveLength(8);

    const small = await api.call('GET', '/v1/users/ann', { token: ann.accessToken, headers: { 'accept-encoding': 'gzip' } });
    expect(small.bytes.length).toBeLessThan(1024);
    expect(small.headers.get('content-encoding')).toBeNull();
  });
});
