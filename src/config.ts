/**
 * Run-time configuration, read once from the environment and validated up front so that a
 * typo fails at start-up with a message naming the variable, not later as an SDK error.
 */
import { ConfigError } from './config-error.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushConfig, type PushConfig } from './push/config.js';

export type EngineMode =
  /** DynamoDB Local started by the process itself (the default). */
  | 'embedded'
  /** Any DynamoDB-compatible endpoint given by DYNAMODB_ENDPOINT. */
  | 'endpoint'
  /** AWS DynamoDB, through the SDK's standard region and credential chain. */
  | 'aws';

export interface Config {
  engine: EngineMode;
  endpoint: string | undefined;
  region: string | undefined;
  tableName: string;
  dataDir: string;
  /** Whether the embedded engine keeps its data on disk (under dataDir) or in memory. */
  embeddedInMemory: boolean;
  /** Bound on one DynamoDB HTTP request; a dead engine must surface as an error, not a hang. */
  requestTimeoutMs: number;
  maxAttempts: number;
  /** The DynamoDB client on the request path: `lean` (undici + SDK signer) or the SDK's. */
  client: 'lean' | 'sdk';
  /** Serve Prometheus metrics at /metrics. */
  metricsEnabled: boolean;
  production: boolean;
  /** Local engines accept any credentials; AWS (or a secured cluster) uses the SDK's chain. */
  localCredentials: boolean;
  /** Key sealing pagination cursors and event ids; `npm start` generates and keeps one for development. */
  cursorSecret: string | undefined;
  http: HttpConfig;
  blobs: BlobConfig;
  /** Create (and index) the table when missing: on by default in development only. */
  tableCreate: boolean;
  /** Load the sample users and photos into a table this start created (never in production). */
  sampleData: boolean;
  /** How many sample users (with their photos, follows and reactions) that load generates; undefined: the seed's default. */
  sampleUsers: number | undefined;
  /** DynamoDB Local's isolation from the network (see src/engine/isolation.ts). */
  embeddedIsolation: 'namespace' | 'none';
  /** Restarts of a crashed embedded engine before the service gives up and exits. */
  embeddedMaxRestarts: number;
  mail: MailConfig;
  accounts: AccountsConfig;
  media: MediaConfig;
  /** Feeds, activity and the directory (src/derived/). */
  derived: DerivedConfig;
  /** The event stream, GET /v1/me/events (src/http/events/). */
  events: EventsConfig;
}

export interface EventsConfig {
  /** A comment line on every open stream this often (proxies and phones drop silent sockets). */
  heartbeatMs: number;
  /** How often this instance reads the event log (one Query per log shard, whatever its connection count). */
  pollMs: number;
  /** How far each read of the log reaches back before the previous one, for entries that landed late (clock skew, slow writes). */
  lookbackMs: number;
  /** Open streams per user on this instance; one more is refused with 429 EVENT_STREAMS_PER_USER. */
  perUser: number;
  /** Open streams on this instance; one more is refused with 429 EVENT_STREAMS_BUSY. */
  maxConnections: number;
  /** Bytes a stream may have waiting for a slow reader; past them it is cut off. */
  maxBufferedBytes: number;
  /** A stream with no event (heartbeats aside) for this long is closed; the client resumes with Last-Event-ID. */
  idleMs: number;
  /** A stream is closed after this long, and when its access token expires, whichever comes first. */
  maxLifetimeMs: number;
  /** A stream ticket (POST /v1/me/events/ticket) is valid this long, and once. */
  ticketTtlMs: number;
  /** Activity items a reconnecting stream catches up on; past them it is told to reload (`reset`). */
  catchUpMax: number;
}

export interface MailConfig {
  /** The From header of every message. */
  from: string;
  /** SMTP server (SMTP_URL, or SMTP_HOST/SMTP_PORT/SMTP_USER/SMTP_PASS); unset means the local outbox. */
  smtp: { url: string } | { host: string; port: number; secure: boolean; user: string | undefined; pass: string | undefined } | undefined;
  /** Development outbox: one JSON file per message (`quick-photos mail outbox` lists them). */
  outboxDir: string;
  /** Base of the links in messages; the token follows as `?token=`. */
  linkBase: string;
}

export interface AccountsConfig {
  /** Password hashes running at once, and waiting; past both, sign-up and log-in answer 503. */
  hashConcurrency: number;
  hashQueue: number;
  /** log2 of scrypt's N for new hashes (stored hashes carry their own). */
  hashCost: number;
  /** Failed log-ins per client address per minute (successes are never counted: carrier NATs). */
  loginFailuresPerMinute: number;
  /** Comments and replies one account may post per UTC hour, whatever addresses it posts from. */
  commentsPerHour: number;
  /** Reports one account may file per UTC hour (the moderators' queue is one partition). */
  reportsPerHour: number;
}

/** Image processing, uploads and delivery (see src/media, src/blobs). */
export interface MediaConfig {
  /** Decompression-bomb bound on an image's declared pixels. */
  maxPixels: number;
  /** Images processed at once, and how many more may wait (past that: 503 MEDIA_BUSY). */
  concurrency: number;
  queueLength: number;
  /**
   * Where images are decoded: `process`, a child process at a lower priority (MEDIA_NICE) with
   * MEDIA_THREADS libvips threads, so uploads never take the API's event loop or more than that
   * share of the cores from reads; `inline`, in the API's process (src/media/isolated.ts).
   */
  worker: 'process' | 'inline';
  threads: number;
  /** `idle`: the image process runs under SCHED_IDLE (nice MEDIA_NICE where refused); `nice`: at nice MEDIA_NICE. */
  scheduling: 'idle' | 'nice';
  nice: number;
  /** One image taking longer than this fails with 503 MEDIA_BUSY and its process is replaced. */
  timeoutMs: number;
  /** Uploads in flight per user (429 UPLOAD_IN_PROGRESS past it) and in total (503 UPLOADS_BUSY). */
  uploadsPerUser: number;
  uploadsTotal: number;
  /**
   * Fair share: a user already uploading takes another place only while more than this many
   * stay free, so these are left for users not uploading yet (429 UPLOAD_IN_PROGRESS).
   */
  uploadsReserved: number;
  /** An upload body that sends nothing for this long is cut off (408 UPLOAD_TIMEOUT). */
  uploadIdleTimeoutMs: number;
  /** A body slower than this on average over each window is cut off (408 UPLOAD_TOO_SLOW); 0: no minimum. */
  uploadMinBytesPerSecond: number;
  uploadRateWindowMs: number;
  /** Unfinished direct-upload slots per user (each reserves its size; 429 UPLOAD_SLOTS_EXCEEDED past it). */
  uploadSlotsPerUser: number;
  /** Per-user quota: stored bytes and uploads per hour. */
  quotaBytes: number;
  uploadsPerHour: number;
  /** Signed image URLs: lifetime, key (derived from JWT_SECRET when unset), and the API's public base URL. */
  urlTtlSeconds: number;
  urlSecret: string | undefined;
  publicUrl: string;
  /** Direct-upload slots expire after this long (and so do the part URLs of a resumable upload). */
  uploadSlotTtlSeconds: number;
  /** Resumable uploads: the largest file, the part size (S3's minimum of 5 MiB or more), and how long one stays open. */
  resumableMaxBytes: number;
  partBytes: number;
  resumableTtlSeconds: number;
  /** Where upload bodies are streamed before processing (removed after each request). */
  tmpDir: string;
}

export interface DerivedConfig {
  /**
   * Run the stream consumer inside this process (WORKER=1/0, strict). Default: on in
   * development (`npm start`), off in production, where `quick-photos worker` or the Lambda
   * function reads the stream.
   */
  worker: boolean;
  /** Authors with at least this many followers are merged into feeds at read time instead of fanned out. */
  fanoutThreshold: number;
  /** BatchWriteItem requests in flight while fanning one photo out. */
  fanoutConcurrency: number;
  /** Feed entries expire this many days after they are written (DynamoDB TTL; reads skip expired ones). */
  feedTtlDays: number;
  activityTtlDays: number;
  /** How often an idle consumer polls the stream. */
  pollMs: number;
  /** A shard lease's lifetime (WORKER_LEASE_MS): a standby worker takes a dead one's shards over within it plus one poll. */
  leaseMs: number;
  /** Shards one worker reads at once (WORKER_SHARD_CONCURRENCY). */
  shardConcurrency: number;
  /** Push notifications (src/push/config.ts): sent by the derived engine's push view. */
  push?: PushConfig;
}

export interface HttpConfig {
  port: number;
  host: string;
  /** HS256 key for access tokens; required in production, generated for development. */
  jwtSecret: string | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Allowed browser origins; empty disables CORS, `*` allows any. */
  corsOrigins: string[];
  /** Limit on JSON bodies; uploads have their own. */
  bodyLimitBytes: number;
  uploadLimitBytes: number;
  /** Requests per minute per client address; 0 disables the limit. */
  rateLimit: { authPerMinute: number; writesPerMinute: number };
  /** The built web client served at `/` (`npm run build:web`); undefined serves none. */
  webDir: string | undefined;
  /**
   * Which X-Forwarded-For entries to believe: false (none), a number of proxy hops in front of
   * the service, or the proxies' addresses/CIDRs. Never "all": the leftmost entry is the client's
   * own choice.
   */
  trustProxy: false | number | string[];
  /** Server-side bounds, so a slow or stalled client cannot hold a connection forever. */
  timeouts: HttpTimeouts;
}

export interface HttpTimeouts {
  /** Whole request headers must arrive within this (Node's headersTimeout). */
  headersMs: number;
  /** The whole request, body included (Node's requestTimeout). */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
  /** A socket with no activity at all is closed after this (Fastify's connectionTimeout). */
  idleMs: number;
}

export type BlobConfig =
  | { kind: 'local'; dir: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint: string | undefined; region: string | undefined };

export { ConfigError } from './config-error.js';

/**
 * Cursor key for local tools (the operator CLI) when CURSOR_SECRET is unset. Its cursors are
 * only ever read back by the same tool, so a fixed key costs nothing; services never use it.
 */
export const LOCAL_CURSOR_SECRET = 'quick-photos-local-cli-cursor-key-0001';

type Env = Record<string, string | undefined>;

// 247: the derived table's name (`<table>-derived`) must fit DynamoDB's 255 too.
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,247}$/;

function nonNegativeInt(env: Env, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) throw new ConfigError(`${name} must be an integer from 0 to ${max}, got "${raw}".`);
  return value;
}

function secret(env: Env, name: string): string | undefined {
  const value = env[name] || undefined;
  if (value !== undefined && value.length < 32) throw new ConfigError(`${name} must be at least 32 characters long.`);
  return value;
}

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

function rangedInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = nonNegativeInt(env, name, fallback, max);
  if (value < min) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${env[name]}".`);
  return value;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer, got "${raw}".`);
  return value;
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

function flag(env: Env, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(`${name} must be 1 or 0; got "${raw}".`);
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
