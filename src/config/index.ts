/**
 * Run-time configuration, read once from the environment and validated up front so that a
 * typo fails at start-up with a message naming the variable, not later as an SDK error.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './error.js';
import { flag, nonNegativeInt, positiveInt, rangedInt, secret, type Env } from './env.js';
import { pushConfig } from './push.js';
import type { BlobConfig, Config, EngineMode, MailConfig } from './types.js';

// The shapes are declared beside this file; importers keep one place to ask.
export type * from './types.js';

export { ConfigError } from './error.js';

/**
 * Cursor key for local tools (the operator CLI) when CURSOR_SECRET is unset. Its cursors are
 * only ever read back by the same tool, so a fixed key costs nothing; services never use it.
 */
export const LOCAL_CURSOR_SECRET = 'quick-photos-local-cli-cursor-key-0001';

// 247: the derived table's name (`<table>-derived`) must fit DynamoDB's 255 too.
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,247}$/;

function blobConfig(env: Env, dataDir: string): BlobConfig {
  const kind = env.BLOB_STORE || (env.S3_BUCKET ? 's3' : 'local');
  if (kind === 'local') return { kind, dir: env.PHOTOS_DIR || `${dataDir}/photos` };
  if (kind !== 's3') throw new ConfigError(`BLOB_STORE must be local or s3; got "${kind}".`);
  const bucket = env.S3_BUCKET;
  if (!bucket) throw new ConfigError('BLOB_STORE=s3 needs S3_BUCKET.');
  return { kind, bucket, prefix: env.S3_PREFIX ?? 'photos/', endpoint: env.S3_ENDPOINT || undefined, region: env.S3_REGION || undefined };
}

/** Half of UPLOADS_TOTAL by default; fewer than UPLOADS_TOTAL, or nobody could upload a second file. */
function uploadsReserved(env: Env): number {
  const total = positiveInt(env, 'UPLOADS_TOTAL', 16);
  return nonNegativeInt(env, 'UPLOADS_RESERVED', Math.floor(total / 2), total - 1);
}

/** S3 refuses parts under 5 MiB (but the last) and uploads of more than 10,000 parts. */
function resumableSizes(env: Env): { resumableMaxBytes: number; partBytes: number } {
  const resumableMaxBytes = positiveInt(env, 'UPLOAD_RESUMABLE_MAX_BYTES', 50 * 1024 * 1024);
  const partBytes = rangedInt(env, 'UPLOAD_PART_BYTES', 8 * 1024 * 1024, 5 * 1024 * 1024, 5 * 1024 * 1024 * 1024);
  if (Math.ceil(resumableMaxBytes / partBytes) > 10_000) throw new ConfigError('UPLOAD_RESUMABLE_MAX_BYTES / UPLOAD_PART_BYTES must be at most 10000 parts; raise UPLOAD_PART_BYTES.');
  return { resumableMaxBytes, partBytes };
}

/**
 * PASSWORD_HASH_COST: log2 of scrypt's N. 15 (32 MiB a hash, OWASP's suggestion) by default
 * and at least that in production; development and tests may go down to 10 (a millisecond a
 * hash), which is what lets a test suite sign up hundreds of people.
 */
function passwordHashCost(env: Env, production: boolean): number {
  const raw = env.PASSWORD_HASH_COST;
  if (raw === undefined || raw === '') return DEFAULT_PASSWORD_HASH_COST;
  const value = Number(raw);
  const min = production ? DEFAULT_PASSWORD_HASH_COST : 10;
  if (!Number.isInteger(value) || value < min || value > 20) {
    throw new ConfigError(`PASSWORD_HASH_COST must be an integer from ${min} to 20${production ? ' in production' : ''}, got "${raw}".`);
  }
  return value;
}

export const DEFAULT_PASSWORD_HASH_COST = 15;

const IPV4_OR_V6 = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)(?:\/\d{1,3})?$/;

/** TRUST_PROXY: a hop count, or a comma-separated list of proxy addresses / CIDRs. */
function trustProxy(env: Env): false | number | string[] {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '' || raw === '0' || raw === 'false') return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) throw new ConfigError(`TRUST_PROXY must be a number of proxy hops from 0 to 10 or a list of proxy addresses; got "${raw}".`);
    return hops;
  }
  const list = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  const bad = list.find((entry) => !IPV4_OR_V6.test(entry) && !['loopback', 'linklocal', 'uniquelocal'].includes(entry));
  if (bad !== undefined) {
    throw new ConfigError(
      `TRUST_PROXY must be the number of proxy hops in front of the service (e.g. 1) or a comma-separated list of proxy addresses/CIDRs; got "${raw}" ("true" would let any client choose its own address).`,
    );
  }
  return list;
}

function clientKind(env: Env): 'lean' | 'sdk' {
  const kind = env.DYNAMODB_CLIENT || 'lean';
  if (kind !== 'lean' && kind !== 'sdk') throw new ConfigError(`DYNAMODB_CLIENT must be lean or sdk; got "${kind}".`);
  return kind;
}

function mediaScheduling(env: Env): 'idle' | 'nice' {
  const scheduling = env.MEDIA_SCHED || 'idle';
  if (scheduling !== 'idle' && scheduling !== 'nice') throw new ConfigError(`MEDIA_SCHED must be idle or nice; got "${scheduling}".`);
  return scheduling;
}

export function loadConfig(env: Env = process.env): Config {
  const endpoint = env.DYNAMODB_ENDPOINT || undefined;
  const requested = env.DYNAMODB_ENGINE || undefined;
  if (requested !== undefined && !['embedded', 'endpoint', 'aws'].includes(requested)) {
    throw new ConfigError(`DYNAMODB_ENGINE must be one of embedded, endpoint, aws; got "${requested}".`);
  }
  let engine: EngineMode = (requested as EngineMode | undefined) ?? (endpoint ? 'endpoint' : 'embedded');
  if (engine === 'endpoint' && !endpoint) throw new ConfigError('DYNAMODB_ENGINE=endpoint needs DYNAMODB_ENDPOINT=http(s)://host:port.');
  if (endpoint) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new ConfigError(`DYNAMODB_ENDPOINT must be a URL such as http://127.0.0.1:8000; got "${endpoint}".`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`DYNAMODB_ENDPOINT must use http or https; got "${endpoint}".`);
    }
    if (engine === 'embedded') engine = 'endpoint';
  }

  const tableName = env.TABLE_NAME || 'quick-photos';
  if (!TABLE_NAME.test(tableName)) {
    throw new ConfigError(`TABLE_NAME must be 3-247 characters of letters, digits, _ . - (the derived table adds "-derived"); got "${tableName}".`);
  }

  const production = env.NODE_ENV === 'production';
  if (production && engine === 'embedded') {
    throw new ConfigError('NODE_ENV=production does not run the embedded DynamoDB Local (a development engine); set DYNAMODB_ENDPOINT or DYNAMODB_ENGINE=aws.');
  }
  const isolation = env.EMBEDDED_ENGINE_ISOLATION || 'namespace';
  if (isolation !== 'namespace' && isolation !== 'none') throw new ConfigError(`EMBEDDED_ENGINE_ISOLATION must be namespace or none; got "${isolation}".`);

  const dataDir = env.DATA_DIR || 'data';
  const headersMs = positiveInt(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000);
  const requestMs = positiveInt(env, 'HTTP_REQUEST_TIMEOUT_MS', 120_000);
  // Node refuses a header bound above the whole request's.
  if (headersMs > requestMs) throw new ConfigError(`HTTP_HEADERS_TIMEOUT_MS (${headersMs}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${requestMs}).`);
  return {
    engine,
    endpoint,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    tableName,
    dataDir,
    embeddedInMemory: env.DYNAMODB_IN_MEMORY === '1' || env.DYNAMODB_IN_MEMORY === 'true',
    requestTimeoutMs: positiveInt(env, 'DYNAMODB_REQUEST_TIMEOUT_MS', 5_000),
    maxAttempts: positiveInt(env, 'DYNAMODB_MAX_ATTEMPTS', 3),
    client: clientKind(env),
    metricsEnabled: flag(env, 'METRICS_ENABLED') ?? true,
    production,
    localCredentials: engine === 'embedded' || (engine === 'endpoint' && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE),
    cursorSecret: secret(env, 'CURSOR_SECRET'),
    http: {
      port: nonNegativeInt(env, 'PORT', 3000, 65_535),
      host: env.HOST || '127.0.0.1',
      jwtSecret: secret(env, 'JWT_SECRET'),
      accessTokenTtlSeconds: positiveInt(env, 'ACCESS_TOKEN_TTL_SECONDS', 15 * 60),
      refreshTokenTtlSeconds: positiveInt(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600),
      corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
      bodyLimitBytes: positiveInt(env, 'MAX_BODY_BYTES', 64 * 1024),
      uploadLimitBytes: positiveInt(env, 'MAX_UPLOAD_BYTES', 10 * 1024 * 1024),
      rateLimit: { authPerMinute: nonNegativeInt(env, 'RATE_LIMIT_AUTH', 20), writesPerMinute: nonNegativeInt(env, 'RATE_LIMIT_WRITES', 600) },
      webDir: env.WEB_DIR === undefined ? 'dist/web' : env.WEB_DIR || undefined,
      trustProxy: trustProxy(env),
      timeouts: {
        headersMs,
        requestMs,
        keepAliveMs: positiveInt(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000),
        idleMs: positiveInt(env, 'HTTP_IDLE_TIMEOUT_MS', 60_000),
      },
    },
    blobs: blobConfig(env, dataDir),
    tableCreate: flag(env, 'TABLE_CREATE') ?? !production,
    sampleData: flag(env, 'SAMPLE_DATA') ?? !production,
    sampleUsers: env.SAMPLE_USERS ? rangedInt(env, 'SAMPLE_USERS', 0, 2, 1_000) : undefined,
    embeddedIsolation: isolation,
    embeddedMaxRestarts: nonNegativeInt(env, 'EMBEDDED_ENGINE_MAX_RESTARTS', 5, 100),
    mail: mailConfig(env, dataDir),
    accounts: {
      hashConcurrency: positiveInt(env, 'PASSWORD_HASH_CONCURRENCY', 2),
      hashQueue: nonNegativeInt(env, 'PASSWORD_HASH_QUEUE', 32, 10_000),
      hashCost: passwordHashCost(env, production),
      loginFailuresPerMinute: nonNegativeInt(env, 'RATE_LIMIT_LOGIN_FAILURES', 300),
      commentsPerHour: positiveInt(env, 'COMMENTS_PER_HOUR', 300),
      reportsPerHour: positiveInt(env, 'REPORTS_PER_HOUR', 30),
    },
    media: {
      maxPixels: positiveInt(env, 'MEDIA_MAX_PIXELS', 50_000_000),
      concurrency: positiveInt(env, 'MEDIA_CONCURRENCY', 2),
      queueLength: nonNegativeInt(env, 'MEDIA_QUEUE_LENGTH', 32),
      worker: env.MEDIA_WORKER === 'inline' ? 'inline' : 'process',
      threads: rangedInt(env, 'MEDIA_THREADS', 1, 1, 64),
      scheduling: mediaScheduling(env),
      nice: rangedInt(env, 'MEDIA_NICE', 19, 0, 19),
      timeoutMs: positiveInt(env, 'MEDIA_TIMEOUT_MS', 60_000),
      uploadsPerUser: positiveInt(env, 'UPLOADS_PER_USER', 2),
      uploadsTotal: positiveInt(env, 'UPLOADS_TOTAL', 16),
      uploadsReserved: uploadsReserved(env),
      uploadIdleTimeoutMs: positiveInt(env, 'UPLOAD_IDLE_TIMEOUT_MS', 15_000),
      uploadMinBytesPerSecond: nonNegativeInt(env, 'UPLOAD_MIN_BYTES_PER_SECOND', 16 * 1024),
      uploadRateWindowMs: positiveInt(env, 'UPLOAD_RATE_WINDOW_MS', 15_000),
      uploadSlotsPerUser: positiveInt(env, 'UPLOAD_SLOTS_PER_USER', 20),
      quotaBytes: positiveInt(env, 'STORAGE_QUOTA_BYTES', 1024 * 1024 * 1024),
      uploadsPerHour: positiveInt(env, 'UPLOADS_PER_HOUR', 120),
      urlTtlSeconds: positiveInt(env, 'MEDIA_URL_TTL_SECONDS', 86_400),
      urlSecret: secret(env, 'MEDIA_URL_SECRET'),
      publicUrl: env.PUBLIC_URL ?? '',
      uploadSlotTtlSeconds: positiveInt(env, 'UPLOAD_SLOT_TTL_SECONDS', 900),
      ...resumableSizes(env),
      // At most a day: the bucket's lifecycle rule aborts multipart uploads a day after they start.
      resumableTtlSeconds: rangedInt(env, 'UPLOAD_RESUMABLE_TTL_SECONDS', 24 * 3600, 1, 24 * 3600),
      tmpDir: env.UPLOAD_TMP_DIR || join(tmpdir(), 'quick-photos-uploads'),
    },
    derived: {
      worker: flag(env, 'WORKER') ?? !production,
      fanoutThreshold: positiveInt(env, 'FEED_FANOUT_THRESHOLD', 5_000),
      fanoutConcurrency: positiveInt(env, 'FEED_FANOUT_CONCURRENCY', 8),
      feedTtlDays: positiveInt(env, 'FEED_TTL_DAYS', 30),
      activityTtlDays: positiveInt(env, 'ACTIVITY_TTL_DAYS', 90),
      pollMs: positiveInt(env, 'WORKER_POLL_MS', 250),
      leaseMs: positiveInt(env, 'WORKER_LEASE_MS', 10_000),
      shardConcurrency: positiveInt(env, 'WORKER_SHARD_CONCURRENCY', 4),
      push: pushConfig(env),
    },
    events: {
      heartbeatMs: rangedInt(env, 'EVENTS_HEARTBEAT_MS', 15_000, 10, 29_000),
      pollMs: rangedInt(env, 'EVENTS_POLL_MS', 500, 10, 60_000),
      lookbackMs: rangedInt(env, 'EVENTS_LOOKBACK_MS', 5_000, 0, 60_000),
      perUser: positiveInt(env, 'EVENTS_PER_USER', 5),
      maxConnections: positiveInt(env, 'EVENTS_MAX_CONNECTIONS', 10_000),
      maxBufferedBytes: rangedInt(env, 'EVENTS_MAX_BUFFERED_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
      idleMs: positiveInt(env, 'EVENTS_IDLE_MS', 30 * 60_000),
      maxLifetimeMs: positiveInt(env, 'EVENTS_MAX_LIFETIME_MS', 60 * 60_000),
      ticketTtlMs: rangedInt(env, 'EVENTS_TICKET_TTL_MS', 30_000, 1, 300_000),
      catchUpMax: rangedInt(env, 'EVENTS_CATCH_UP_MAX', 200, 1, 1_000),
    },
  };
}

function mailConfig(env: Env, dataDir: string): MailConfig {
  let smtp: MailConfig['smtp'];
  if (env.SMTP_URL) {
    if (!/^smtps?:\/\//.test(env.SMTP_URL)) throw new ConfigError(`SMTP_URL must start with smtp:// or smtps://; got "${env.SMTP_URL}".`);
    smtp = { url: env.SMTP_URL };
  } else if (env.SMTP_HOST) {
    const port = nonNegativeInt(env, 'SMTP_PORT', 587, 65_535);
    smtp = { host: env.SMTP_HOST, port, secure: port === 465, user: env.SMTP_USER || undefined, pass: env.SMTP_PASS || undefined };
  }
  return {
    from: env.MAIL_FROM || 'quick-photos <no-reply@quick-photos.invalid>',
    smtp,
    outboxDir: env.MAIL_OUTBOX_DIR || `${dataDir}/outbox`,
    linkBase: env.MAIL_LINK_BASE || 'quickphotos://',
  };
}
