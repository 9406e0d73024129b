/**
 * The API in a process of its own, so that its CPU time (from /proc/<pid>/task/<tid>/schedstat)
 * is the API's alone. Configured as in production: authentication, validation, security
 * headers, pino request logging at info level (to a file), /metrics on; the DynamoDB client
 * is DYNAMODB_CLIENT (lean or sdk; BENCH_SDK_DEFAULTS=1: the SDK client without its tuning).
 * No capacity-counting middleware. Tells its parent the port
 * over IPC, and exits when the parent disconnects; samples its own CPU profile when asked.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { pino } from 'pino';
import { createLocalBlobStore, type BlobStore } from '../src/blobs/index.js';
import { loadConfig } from '../src/config/index.js';
import { createClients } from '../src/engine/client.js';
import { buildApp } from '../src/http/app.js';
import { createCursorCodec } from '../src/patterns/index.js';

const env = process.env;
const config = loadConfig(env);
const kind = env.DYNAMODB_CLIENT === 'sdk' ? 'sdk' : 'lean';
const sdkDefaults = env.BENCH_SDK_DEFAULTS === '1';
const clients = createClients({ endpoint: config.endpoint, local: true, kind, sdkDefaults, requestTimeoutMs: config.requestTimeoutMs, maxAttempts: config.maxAttempts });
const logger = pino({ level: 'info' }, pino.destination({ dest: env.BENCH_LOG_FILE ?? '/dev/null', sync: false }));
const db = { doc: clients.patterns, table: config.tableName, cursors: createCursorCodec(env.CURSOR_SECRET ?? '') };
const local = createLocalBlobStore(config.blobs.kind === 'local' ? config.blobs.dir : '/tmp');
// BENCH_STORE_IN_API=1 (bench:uploads): the local store as the image process sees S3, so the variant bytes come back to be stored here.
const blobs = env.BENCH_STORE_IN_API === '1' ? ({ ...local, kind: 's3' } as unknown as BlobStore) : local;
const app = await buildApp({ db, client: clients.client, config, blobs, logger });
await app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ type: 'listening', port: (app.server.address() as { port: number }).port });

// Profiling on request (the V8 sampler --cpu-prof uses, 100 us interval), so that a profile
// covers a loaded window only, not start-up and module compilation.
const session = new Session();
const post = (method: string, params: object = {}) =>
  new Promise<unknown>((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
process.on('message', (message: { type: string; path?: string }) => {
  void (async () => {
    if (message.type === 'profile-start') {
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 100 });
      await post('Profiler.start');
      process.send?.({ type: 'profiling' });
    } else if (message.type === 'profile-stop' && message.path) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      session.disconnect();
      writeFileSync(message.path, JSON.stringify(profile));
      process.send?.({ type: 'profiled' });
    }
  })();
});

process.on('disconnect', () => {
  void (async () => {
    await app.close();
    clients.destroy();
    logger.flush();
    process.exit(0);
  })();
});
