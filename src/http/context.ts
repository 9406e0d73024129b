/** What the routes are given: the data layer, configuration, blob store and token service. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FastifyBaseLogger } from 'fastify';
import type { BlobStore } from '../blobs/store.js';
import type { Config } from '../config/index.js';
import type { Mailer } from '../mail/index.js';
import type { WorkerStatus } from '../derived/status.js';
import type { Db } from '../patterns/index.js';
import type { TokenService } from './auth.js';
import type { LoginFailures } from './login-failures.js';
import type { MediaContext } from './media.js';

export interface AppDeps {
  db: Db;
  /** The low-level client, for readiness checks (describeTable). */
  client: DynamoDBClient;
  config: Config;
  blobs: BlobStore;
  /** The embedded engine's supervision state; /health is 503 unless `running`. Omitted: no embedded engine. */
  engineState?: () => 'running' | 'restarting' | 'failed' | 'stopped';

  /** The in-process stream worker, when this process runs one (its lag shows in /ready). */
  worker?: { status(): WorkerStatus };
  /** A pino logger; omitted means no request logs (tests, benchmarks). */
  logger?: FastifyBaseLogger;
  /** Where account mail goes; omitted means the one config.mail describes. */
  mailer?: Mailer;
  /** The clock signed image URLs are windowed by (epoch seconds); omitted means the system's. Tests move it. */
  mediaClock?: () => number;
}

export interface RouteContext extends AppDeps {
  tokens: TokenService;
  mailer: Mailer;
  media: MediaContext;
  /**
   * Refusals per client address, one budget for every answer a guesser learns from: wrong
   * passwords (log-in and signed-in checks) and "email taken" (sign-up, email change).
   */
  failures: LoginFailures;
}

export interface RouteOptions {
  ctx: RouteContext;
}

/** Per-route rate limit (per client address, per minute); 0 in the configuration disables it. */
export function perMinute(max: number): { rateLimit?: { max: number; timeWindow: number } } {
  return max > 0 ? { rateLimit: { max, timeWindow: 60_000 } } : {};
}

export const BEARER = [{ bearerAuth: [] }];
/** Stated, not implied: the operation needs no token (sign-up, log-in, probes). */
export const PUBLIC: { bearerAuth: string[] }[] = [];
