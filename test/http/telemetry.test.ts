/**
 * Observability over HTTP: GET /metrics in the Prometheus text format (requests per route and
 * status, DynamoDB requests, capacity and errors per access pattern, process metrics), off
 * with METRICS_ENABLED=0; one log line per request; and during an engine outage one short
 * warning per second instead of a stack trace per failed request.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import { createClients } from '../../src/engine/client.js';
import { freePort } from '../../src/engine/embedded.js';
import { buildApp } from '../../src/http/app.js';
import { createCursorCodec } from '../../src/patterns/cursor.js';
import { caller, listen, signUp, startApi, testConfig, type Api } from './support.js';

let api: Api;
let token: string;

beforeAll(async () => {
  api = await startApi();
  token = (await signUp(api, 'measured')).accessToken;
});

afterAll(async () => {
  await api.close();
});

/** The value of one sample line, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Sum of every sample of `metric` whose labels match `labels`. */
function total(text: string, metric: string, labels: RegExp): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`) && labels.test(l.slice(metric.length, l.lastIndexOf(' '))))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('GET /metrics', () => {
  it('counts requests per route and status, and DynamoDB requests and capacity per access pattern', async () => {
    for (let i = 0; i < 3; i++) expect((await api.call('GET', '/v1/users/measured', { token })).status).toBe(200);
    expect((await api.call('GET', '/v1/users/nobody-here', { token })).status).toBe(404);
    expect((await api.call('GET', '/no/such/route')).status).toBe(404);

    const scrape = await api.call('GET', '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = scrape.bytes.toString('utf8');
    expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="/v1/users/:username",status="200"}')).toBe(3);
    expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="/v1/users/:username",status="404"}')).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/users/:username",status="200"}')).toBe(3);
    // Four profile reads (three found, one not): the visibility guard reads the profile with
    // its block and follow items in one BatchGetItem, labelled with the pattern that sent it.
    const reads = /operation="(GetItem|BatchGetItem)",pattern="(viewOf|findUser)"/;
    expect(total(text, 'dynamodb_requests_total', reads)).toBeGreaterThanOrEqual(4);
    expect(total(text, 'dynamodb_consumed_capacity_units_total', reads)).toBeGreaterThan(0);
    // The sign-up: one transaction that puts the profile (with its credentials and email claim).
    expect(total(text, 'dynamodb_requests_total', /operation="TransactWriteItems",pattern="signUp"/)).toBeGreaterThanOrEqual(1);
    // Every label is a pattern's name as written where it is defined: no key, no operation words.
    const labels = new Set([...text.matchAll(/^dynamodb_requests_total\{operation="\w+",pattern="([^"]+)"\}/gm)].map((m) => m[1]));
    expect([...labels].every((name) => /^[a-zA-Z]+(\.[a-zA-Z]+)?$/.test(name!))).toBe(true);
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    // Routes and patterns, never users or storage keys.
    expect(text).not.toMatch(/measured|nobody-here|USER#|ACCOUNT#/);
  });

  it('is absent when METRICS_ENABLED=0', async () => {
    const quiet = await startApi({ METRICS_ENABLED: '0' });
    try {
      expect((await quiet.call('GET', '/metrics')).status).toBe(404);
    } finally {
      await quiet.close();
    }
  });
});

describe('logs', () => {
  let dir: string;
  let app: FastifyInstance | undefined;
  afterAll(async () => {
    await app?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('one line per request; an outage logs one short line per second, not a stack per failure', async () => {
    dir = await mkdtemp(join(tmpdir(), 'qp-logs-'));
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    // Nothing listens on this port: every DynamoDB call is refused at once.
    const clients = createClients({ endpoint: `http://127.0.0.1:${await freePort()}`, local: true, requestTimeoutMs: 1_000, maxAttempts: 1, kind: 'lean' });
    const config = testConfig({ TABLE_NAME: 'gone', PHOTOS_DIR: join(dir, 'photos') });
    const db = { doc: clients.patterns, table: 'gone', cursors: createCursorCodec('logs-cursor-secret-0123456789abcd') };
    app = await buildApp({ db, client: clients.client, config, blobs: createLocalBlobStore(join(dir, 'photos')), logger });
    const call = caller(await listen(app));
    const { accessToken } = (await signUp(api, 'outage-watcher'));

    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 40 }, () => call('GET', '/v1/users/outage-watcher', { token: accessToken })));
    const elapsed = Date.now() - started;
    expect(answers.every((a) => a.status === 503)).toBe(true);
    await call('GET', '/health');

    const completions = lines.filter((l) => l.msg === 'request completed');
    expect(completions).toHaveLength(41);
    expect(completions[0]).toMatchObject({ method: 'GET', route: '/v1/users/:username', statusCode: 503, responseTime: expect.any(Number) as number });
    expect(lines.filter((l) => l.msg === 'incoming request')).toHaveLength(0);

    const warnings = lines.filter((l) => l.level === 40);
    // One per second at most (the burst took `elapsed` ms), each a single short line.
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1_000) + 1);
    for (const warning of warnings) {
      expect(warning).toMatchObject({ code: 'ENGINE_UNAVAILABLE', pattern: 'findUser', cause: expect.stringMatching(/ECONNREFUSED/) as string });
      expect(JSON.stringify(warning)).not.toMatch(/\\n\s+at |"stack"/);
    }

    const scrape = (await call('GET', '/metrics')).bytes.toString('utf8');
    expect(sample(scrape, 'dynamodb_errors_total{operation="GetItem",pattern="findUser",error="ECONNREFUSED"}')).toBe(40);
    clients.destroy();
  });
});
