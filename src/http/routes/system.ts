/** Liveness and readiness probes, outside /v1 and without authentication. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors } from '../../errors.js';
import { readHeartbeat } from '../../derived/heartbeat.js';
import { mapEngineError } from '../../patterns/index.js';
import { describeTable } from '../../patterns/control.js';
import { PUBLIC, type RouteOptions } from '../context.js';
import { errorsFor } from '../schemas.js';

const ReadyDetails = Type.Object({
  worker: Type.Object({
    where: Type.Union([Type.Literal('in-process'), Type.Literal('heartbeat'), Type.Literal('unknown')], {
      description: 'in-process: this API runs the worker; heartbeat: read from a `quick-photos worker` elsewhere',
    }),
    lagSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds the derived data (feeds, activity, search) is behind the table' }),
    views: Type.Array(Type.Object({ view: Type.String(), lagSeconds: Type.Union([Type.Number(), Type.Null()]), processed: Type.Integer() })),
    stale: Type.Optional(Type.Boolean({ description: 'The heartbeat is old: the worker is down or stuck' })),
  }),
});

export const systemRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  /** Derived data lagging is not "not ready": the API answers; the lag is reported, never fatal. */
  async function workerDetails() {
    const pick = (views: { view: string; lagSeconds: number | null; processed: number }[]) =>
      views.map(({ view, lagSeconds, processed }) => ({ view, lagSeconds, processed }));
    if (ctx.worker) {
      const status = ctx.worker.status();
      return { where: 'in-process' as const, lagSeconds: status.lagSeconds, views: pick(status.views) };
    }
    try {
      const status = await readHeartbeat(ctx.db);
      return { where: 'heartbeat' as const, lagSeconds: status.lagSeconds, views: pick(status.views), stale: status.stale };
    } catch {
      return { where: 'unknown' as const, lagSeconds: null, views: [] };
    }
  }

  app.get(
    '/health',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['system'],
        security: PUBLIC,
        summary: 'The process is up (and its embedded engine, when it has one, is running)',
        response: { 200: Type.Object({ status: Type.Literal('ok') }, { title: 'Health' }), ...errorsFor({ 503: [] }) },
      },
    },
    (_request, reply) => {
      // An embedded engine that is restarting or gave up makes every data route 503: say so.
      const engine = ctx.engineState?.();
      if (engine !== undefined && engine !== 'running') throw errors.engineUnavailable(new Error(`embedded engine ${engine}`));
      void reply.send({ status: 'ok' as const });
    },
  );

  app.get(
    '/ready',
    {
      schema: {
        operationId: 'getReadiness',
        tags: ['system'],
        security: PUBLIC,
        summary: 'The engine answers and the table and its InvertedIndex are ACTIVE; details tell how far behind the stream worker is',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), table: Type.String(), details: Type.Optional(ReadyDetails) }, { title: 'Readiness' }),
          ...errorsFor({ 503: [] }),
        },
      },
    },
    async () => {
      const table = ctx.db.table;
      let status;
      try {
        status = await describeTable(ctx.client, table);
      } catch (error) {
        throw mapEngineError(error, table);
      }
      if (!status.exists || status.status !== 'ACTIVE' || status.index !== 'active') throw errors.tableNotFound(table);
      return { status: 'ready' as const, table, details: { worker: await workerDetails() } };
    },
  );
  done();
};
