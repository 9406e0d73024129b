/**
 * `npm start`: the API on the embedded engine (or whichever engine the configuration names).
 * Creates the table on first run (with sample data), keeps development secrets under the data
 * directory, and shuts down cleanly on SIGINT/SIGTERM.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TableMissingError, assertTableReady, ensureTable } from './admin/table.js';
import { DEMO_PASSWORD, ensureSampleData, SampleDataError, sampleDataMarker, sampleLogin } from './admin/seed.js';
import { createBlobStore } from './blobs/index.js';
import { checkpointAtLatest, deriveLoaded } from './admin/derive-initial.js';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { createLogger } from './log.js';
import { connect, type Connection } from './engine/client.js';
import { EngineStartError } from './engine/embedded.js';
import { clearEngineInfo, writeEngineInfo } from './engine/registry.js';
import { buildViews, createWorker } from './derived/worker.js';
import { deleteDerivedOf } from './derived/store/index.js';
import { buildApp } from './http/app.js';
import { createCursorCodec, resumeDeletions, type Db } from './patterns/index.js';
import { deletePhotoFiles, deleteUserFiles, discardUpload } from './blobs/index.js';
import { pushSummary } from './config/push.js';

interface Secrets {
  jwtSecret: string;
  cursorSecret: string;
}

/**
 * Production takes secrets from the environment only. Development generates them once and
 * keeps them in DATA_DIR/secrets.json (mode 0600), so tokens and cursors survive restarts.
 */
async function loadSecrets(config: Config): Promise<Secrets> {
  if (config.production) {
    const jwtSecret = config.http.jwtSecret;
    if (!jwtSecret) throw new ConfigError('NODE_ENV=production needs JWT_SECRET (at least 32 random characters); refusing to start without it.');
    // Without its own secret the cursor key is derived from the JWT key, never equal to it.
    return { jwtSecret, cursorSecret: config.cursorSecret ?? createHmac('sha256', jwtSecret).update('pagination cursors').digest('base64url') };
  }
  const file = join(config.dataDir, 'secrets.json');
  let stored: Partial<Secrets> = {};
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as Partial<Secrets>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`${file} is not readable JSON; delete it to generate new development secrets.`);
  }
  const generated: Secrets = {
    jwtSecret: typeof stored.jwtSecret === 'string' && stored.jwtSecret.length >= 32 ? stored.jwtSecret : randomBytes(32).toString('base64url'),
    cursorSecret: typeof stored.cursorSecret === 'string' && stored.cursorSecret.length >= 32 ? stored.cursorSecret : randomBytes(32).toString('base64url'),
  };
  if (generated.jwtSecret !== stored.jwtSecret || generated.cursorSecret !== stored.cursorSecret) {
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(generated, null, 2) + '\n', { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return { jwtSecret: config.http.jwtSecret ?? generated.jwtSecret, cursorSecret: config.cursorSecret ?? generated.cursorSecret };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ production: config.production });
  const secrets = await loadSecrets(config);

  const blobs = createBlobStore(config.blobs);
  let connection: Connection | undefined;
  let sampleLoaded = false;
  try {
    connection = await connect(config);
    if (!config.tableCreate) {
      await assertTableReady(connection.client, config.tableName);
    } else {
      const { createdTable } = await ensureTable(connection.client, config.tableName);
      // Sample users belong to a development table only, never to one created in production.
      // A load that cannot complete stops the start (SampleDataError); the next one finishes it.
      if (!config.production && config.sampleData) {
        const started = Date.now();
        const result = await ensureSampleData(connection.doc, config.tableName, {
          createdTable,
          marker: sampleDataMarker(config.dataDir, config.tableName),
          blobs,
          demoPassword: DEMO_PASSWORD,
          ...(config.sampleUsers === undefined ? {} : { users: config.sampleUsers }),
        });
        if (result) logger.info({ written: result.written, images: result.images, ms: Date.now() - started }, 'sample data loaded');
        sampleLoaded = result !== undefined;
      }
    }
  } catch (error) {
    await connection?.close();
    throw error;
  }
  const conn = connection;

  const db: Db = { doc: conn.patterns, table: config.tableName, cursors: createCursorCodec(secrets.cursorSecret) };
  const engine = conn.engine;
  if (sampleLoaded) {
    // Feeds, activity and search of the sample, built at once rather than replayed record by
    // record from the stream: the worker then starts at the stream's end, with no backlog.
    const started = Date.now();
    // The sample never pushes, nor tells open streams: its activity is not news to anyone.
    const applied = await deriveLoaded(db, (on) => buildViews(on, config.derived, { events: false }).filter((view) => view.name !== 'push'));
    await checkpointAtLatest(conn.client, db, config.derived);
    logger.info({ applied, ms: Date.now() - started }, 'sample data derived');
  }
  // Feeds, activity and search are derived from the stream; WORKER=0 leaves that to `quick-photos worker`.
  // The API's writes wake the worker beside it: a new photo reaches feeds without waiting out the idle poll.
  const worker = config.derived.worker ? createWorker({ client: conn.client, db, settings: config.derived, logger, wakeOn: [conn.patterns] }) : undefined;
  logger.info(pushSummary(config.derived.push));
  const app = await buildApp({
    db,
    client: conn.client,
    ...(engine ? { engineState: () => engine.state } : {}),
    ...(worker ? { worker } : {}),
    config: { ...config, cursorSecret: secrets.cursorSecret, http: { ...config.http, jwtSecret: secrets.jwtSecret } },
    blobs,
    logger,
  });
  let address: string;
  try {
    address = await app.listen({ port: config.http.port, host: config.http.host });
  } catch (error) {
    await app.close();
    await worker?.stop();
    await conn.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError(`${config.http.host}:${config.http.port} is already in use; stop what listens there or set PORT.`);
    }
    throw error;
  }

  // Lets the CLI reuse this engine: DynamoDB Local must not open the same files twice.
  if (conn.engine) {
    try {
      await writeEngineInfo(config.dataDir, { endpoint: conn.engine.endpoint, pid: process.pid });
    } catch (error) {
      logger.warn({ err: error }, 'engine registry not written');
    }
  }

  const engineLabel = conn.engine
    ? `${conn.endpoint} (embedded${conn.engine.dbPath ? `, files in ${conn.engine.dbPath}` : ', in memory'})`
    : (conn.endpoint ?? `AWS DynamoDB (${config.region ?? 'default region'})`);
  const lines = [
    `quick-photos API   ${address}/v1`,
    `Docs               ${address}/docs   (OpenAPI: ${address}/openapi.json)`,
    `DynamoDB           ${engineLabel}, table ${config.tableName}`,
    `Data directory     ${resolve(config.dataDir)}`,
    `Stream worker      ${worker ? 'in this process (feeds, activity, search)' : 'off here (WORKER=0): run `quick-photos worker`'}`,
    `Photos             ${config.blobs.kind === 'local' ? resolve(config.blobs.dir) : `s3://${config.blobs.bucket}/${config.blobs.prefix}`}`,
    `Mail               ${config.mail.smtp ? 'SMTP' : `outbox ${resolve(config.mail.outboxDir)}  (npm run cli -- mail outbox)`}`,
    ...(config.production ? [] : [`Sample log-in      any sample user (e.g. ${sampleLogin(config.sampleUsers === undefined ? {} : { users: config.sampleUsers })}) with password "${DEMO_PASSWORD}" (development only)`]),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n\nCtrl-C to stop.\n\n`);

  let stopping = false;
  const shutdown = async (signal: string, code = 0): Promise<void> => {
    if (stopping) {
      process.stderr.write('Forced exit.\n');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests');
    const force = setTimeout(() => {
      process.stderr.write('Shutdown took too long; exiting.\n');
      process.exit(1);
    }, 15_000);
    force.unref();
    try {
      await app.close();
      await worker?.stop();
      if (conn.engine) await clearEngineInfo(config.dataDir);
      await conn.close();
      logger.info('stopped');
      logger.flush();
      process.exit(code);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  // The engine is restarted behind the same endpoint after a crash; once it gives up, the
  // service exits non-zero so that whatever supervises it (systemd, a container runtime)
  // restarts it, rather than answering 503 forever.
  engine?.onStateChange((state) => {
    if (state === 'restarting') logger.error({ engine: 'embedded' }, 'the embedded engine exited unexpectedly; restarting it');
    else if (state === 'running') logger.warn({ engine: 'embedded', restarts: engine.restarts }, 'the embedded engine is back');
    else if (state === 'failed') {
      logger.fatal({ engine: 'embedded', restarts: engine.restarts }, 'the embedded engine cannot be restarted; exiting');
      void shutdown('engine failed', 70);
    }
  });
  // Account deletions a stop or a crash interrupted carry on; a shutdown pauses them again.
  resumeDeletions(db, { deleteFiles: (photo) => deletePhotoFiles(blobs, photo), deleteUserFiles: (user) => deleteUserFiles(blobs, user), discardUpload: (upload) => discardUpload(blobs, upload), deleteDerived: (name) => deleteDerivedOf(db, name), shouldStop: () => stopping })
    .then(({ finished, paused }) => {
      if (finished.length + paused.length > 0) logger.info({ finished, paused }, 'interrupted account deletions resumed');
    })
    .catch((error: unknown) => logger.error({ err: error }, 'interrupted account deletions not finished; run `quick-photos accounts finish-deletions`'));

  // A second signal while draining forces the exit.
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof EngineStartError || error instanceof TableMissingError || error instanceof SampleDataError) {
    process.stderr.write(`quick-photos: ${error.message.split('\n')[0]}\n`);
  } else {
    process.stderr.write(`quick-photos: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
