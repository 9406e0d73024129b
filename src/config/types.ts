/** The configuration's shapes (loadConfig in index.ts reads them from the environment). */
import type { PushConfig } from './push.js';

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
  /** Push notifications (push.ts): sent by the derived engine's push view. */
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
