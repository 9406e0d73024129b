/**
 * The bare-framework control: a Fastify instance with nothing on it (no hooks, no logging, no
 * validation, no authentication) and one route per pattern that makes the pattern's raw
 * DynamoDB calls (bench/scenarios.ts: `raw`) through the lean client and sends the last
 * answer as JSON. API - bare is what the application's own layers cost; bare - raw is what
 * the framework and HTTP cost. Its own process, so that its CPU time is its own; the fixture
 * arrives over IPC (`init`), then it tells its parent the port.
 */
import Fastify from 'fastify';
import { createClients } from '../src/engine/client.js';
import { createCursorCodec, type Db } from '../src/patterns/index.js';
import { recordFeedCalls, scenarioByName, type Fixture } from './scenarios.js';

const env = process.env;
const clients = createClients({ endpoint: env.DYNAMODB_ENDPOINT ?? '', local: true, kind: 'lean' });
const db: Db = { doc: clients.patterns, table: env.TABLE_NAME ?? '', cursors: createCursorCodec(env.CURSOR_SECRET ?? '') };
const fixture = await new Promise<Fixture>((resolve) => process.once('message', (m: { type: 'init'; fixture: Fixture }) => resolve(m.fixture)));
await recordFeedCalls(db, fixture.readers);

const app = Fastify({ logger: false });
const handler = async (request: { params: unknown }) => {
  const { scenario, k } = request.params as { scenario: string; k: string };
  const result = (await scenarioByName(scenario).raw(Number(k), fixture, db)) as { $metadata?: unknown } | undefined;
  const { $metadata: _, ...body } = result ?? {};
  return body;
};
app.get('/bare/:scenario/:k', handler);
app.put('/bare/:scenario/:k', handler);
app.post('/bare/:scenario/:k', handler);
await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ type: 'listening', port: (app.server.address() as { port: number }).port });
process.on('disconnect', () => {
  void app.close().then(() => {
    clients.destroy();
    process.exit(0);
  });
});
