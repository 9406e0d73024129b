/**
 * Builds the SDK clients for whichever engine the configuration names. This is the only
 * place that knows the difference between the embedded engine, another endpoint and AWS.
 */
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from '../config.js';
import { startEmbeddedEngine, type EmbeddedEngine } from './embedded.js';

export interface ClientOptions {
  endpoint?: string | undefined;
  region?: string | undefined;
  requestTimeoutMs?: number;
  maxAttempts?: number;
  /** Static credentials; local engines accept any, AWS uses the default chain when omitted. */
  local?: boolean;
}

export interface Clients {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

// The SDK warns on Node 20 that future releases will need Node 22. Our SDK versions are
// pinned and support Node 20, so the warning is noise on every CLI call; see README (Node).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export function createClients(options: ClientOptions): Clients {
  // Requests beyond 50 in flight queue in the agent instead of opening more connections:
  // a burst of hundreds of new sockets is what makes an engine miss connect deadlines.
  const keepAlive = { keepAlive: true, maxSockets: 50 };
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region ?? (options.local ? 'local' : undefined),
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    requestHandler: new NodeHttpHandler({
      httpAgent: new Agent(keepAlive),
      httpsAgent: new HttpsAgent(keepAlive),
      // Smithy starts this clock when the request is queued, not when it connects, so it must
      // allow for queueing behind busy sockets: the same bound as the request itself.
      connectionTimeout: options.requestTimeoutMs ?? 5_000,
      requestTimeout: options.requestTimeoutMs ?? 5_000,
    }),
  });
  const doc = DynamoDBDocumentClient.from(client, {
    // Profile fields are optional; an `undefined` must mean "absent", never a failed write.
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, doc };
}

export interface Connection extends Clients {
  /** The engine this process started, when the configuration asked for the embedded one. */
  engine: EmbeddedEngine | undefined;
  endpoint: string | undefined;
  close(): Promise<void>;
}

/** Starts the embedded engine if configured, then returns clients pointed at the right place. */
export async function connect(config: Config, options: { inMemory?: boolean } = {}): Promise<Connection> {
  let engine: EmbeddedEngine | undefined;
  let endpoint = config.endpoint;
  if (config.engine === 'embedded') {
    const inMemory = options.inMemory ?? config.embeddedInMemory;
    engine = await startEmbeddedEngine(inMemory ? {} : { dbPath: join(config.dataDir, 'dynamodb') });
    endpoint = engine.endpoint;
  }
  const clients = createClients({
    endpoint,
    region: config.region,
    requestTimeoutMs: config.requestTimeoutMs,
    maxAttempts: config.maxAttempts,
    local: config.localCredentials,
  });
  return {
    ...clients,
    engine,
    endpoint,
    async close() {
      clients.client.destroy();
      await engine?.stop();
    },
  };
}
