/**
 * API paths never answer the web app's page: an unknown one is a JSON 404 with the code
 * ROUTE_NOT_FOUND, whether or not the web client is served; the app's own routes still serve it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type Api } from './support.js';

const PAGE = '<!doctype html><title>quick-photos</title><div id="app"></div>';

const UNKNOWN_API_PATHS = [
  '/v1',
  '/v1/',
  '/v1/nothing-here',
  '/v1/users/alice/nothing',
  '/v1/media/v/00',
  '/v1/media/nothing',
  '/v1/uploads/nothing/else',
  '/openapi.json/x',
  '/docs/nothing-here.js',
  '/docsx',
  '/metrics/x',
  '/health/x',
];

describe.each([true, false])('unknown API paths (web client served: %s)', (withWeb) => {
  let api: Api;
  let webDir: string;

  beforeAll(async () => {
    webDir = await mkdtemp(join(tmpdir(), 'qp-web-'));
    await writeFile(join(webDir, 'index.html'), PAGE);
    api = await startApi(withWeb ? { WEB_DIR: webDir } : {});
  });
  afterAll(async () => {
    await api.close();
    await rm(webDir, { recursive: true, force: true });
  });

  it('answers each with a JSON 404 ROUTE_NOT_FOUND in the error shape, never the page', async () => {
    for (const path of UNKNOWN_API_PATHS) {
      for (const method of ['GET', 'HEAD', 'POST']) {
        const response = await fetch(api.url + path, { method, ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.headers.get('content-type'), `${method} ${path}`).toMatch(/^application\/json/);
        if (method === 'HEAD') continue;
        const body: unknown = await response.json();
        expect(body, `${method} ${path}`).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: expect.stringContaining(path) as string } });
      }
    }
  });

  it.runIf(withWeb)('still serves the app at its own routes (/, /p/x, /u/x) and the API at its own', async () => {
    for (const path of ['/', '/p/x', '/u/x', '/settings']) {
      const response = await fetch(api.url + path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(await response.text()).toBe(PAGE);
    }
    expect((await fetch(`${api.url}/openapi.json`)).headers.get('content-type')).toMatch(/^application\/json/);
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  });
});
