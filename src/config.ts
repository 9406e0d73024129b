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
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

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

  return {
    engine,
    endpoint,
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    tableName,
    dataDir: env.DATA_DIR || 'data',
    embeddedInMemory: env.DYNAMODB_IN_MEMORY === '1' || env.DYNAMODB_IN_MEMORY === 'true',
    requestTimeoutMs: positiveInt(env, 'DYNAMODB_REQUEST_TIMEOUT_MS', 5_000),
    maxAttempts: positiveInt(env, 'DYNAMODB_MAX_ATTEMPTS', 3),
    production: env.NODE_ENV === 'production',
    localCredentials: engine === 'embedded' || (engine === 'endpoint' && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE),
  };
}
