/**
 * Server-side bounds: a client that stalls mid-headers or mid-body is disconnected within the
 * configured time while other clients are served; and behind a proxy, a client cannot pick its
 * own rate-limit key by writing X-Forwarded-For itself.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { startApi, type Api } from './support.js';

/** Resolves when the server has closed the socket. */
function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    // Flowing, so that the server's 408 and FIN are read and 'close' fires.
    const socket = connect(Number(port), hostname, () => resolve(socket.resume()));
    socket.once('error', reject);
  });
}

describe('server timeouts', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' });
  });
  afterAll(async () => {
    await api.close();
  });

  it('gives the server the configured bounds, not the defaults of Node (60 s and 300 s)', () => {
    expect(api.app.server.headersTimeout).toBe(1_000);
    expect(api.app.server.requestTimeout).toBe(2_000);
  });

  it('disconnects a client that sends half its headers and stalls, serving others meanwhile', async () => {
    const stalled = await Promise.all(Array.from({ length: 20 }, () => open(api.url)));
    const closes = stalled.map((socket) => closed(socket));
    for (const socket of stalled) socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    // Others are served while those hang.
    for (let i = 0; i < 5; i++) expect((await api.call('GET', '/health')).status).toBe(200);
    // Every stalled client is cut off by the server (the bound above; the test's own timeout is far longer than it).
    await Promise.all(closes);
    for (const socket of stalled) expect(socket.destroyed).toBe(true);
  });

  it('disconnects a client that stalls in the middle of its body', async () => {
    const socket = await open(api.url);
    const gone = closed(socket);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.write('POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"username":');
    await gone;
    // 408 is the request timeout's answer: the body never arrived, the server gave up on it.
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('validates the bounds at start-up', () => {
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: 'soon' })).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_MS/);
    expect(loadConfig({}).http.timeouts).toEqual({ headersMs: 10_000, requestMs: 120_000, keepAliveMs: 5_000, idleMs: 60_000 });
  });
});

describe('TRUST_PROXY', () => {
  let api: Api;
  beforeAll(async () => {
    // One proxy in front: the client is the address that proxy appended, the rightmost entry.
    // Log-ins are limited per address on failures only (RATE_LIMIT_LOGIN_FAILURES).
    api = await startApi({ TRUST_PROXY: '1', RATE_LIMIT_LOGIN_FAILURES: '3' });
  });
  afterAll(async () => {
    await api.close();
  });

  const logIn = (forwardedFor: string) =>
    api.call('POST', '/v1/sessions', { json: { username: 'nobody', password: 'wrong password here' }, headers: { 'x-forwarded-for': forwardedFor } });

  it('keys the rate limit on the address the trusted proxy saw, whatever the client wrote to the left', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await logIn(`10.${i}.0.1, 198.51.100.${i}, 203.0.113.7`)).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429, 429]);
    // Another client behind the same proxy has its own budget.
    expect((await logIn('203.0.113.8')).status).toBe(401);
  });

  it('accepts hop counts and proxy address lists, and refuses "trust everything"', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.1' }).http.trustProxy).toEqual(['10.0.0.0/8', '192.168.1.1']);
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/number of proxy hops/);
  });
});
