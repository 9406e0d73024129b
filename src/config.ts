/**
 * Run-time configuration, read once from the environment and validated up front so that a
 * typo fails at start-up with a message naming the variable, not later as an SDK error.
 */

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
  production: boolean;
  /** Local engines accept any credentials; AWS (or a secured cluster) uses the SDK's chain. */
  localCredentials: boolean;
  /** HMAC key for pagination cursors; `npm start` generates and keeps one for development. */
  cursorSecret: string | undefined;
  http: HttpConfig;
  blobs: BlobConfig;
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
  /** Honour X-Forwarded-For (only behind a proxy you run). */
  trustProxy: boolean;
  /** The built web client served at `/` (`npm run build:web`); undefined serves none. */
  webDir: string | undefined;
}

export type BlobConfig =
  | { kind: 'local'; dir: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint: string | undefined; region: string | undefined };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Cursor key for local tools (the operator CLI) when CURSOR_SECRET is unset. Its cursors are
 * only ever read back by the same tool, so a fixed key costs nothing; services never use it.
 */
export const LOCAL_CURSOR_SECRET = 'quick-photos-local-cli-cursor-key-0001';

type Env = Record<string, string | undefined>;

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

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

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer, got "${raw}".`);
  return value;
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
    throw new ConfigError(`TABLE_NAME must be 3-255 characters of letters, digits, _ . -; got "${tableName}".`);
  }

  const dataDir = env.DATA_DIR || 'data';
  return {
    engine,
    endpoint,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    tableName,
    dataDir,
    embeddedInMemory: env.DYNAMODB_IN_MEMORY === '1' || env.DYNAMODB_IN_MEMORY === 'true',
    requestTimeoutMs: positiveInt(env, 'DYNAMODB_REQUEST_TIMEOUT_MS', 5_000),
    maxAttempts: positiveInt(env, 'DYNAMODB_MAX_ATTEMPTS', 3),
    production: env.NODE_ENV === 'production',
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
      trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
      webDir: env.WEB_DIR === undefined ? 'dist/web' : env.WEB_DIR || undefined,
    },
    blobs: blobConfig(env, dataDir),
  };
}
