/**
 * Builds the SDK clients for whichever engine the configuration names. This is the only
 * place that knows the difference between the embedded engine, another endpoint and AWS.
 */
import { Agent, type AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { connect as connectSocket, type Socket } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from '../config/index.js';
import type { ClientKind, DocClient } from './doc-client.js';
import { startEmbeddedEngine, type EmbeddedEngine } from './embedded.js';
import { leanClientFor, type LeanDocClient } from './lean/client.js';
import { NodeSha256 } from './lean/sha256.js';

export interface ClientOptions {
  endpoint?: string | undefined;
  region?: string | undefined;
  requestTimeoutMs?: number;
  maxAttempts?: number;
  /** Static credentials; local engines accept any, AWS uses the default chain when omitted. */
  local?: boolean;
  /** Which client the access patterns use (`patterns`); the SDK's are built either way. */
  kind?: ClientKind;
  /** The SDK client as the SDK configures it, without the tuning below: the bench's "before". */
  sdkDefaults?: boolean;
  /**
   * A Unix socket that reaches the endpoint's engine: the embedded engine's own
   * (EmbeddedEngine.socketPath). Both clients connect there instead of to the endpoint's TCP
   * front, one relay hop less per request; the endpoint still names what requests are signed for.
   */
  socketPath?: string | undefined;
}

/** Keep-alive connections to a Unix socket, for node:http (the SDK's handler takes an agent, not a socket path). */
class UnixSocketAgent extends Agent {
  constructor(
    private readonly socketPath: string,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(): Socket {
    return connectSocket(this.socketPath);
  }
}

export interface Clients {
  /** The SDK client: control plane (tables), readiness, and the reference for tests. */
  client: DynamoDBClient;
  /** The SDK's DocumentClient: admin tools (load, doctor) and the reference for tests. */
  doc: DynamoDBDocumentClient;
  /** What the access patterns use on the request path: the lean client, or `doc`. */
  patterns: DocClient;
  /** The lean client when `kind` is lean (to observe or close it). */
  lean: LeanDocClient | undefined;
  /** Closes every connection these clients hold. */
  destroy(): void;
}

// The SDK warns on Node 20 that future releases will need Node 22. Our SDK versions are
// pinned and support Node 20, so the warning is noise on every CLI call; see README (Node).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * Only the middlewares that serve a purpose here (every one costs CPU on every call; the stack
 * is even re-sorted per call): no logger is configured, so the logging pass does nothing; the
 * recursion-detection pass forwards Lambda's trace id for Lambda's loop detection, which follows
 * queues, topics and buckets: the API does not run on Lambda, and the stream handler, which does,
 * writes only to DynamoDB;
 * the user agent, rebuilt and re-escaped per call, is computed once from the SDK's own provider.
 * Serialization, content length, host header, retries, signing and parsing stay as they are.
 */
function trimMiddleware(client: DynamoDBClient): void {
  const stack = client.middlewareStack;
  stack.remove('loggerMiddleware');
  stack.remove('recursionDetectionMiddleware');
  const provider = client.config.defaultUserAgentProvider;
  stack.remove('getUserAgentMiddleware');
  let agent: Promise<string> | undefined;
  stack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) {
        const value = await (agent ??= provider().then(userAgentOf));
        request.headers['user-agent'] = value;
        request.headers['x-amz-user-agent'] = value.split(' ').filter((section) => section.startsWith('aws-sdk-')).join(' ');
      }
      return next(args);
    },
    { step: 'build', name: 'fixedUserAgentMiddleware', priority: 'low' },
  );
}

const UA_NAME = /[^!$%&'*+\-.^_`|~\w]/g;
const UA_VALUE = /[^!$%&'*+\-.^_`|~\w#]/g;

/** The SDK's user agent sections (`aws-sdk-js/3.x`, `md/nodejs#20.x`...), escaped as its middleware escapes them. */
function userAgentOf(pairs: readonly (readonly [string, string?])[]): string {
  return pairs
    .map(([name, version]) => {
      const parts = name.split('/').map((part) => part.replace(UA_NAME, '-'));
      const prefix = parts.length > 1 ? parts[0]! : '';
      const rest = parts.length > 1 ? parts.slice(1).join('/') : parts[0]!;
      const sections = [prefix, prefix === 'api' ? rest.toLowerCase() : rest, version?.replace(UA_VALUE, '-')].filter((x): x is string => !!x);
      return sections.reduce((text, section, i) => (i === 0 ? section : i === 1 ? `${text}/${section}` : `${text}#${section}`), '');
    })
    .join(' ');
}

export function createClients(options: ClientOptions): Clients {
  // Requests beyond 50 in flight queue in the agent instead of opening more connections:
  // a burst of hundreds of new sockets is what makes an engine miss connect deadlines.
  const keepAlive = { keepAlive: true, maxSockets: 50 };
  const timeout = options.requestTimeoutMs ?? 5_000;
  // A configured endpoint is one URL: resolved once, not parsed again on every call.
  const tuned = options.sdkDefaults !== true;
  const fixed = tuned && options.endpoint !== undefined ? { url: new URL(options.endpoint) } : undefined;
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    ...(fixed ? { endpointProvider: () => fixed } : {}),
    // The lean client's hashing: the same signatures (test/lean-signing.test.ts), less CPU.
    ...(tuned ? { sha256: NodeSha256 } : {}),
    region: options.region ?? (options.local ? 'local' : undefined),
    maxAttempts: options.maxAttempts ?? 3,
    ...(options.local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    requestHandler: new NodeHttpHandler({
      httpAgent: options.socketPath ? new UnixSocketAgent(options.socketPath, keepAlive) : new Agent(keepAlive),
      httpsAgent: new HttpsAgent(keepAlive),
      // Smithy starts this clock when the request is queued, not when it connects, so it must
      // allow for queueing behind busy sockets: the same bound as the request itself.
      connectionTimeout: timeout,
      // Without throwOnRequestTimeout the request timeout only logs a warning, and a stalled
      // engine (accepting connections, never answering) hangs every request.
      requestTimeout: timeout,
      throwOnRequestTimeout: true,
      socketTimeout: timeout,
    }),
  });
  if (tuned) trimMiddleware(client);
  const doc = DynamoDBDocumentClient.from(client, {
    // Profile fields are optional; an `undefined` must mean "absent", never a failed write.
    marshallOptions: { removeUndefinedValues: true },
  });
  const lean = (options.kind ?? 'sdk') === 'lean'
    ? leanClientFor(client, { endpoint: options.endpoint, socketPath: options.socketPath, requestTimeoutMs: timeout, maxAttempts: options.maxAttempts ?? 3 })
    : undefined;
  return {
    client,
    doc,
    patterns: lean ?? doc,
    lean,
    destroy() {
      client.destroy();
      void lean?.destroy();
    },
  };
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
    // This process's own requests skip the engine's TCP front (kept for the CLI and other processes).
    socketPath: engine?.socketPath,
    region: config.region,
    requestTimeoutMs: config.requestTimeoutMs,
    maxAttempts: config.maxAttempts,
    local: config.localCredentials,
    kind: config.client,
  });
  return {
    ...clients,
    engine,
    endpoint,
    async close() {
      clients.client.destroy();
      await clients.lean?.destroy();
      await engine?.stop();
    },
  };
}
