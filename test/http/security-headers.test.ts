/**
 * The exact security headers every API answer carries (successes, errors, unknown routes):
 * the set @fastify/helmet's defaults sent, now computed once at start-up, without the
 * Content-Security-Policy on JSON (no browser renders it as a document); the web app's pages
 * carry it. The /docs page keeps its own, stricter-for-scripts Content-Security-Policy from
 * the docs plugin.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { securityHeaders as headerSet, servedOverHttps } from '../../src/http/headers.js';
import { signUp, startApi, type Api } from './support.js';

const PAGE_CSP =
  "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data: blob:;" +
  "object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline'";

const API_HEADERS: Record<string, string> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; font-src 'self' https: data:; frame-ancestors 'self'; img-src 'self' data: validator.swagger.io; " +
  "object-src 'none'; script-src 'self' ; script-src-attr 'none'; style-src 'self' https: ; upgrade-insecure-requests;";

/** Transport and content headers that vary by answer; everything else is a security header. */
const OTHER = new Set(['connection', 'content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'date', 'keep-alive', 'x-request-id', 'location', 'retry-after', 'etag', 'cache-control', 'vary', 'accept-ranges', 'last-modified']);

function securityHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers].filter(([name]) => !OTHER.has(name)));
}

let api: Api;
let token: string;

beforeAll(async () => {
  api = await startApi();
  token = (await signUp(api, 'helmeted')).accessToken;
});

afterAll(async () => {
  await api.close();
});

describe('security headers', () => {
  it('every API answer carries exactly the set, successes and errors alike', async () => {
    const answers = [
      await api.call('GET', '/health'),
      await api.call('GET', '/v1/users/helmeted', { token }),
      await api.call('GET', '/v1/users/helmeted'),
      await api.call('GET', '/v1/users/nobody-here', { token }),
      await api.call('PATCH', '/v1/users/helmeted', { token, json: { unknownField: 1 } }),
      await api.call('GET', '/no/such/route'),
      await api.call('GET', '/openapi.json'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 401, 404, 400, 404, 200]);
    for (const answer of answers) expect(securityHeaders(answer.headers)).toEqual(API_HEADERS);
  });

  it('the docs page keeps its own CSP and the other headers, and still loads', async () => {
    const page = await api.call('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(securityHeaders(page.headers)).toEqual({ ...API_HEADERS, 'content-security-policy': DOCS_CSP });
    const script = await api.call('GET', '/docs/static/swagger-ui-bundle.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-security-policy')).toBe(DOCS_CSP);
  });
});

describe('the web app', () => {
  let web: Api;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qp-web-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>app</title>');
    web = await startApi({ WEB_DIR: dir });
  });
  afterAll(async () => {
    await web.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('its pages carry the Content-Security-Policy beside the set; its API answers do not', async () => {
    for (const path of ['/', '/index.html', '/some/deep/link']) {
      const page = await web.call('GET', path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(securityHeaders(page.headers), path).toEqual({ ...API_HEADERS, 'content-security-policy': PAGE_CSP });
    }
    expect(securityHeaders((await web.call('GET', '/health')).headers)).toEqual(API_HEADERS);
  });
});

describe('upgrade-insecure-requests', () => {
  it('is sent where the service is served over HTTPS only: plain HTTP at a LAN address must keep working', () => {
    const csp = (https: boolean) => headerSet([], { https })['content-security-policy']!;
    expect(csp(true)).toBe(`${PAGE_CSP};upgrade-insecure-requests`);
    expect(csp(false)).toBe(PAGE_CSP);
    const env = { JWT_SECRET: 'x'.repeat(40), DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' };
    expect(servedOverHttps(loadConfig(env))).toBe(false);
    expect(servedOverHttps(loadConfig({ ...env, PUBLIC_URL: 'https://photos.example.com' }))).toBe(true);
    expect(servedOverHttps(loadConfig({ ...env, NODE_ENV: 'production' }))).toBe(true);
  });
});
