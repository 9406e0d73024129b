/**
 * Request logs and Prometheus metrics, with as little work per request as possible: one log
 * line per request, written by Fastify's log controller at completion; one synchronous
 * onResponse hook observes latency, with label sets looked up once and their prom-client
 * children reused.
 *
 * Metrics (METRICS_ENABLED, on by default) are served at GET /metrics on the API's port, in
 * the Prometheus text format. They name routes and access patterns, never users or keys; keep
 * the path off the public internet at the proxy, or set METRICS_ENABLED=0.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type HookHandlerDoneFunction } from 'fastify';
import { Type } from 'typebox';
import { capacityOf, REPORTS_CAPACITY } from '../engine/metrics.js';
import { currentPattern, isObservable, observeCalls } from '../engine/observe.js';
import type { WorkerStatus } from '../derived/status.js';
import { countDeadLetters, DEAD_LETTER_VIEWS } from '../derived/dead-letters.js';
import { readHeartbeat } from '../derived/heartbeat.js';
import { derivedDb } from '../derived/store/index.js';
import type { Db } from '../patterns/index.js';

// Process metrics (CPU, memory, event loop, GC) are per process: one registry, started once.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** A label set's child, looked up once per distinct set (a small set: routes x statuses). */
function childCache<T extends string, C>(make: (labels: LabelValues<T>) => C): (key: string, labels: () => LabelValues<T>) => C {
  const children = new Map<string, C>();
  return (key, labels) => {
    let child = children.get(key);
    if (child === undefined) {
      child = make(labels());
      children.set(key, child);
    }
    return child;
  };
}

/** Secrets that may ride in a query string (a stream ticket) never reach the log. */
export const redactUrl = (url: string): string => url.replace(/([?&]ticket=)[^&#]*/gi, '$1[redacted]');

/**
 * One line per request, at completion: method, URL, route template, status, response time
 * (Fastify's default is two: "incoming request" and "request completed").
 */
export class RequestLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, url: redactUrl(request.url), route: request.routeOptions.url, statusCode: reply.statusCode, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

export interface TelemetryOptions {
  db: Db;
  metrics: boolean;
  /** The in-process stream worker; without one, its status comes from the heartbeat of `quick-photos worker`. */
  worker?: { status(): WorkerStatus } | undefined;
}

const MAX_PATTERNS = 500;

export function registerTelemetry(app: FastifyInstance, options: TelemetryOptions): void {
  if (!options.metrics) return;
  const registry = new Registry();
  const requestSeconds = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by route template and status: latency, and by its _count the request rate.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const ddbRequests = new Counter({
    name: 'dynamodb_requests_total',
    help: 'DynamoDB calls (retries included in one call) by operation and access pattern.',
    labelNames: ['operation', 'pattern'] as const,
    registers: [registry],
  });
  const ddbCapacity = new Counter({
    name: 'dynamodb_consumed_capacity_units_total',
    help: 'Capacity units DynamoDB reported consumed, by operation and access pattern.',
    labelNames: ['operation', 'pattern'] as const,
    registers: [registry],
  });
  const ddbErrors = new Counter({
    name: 'dynamodb_errors_total',
    help: 'DynamoDB calls that failed, by operation, access pattern and error name (conditions that failed included).',
    labelNames: ['operation', 'pattern', 'error'] as const,
    registers: [registry],
  });

  registerDerivedMetrics(registry, options);

  const httpChild = childCache((labels: LabelValues<'method' | 'route' | 'status'>) => requestSeconds.labels(labels));
  const ddbChild = childCache((labels: LabelValues<'operation' | 'pattern'>) => ({ requests: ddbRequests.labels(labels), capacity: ddbCapacity.labels(labels) }));

  // Pattern names are the literals the patterns pass to `call` (docs/data-model.md lists them):
  // a fixed set. The bound only guards the label set against a name made from data by mistake.
  const patterns = new Set<string>();
  const patternLabel = (name: string): string => {
    if (patterns.has(name)) return name;
    if (patterns.size >= MAX_PATTERNS) return 'other';
    patterns.add(name);
    return name;
  };

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    httpChild(`${request.method} ${route} ${status}`, () => ({ method: request.method, route, status })).observe(reply.elapsedTime / 1000);
    done();
  });

  const doc = options.db.doc;
  if (isObservable(doc)) {
    const stop = observeCalls(doc, {
      before(operation, input) {
        // A copy: the caller's input object must not change under it.
        return REPORTS_CAPACITY.has(operation) && input.ReturnConsumedCapacity === undefined ? { ...input, ReturnConsumedCapacity: 'TOTAL' } : input;
      },
      after(operation, input, output, error) {
        const pattern = patternLabel(currentPattern());
        const child = ddbChild(`${operation}|${pattern}`, () => ({ operation, pattern }));
        child.requests.inc();
        if (output) {
          const units = capacityOf(output);
          if (units > 0) child.capacity.inc(units);
        } else {
          ddbErrors.inc({ operation, pattern, error: errorLabel(error) });
        }
      },
    });
    app.addHook('onClose', (_app, done) => {
      stop();
      done();
    });
  }

  app.get(
    '/metrics',
    {
      schema: {
        // For the operator's scraper, not for app clients: kept out of the OpenAPI document
        // and so out of the generated client (README documents it).
        hide: true,
        operationId: 'getMetrics',
        tags: ['system'],
        summary: 'Prometheus metrics (text format): requests per route and status, DynamoDB requests and capacity per access pattern',
        produces: ['text/plain'],
        response: { 200: Type.String({ title: 'PrometheusText' }) },
      },
    },
    async (_request, reply) => {
      const merged = Registry.merge([registry, processMetrics()]);
      void reply.type(merged.contentType);
      return merged.metrics();
    },
  );
}

/**
 * The stream worker: lag and records applied per view (in-process, or from the heartbeat),
 * and the dead letters stored per view (one COUNT Query per view per scrape), for every shipped
 * view whether or not a worker reports (the Lambda engine writes no heartbeat).
 */
function registerDerivedMetrics(registry: Registry, options: TelemetryOptions): void {
  const status = async (): Promise<WorkerStatus | undefined> => {
    try {
      return options.worker ? options.worker.status() : await readHeartbeat(options.db);
    } catch {
      return undefined;
    }
  };
  new Gauge({
    name: 'derived_lag_seconds',
    help: 'Seconds the derived data (feeds, activity, search) is behind the table, per view; absent before the first pass.',
    labelNames: ['view'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const view of (await status())?.views ?? []) if (view.lagSeconds !== null) this.set({ view: view.view }, view.lagSeconds);
    },
  });
  new Gauge({
    name: 'derived_records_applied',
    help: 'Stream records the worker has applied since it started, per view.',
    labelNames: ['view'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const view of (await status())?.views ?? []) this.set({ view: view.view }, view.processed);
    },
  });
  new Gauge({
    name: 'derived_dead_letters',
    help: 'Stream records set aside for a deterministic failure, per view (see `quick-photos worker dead-letters`); alert above 0.',
    labelNames: ['view'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // Every shipped view and the undecodable records, with any other view a worker reports.
      const views = [...new Set([...DEAD_LETTER_VIEWS, ...((await status())?.views ?? []).map((v) => v.view)])];
      try {
        for (const [view, count] of Object.entries(await countDeadLetters(derivedDb(options.db), views))) this.set({ view }, count);
      } catch {
        // The engine is down: /ready says so; the gauge is absent for this scrape.
      }
    },
  });
}

/** A system error's code (ECONNREFUSED) says more than its name (Error). */
function errorLabel(error: unknown): string {
  if (!(error instanceof Error)) return 'Unknown';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}
