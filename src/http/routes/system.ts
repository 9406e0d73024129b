/** Liveness and readiness probes, outside /v1 and without authentication. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { describeTable } from '../../admin/table.js';
import { errors } from '../../errors.js';
import { mapEngineError } from '../../patterns/index.js';
import { PUBLIC, type RouteOptions } from '../context.js';
import { errorsFor } from '../schemas.js';

export const systemRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
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
        summary: 'The engine answers and the table and its InvertedIndex are ACTIVE',
        response: { 200: Type.Object({ status: Type.Literal('ready'), table: Type.String() }, { title: 'Readiness' }), ...errorsFor({ 503: [] }) },
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
      return { status: 'ready' as const, table };
    },
  );
  done();
};
