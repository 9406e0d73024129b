/**
 * The loopback-only TCP front of the embedded engine. Clients (the SDK, the CLI through the
 * registry) keep one `http://127.0.0.1:<port>` endpoint while the engine behind it is
 * restarted: each connection is piped to whatever the current target is, and refused while
 * there is none.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type RelayTarget = { path: string } | { port: number };

/** Where to connect to reach a target, as node:http's and node:net's options name it. */
export function targetAddress(target: RelayTarget): { socketPath: string } | { host: string; port: number } {
  return 'path' in target ? { socketPath: target.path } : { host: '127.0.0.1', port: target.port };
}

export interface Relay {
  readonly port: number;
  /** Where new connections go; undefined refuses them (the engine is down). */
  setTarget(target: RelayTarget | undefined): void;
  close(): Promise<void>;
}

export async function startRelay(port = 0): Promise<Relay> {
  let target: RelayTarget | undefined;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    if (!target) {
      client.destroy();
      return;
    }
    const address = targetAddress(target);
    const engine = 'socketPath' in address ? connect(address.socketPath) : connect(address.port, address.host);
    open.add(engine);
    engine.once('close', () => open.delete(engine));
    const end = (): void => {
      client.destroy();
      engine.destroy();
    };
    client.on('error', end).on('close', end);
    engine.on('error', end).on('close', end);
    client.pipe(engine).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // 127.0.0.1 only: this is the one socket of the engine that the host can see.
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    port: bound,
    setTarget(next) {
      target = next;
      // Keep-alive sockets to a dead engine would otherwise fail one request each, later.
      if (!next) for (const socket of open) socket.destroy();
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
