/**
 * The embedded engine: DynamoDB Local started by the process itself so that `npm start` and
 * the tests need nothing but Java. Three guards around the JVM (jvm.ts):
 *
 * - isolation (isolation.ts): the engine is reachable through a 127.0.0.1 relay only;
 * - a lock on its data directory (lock.ts): a second engine on the same files is refused;
 * - supervision: a JVM that dies is restarted behind the same endpoint, with bounded retries
 *   and backoff, its files kept; past the bound the engine is `failed` and says so.
 */
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EngineStartError } from './errors.js';
import { isolationMode, resolveIsolation, type IsolationMode } from './isolation.js';
import { assertJavaAvailable, launchJvm, type Jvm } from './jvm.js';
import { lockDirectory, type DirectoryLock } from './lock.js';
import { startRelay, type Relay } from './relay.js';
import { ownedDirectory } from './owned-dirs.js';
import { DATABASE_FILE, listTables, prepareEngineDirectory, scratchDirectory, useWriteAheadLog } from './stream-index.js';

export { EngineStartError } from './errors.js';
export { assertJavaAvailable, freePort, locateDynamoDbLocal } from './jvm.js';

export interface EmbeddedEngineOptions {
  /** Directory for the engine's files; omitted means in memory (gone when the engine stops). */
  dbPath?: string;
  /** TCP port of the endpoint on 127.0.0.1; omitted means a free one is picked. */
  port?: number;
  /** How long to wait for the engine to answer before giving up. */
  startTimeoutMs?: number;
  /** Defaults to EMBEDDED_ENGINE_ISOLATION (namespace). */
  isolation?: IsolationMode;
  /** Restarts allowed in a row after crashes (the count resets after a minute of service); EMBEDDED_ENGINE_MAX_RESTARTS, 5. */
  maxRestarts?: number;
  /** First delay before a restart; doubles with each further attempt. */
  restartDelayMs?: number;
  /**
   * Whether the engine's database gets the stream-record index (stream-index.ts); default true.
   * False (in memory, no index) is for benchmarks: bench:engine measures the engine without it,
   * and bench:feed's tables all predate their records, where memory is the faster engine.
   */
  streamIndex?: boolean;
}

/** `running`; `restarting` after a crash; `failed` when restarts are exhausted; `stopped` by stop(). */
export type EngineState = 'running' | 'restarting' | 'failed' | 'stopped';

export interface EmbeddedEngine {
  readonly endpoint: string;
  readonly port: number;
  /** The supervising shell of the current JVM (changes with each restart). */
  readonly pid: number;
  readonly dbPath: string | undefined;
  /**
   * The isolated engine's Unix socket (in a directory only this user can enter), the same path
   * across restarts: this process's own clients connect there, one relay hop less than the
   * endpoint, whose TCP front stays for every other process. Undefined without isolation.
   */
  readonly socketPath: string | undefined;
  readonly isolation: IsolationMode;
  readonly state: EngineState;
  /** Restarts after crashes so far. */
  readonly restarts: number;
  onStateChange(listener: (state: EngineState) => void): void;
  /** Stops the JVM and waits for it to exit. Safe to call more than once. */
  stop(): Promise<void>;
}

const HEALTHY_RUN_MS = 60_000;
/** The engine's private directories in the system's temporary directory (owned-dirs.ts). */
export const PRIVATE_PREFIX = 'qp-engine-run-';
const ENGINE_SOCKET = 'engine.sock';

export async function startEmbeddedEngine(options: EmbeddedEngineOptions = {}): Promise<EmbeddedEngine> {
  const java = process.env.JAVA_BIN ?? 'java';
  assertJavaAvailable(java);
  const mode = options.isolation ?? isolationMode();
  const isolation = resolveIsolation(mode);
  const dbPath = options.dbPath ? resolve(options.dbPath) : undefined;
  // Read here as well as validated in config.ts: the tests' shared engine has no Config.
  const fromEnv = Number.parseInt(process.env.EMBEDDED_ENGINE_MAX_RESTARTS ?? '', 10);
  const maxRestarts = options.maxRestarts ?? (Number.isInteger(fromEnv) && fromEnv >= 0 ? fromEnv : 5);
  const restartDelayMs = options.restartDelayMs ?? 500;

  let lock: DirectoryLock | undefined;
  let relay: Relay | undefined;
  let socketDir: string | undefined;
  // In memory: a file-backed engine in a scratch directory (only a file can be indexed), gone on stop.
  let scratchDir: string | undefined;
  const release = async (): Promise<void> => {
    await relay?.close();
    await lock?.release();
    if (socketDir) await rm(socketDir, { recursive: true, force: true });
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
  };

  let jvm: Jvm;
  let socketPath: string | undefined;
  // A private directory (mode 0700) for the namespace relay's socket and the JVM's temporary
  // files: removed on stop, and by the next start if this process was killed before it could
  // (owned-dirs.ts).
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const launchOn = async (dir: string | undefined): Promise<Jvm> => {
    socketDir ??= await ownedDirectory(tmpdir(), PRIVATE_PREFIX);
    // One path for every JVM this engine runs (the relay replaces a dead one's socket file): the
    // clients given socketPath keep it across restarts, as the endpoint's clients keep the port.
    socketPath ??= join(socketDir, ENGINE_SOCKET);
    return launchJvm({ java, dbPath: dir, isolation, socketPath, tmpDir: socketDir, startTimeoutMs });
  };
  // The template's schema comes from one engine run as isolated as the engine itself.
  const writeSchema = async (dir: string): Promise<void> => {
    const pass = await launchOn(dir);
    try {
      const status = await listTables(pass.target);
      if (status !== 200) throw new EngineStartError(`DynamoDB Local answered ${status} while writing its schema:\n${pass.output().trim()}`);
    } finally {
      await pass.stop();
    }
  };
  let engineDir = dbPath;
  const launch = (): Promise<Jvm> => launchOn(engineDir);
  try {
    if (dbPath) {
      await mkdir(dbPath, { recursive: true });
      lock = await lockDirectory(dbPath);
    } else if (options.streamIndex !== false) {
      engineDir = scratchDir = await scratchDirectory();
    }
    if (engineDir && options.streamIndex !== false) await prepareEngineDirectory(engineDir, writeSchema);
    if (scratchDir) await useWriteAheadLog(join(scratchDir, DATABASE_FILE));
    try {
      relay = await startRelay(options.port ?? 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new EngineStartError(`Port ${options.port} is already in use; stop whatever listens there or choose another port.`);
      }
      throw error;
    }
    jvm = await launch();
  } catch (error) {
    await release();
    throw error;
  }
  const front = relay;
  front.setTarget(jvm.target);
  if (isolation.kind === 'none') {
    process.stderr.write(`quick-photos: warning: EMBEDDED_ENGINE_ISOLATION=none: DynamoDB Local listens on every network interface.\n`);
  }

  let state: EngineState = 'running';
  let restarts = 0;
  let attempts = 0;
  let startedAt = Date.now();
  const listeners: ((state: EngineState) => void)[] = [];
  const setState = (next: EngineState): void => {
    if (state === next) return;
    state = next;
    for (const listener of listeners) listener(next);
  };

  const supervise = (current: Jvm): void => {
    void current.exited.then(async () => {
      if (state === 'stopped' || current !== jvm) return;
      front.setTarget(undefined);
      // In memory, a restarted engine would be an empty one: say it failed instead.
      if (!dbPath) return setState('failed');
      setState('restarting');
      if (Date.now() - startedAt > HEALTHY_RUN_MS) attempts = 0;
      while (attempts < maxRestarts) {
        await new Promise((r) => setTimeout(r, restartDelayMs * 2 ** attempts));
        attempts++;
        if ((state as EngineState) === 'stopped') return;
        try {
          const next = await launch();
          if ((state as EngineState) === 'stopped') return void (await next.stop());
          jvm = next;
          restarts++;
          startedAt = Date.now();
          front.setTarget(next.target);
          setState('running');
          supervise(next);
          return;
        } catch {
          // Counted; the next attempt waits longer.
        }
      }
      setState('failed');
    });
  };
  supervise(jvm);

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${front.port}`,
    port: front.port,
    get pid() {
      return jvm.pid;
    },
    dbPath,
    socketPath: isolation.kind === 'namespace' ? socketPath : undefined,
    isolation: isolation.kind,
    get state() {
      return state;
    },
    get restarts() {
      return restarts;
    },
    onStateChange(listener) {
      listeners.push(listener);
    },
    stop(): Promise<void> {
      stopping ??= (async () => {
        setState('stopped');
        await jvm.stop();
        await release();
      })();
      return stopping;
    },
  };
}
