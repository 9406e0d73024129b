/**
 * The HTTP load generator, in a process of its own so that autocannon never shares an event
 * loop with the API it measures. Driven over IPC by bench/run.ts: `init` with the fixture,
 * then one `run` per measurement, each answered with its statistics.
 */
import autocannon from 'autocannon';
import { scenarioByName, type Fixture } from './scenarios.js';
import { summarize, type RunStats } from './stats.js';

export interface LoadJob {
  url: string;
  scenario: string;
  connections: number;
  seconds: number;
  /** The first request number; the answer says where the run stopped. */
  kStart: number;
  /** The bare-framework control (bench/bare-server.ts): the pattern's raw calls behind /bare/<pattern>/<k>, no token. */
  bare?: boolean;
}

export type ToLoader = { type: 'init'; fixture: Fixture } | { type: 'run'; job: LoadJob };
export type FromLoader = { type: 'result'; stats: RunStats; kEnd: number; statuses: Record<string, number> } | { type: 'failed'; error: string };

let fixture: Fixture | undefined;

async function run(job: LoadJob): Promise<FromLoader> {
  if (!fixture) throw new Error('init must come before run');
  const f = fixture;
  const scenario = scenarioByName(job.scenario);
  let k = job.kStart;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let firstError: string | undefined;
  let finish: (result: autocannon.Result) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.seconds,
    requests: [
      {
        setupRequest: (request) => {
          const n = k++;
          const next = scenario.api(n, f);
          if (job.bare) return { ...request, method: next.method, path: `/bare/${encodeURIComponent(scenario.name)}/${n}` };
          const body = next.json === undefined ? {} : { body: JSON.stringify(next.json) };
          const type = next.json === undefined ? {} : { 'content-type': 'application/json' };
          return { ...request, method: next.method, path: next.path, ...body, headers: { ...request.headers, ...type, authorization: `Bearer ${next.token}` } };
        },
        onResponse: (status, body) => {
          if (status >= 300) firstError ??= `${status} ${body.slice(0, 200)}`;
        },
      },
    ],
  }, (error: unknown, result) => (error ? fail(error) : finish(result)));
  const started = performance.now();
  // autocannon's own histogram has whole-millisecond buckets; sub-millisecond latencies need the raw values.
  instance.on('response', (_client, status, _bytes, responseTime) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status < 300) latencies.push(responseTime);
  });
  const result = await done;
  const seconds = Math.max((performance.now() - started) / 1000, result.duration);
  const errors = result.errors + result.timeouts + result.non2xx;
  return { type: 'result', stats: summarize(latencies, errors, seconds, firstError), kEnd: k, statuses };
}

process.on('message', (message: ToLoader) => {
  if (message.type === 'init') {
    fixture = message.fixture;
    process.send?.({ type: 'ready' });
    return;
  }
  run(message.job).then(
    (answer) => process.send?.(answer),
    (error: unknown) => process.send?.({ type: 'failed', error: String(error) } satisfies FromLoader),
  );
});
process.on('disconnect', () => process.exit(0));
