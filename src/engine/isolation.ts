/**
 * Keeping DynamoDB Local off the network. The engine has no bind-address option (its Jetty
 * listens on every interface) and accepts any credentials, so on Linux the JVM runs in a
 * network namespace of its own where only loopback exists. A relay inside that namespace
 * exposes it as a Unix socket (a file, reachable from the host's filesystem only), and the
 * service puts a 127.0.0.1-only TCP relay in front of that socket (relay.ts).
 *
 * (DynamoDB Local 3.3.0's options, from its CommandLineInputConstants: cors, dbPath,
 * delayTransientStatuses, disableTelemetry, help, inMemory, optimizeDbBeforeStartup, port,
 * sharedDb, testControl, version; none binds an address.)
 *
 * Where namespaces are unavailable (macOS, containers without user namespaces) the engine is
 * refused unless EMBEDDED_ENGINE_ISOLATION=none explicitly accepts one on all interfaces.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EngineStartError } from './errors.js';

export type IsolationMode = 'namespace' | 'none';

export type Isolation =
  /** `prefix` runs a command in a fresh network namespace; `ip` brings its loopback up. */
  | { kind: 'namespace'; prefix: string[]; ip: string }
  | { kind: 'none' };

export const ISOLATION_VARIABLE = 'EMBEDDED_ENGINE_ISOLATION';

export function isolationMode(env: Record<string, string | undefined> = process.env): IsolationMode {
  const raw = env[ISOLATION_VARIABLE] || 'namespace';
  if (raw !== 'namespace' && raw !== 'none') throw new EngineStartError(`${ISOLATION_VARIABLE} must be namespace or none; got "${raw}".`);
  return raw;
}

function findIp(): string | undefined {
  return ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((path) => existsSync(path));
}

let probed: { isolation: Isolation; reason: string } | undefined;

/** Whether this machine can create a network namespace for the engine; probed once per process. */
function probeNamespace(): { isolation: Isolation; reason: string } {
  if (probed) return probed;
  const ip = findIp();
  if (process.platform !== 'linux') {
    probed = { isolation: { kind: 'none' }, reason: `network namespaces are Linux-only (this is ${process.platform})` };
  } else if (!ip) {
    probed = { isolation: { kind: 'none' }, reason: "the 'ip' command (iproute2) is missing" };
  } else {
    // Root needs no user namespace; anyone else maps themselves to root inside one.
    const candidates = process.getuid?.() === 0 ? [['unshare', '--net'], ['unshare', '--user', '--map-root-user', '--net']] : [['unshare', '--user', '--map-root-user', '--net']];
    let reason = 'unshare failed';
    for (const prefix of candidates) {
      const [command = 'unshare', ...args] = prefix;
      const probe = spawnSync(command, [...args, ip, 'link', 'set', 'lo', 'up'], { encoding: 'utf8', timeout: 10_000 });
      if (probe.status === 0) {
        probed = { isolation: { kind: 'namespace', prefix, ip }, reason: '' };
        return probed;
      }
      reason = probe.error ? `${command}: ${probe.error.message}` : (probe.stderr.trim().split('\n')[0] ?? reason);
    }
    probed = { isolation: { kind: 'none' }, reason };
  }
  return probed;
}

/** The isolation to use, or a one-line refusal naming the alternatives. */
export function resolveIsolation(mode: IsolationMode = isolationMode()): Isolation {
  if (mode === 'none') return { kind: 'none' };
  const { isolation, reason } = probeNamespace();
  if (isolation.kind === 'namespace') return isolation;
  throw new EngineStartError(
    `The embedded DynamoDB engine would listen on every network interface and cannot be isolated here (${reason}). ` +
      `Point the service at an engine you run with DYNAMODB_ENDPOINT=http://127.0.0.1:8000, ` +
      `or set ${ISOLATION_VARIABLE}=none to accept an engine reachable from the network.`,
  );
}

/**
 * The relay inside the namespace: Unix socket in, the engine's loopback port out. Plain
 * CommonJS run with `node -e`, so it needs neither tsx nor a build. It exits when its parent
 * (the supervising shell) is gone, so it can never outlive the engine.
 */
export const NAMESPACE_RELAY = `
const net = require('node:net'), fs = require('node:fs');
const [socketPath, port] = process.argv.slice(1);
const parent = process.ppid;
try { fs.unlinkSync(socketPath); } catch {}
const server = net.createServer((client) => {
  const engine = net.connect(Number(port), '127.0.0.1');
  const end = () => { client.destroy(); engine.destroy(); };
  client.on('error', end); engine.on('error', end); client.on('close', end); engine.on('close', end);
  client.pipe(engine).pipe(client);
});
server.listen(socketPath, () => fs.chmodSync(socketPath, 0o600));
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 1000);
`;
