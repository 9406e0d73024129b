/**
 * A crowd of uploads that send part of their body and then hold their connections, from a
 * separate process (so its buffers and event loop are not the service's): the load of
 * test/reliability/stalled-uploads.test.ts and of `npm run bench:media`. Each connection sends
 * its headers and `sentBytes` of a multipart body; while `trickleMs` is set, the connections
 * still open send a byte that often, so they keep their places for as long as a caller needs
 * them, until `stall()` makes them go quiet (then the idle timeout may cut them off).
 */
import { spawn } from 'node:child_process';
import { waitFor } from './wait.js';

const CLIENT = `
const net = require('node:net');
const [port, count, sent, trickleMs, ...tokens] = process.argv.slice(1);
const statuses = {};
const sockets = [];
let open = 0;
const trickle = Number(trickleMs) > 0 ? setInterval(() => { for (const s of sockets) if (!s.destroyed) s.write('x', () => {}); }, Number(trickleMs)) : undefined;
process.stdin.on('data', () => clearInterval(trickle));
for (let i = 0; i < Number(count); i++) {
  const user = 'staller' + (i % tokens.length);
  const socket = net.connect(Number(port), '127.0.0.1', () => {
    open++;
    const boundary = 'stall' + i;
    socket.write('POST /v1/users/' + user + '/photos HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nAuthorization: Bearer ' + tokens[i % tokens.length] +
      '\\r\\nContent-Type: multipart/form-data; boundary=' + boundary + '\\r\\nContent-Length: ' + (8 * 1024 * 1024) + '\\r\\n\\r\\n');
    socket.write('--' + boundary + '\\r\\nContent-Disposition: form-data; name="file"; filename="a.jpg"\\r\\nContent-Type: image/jpeg\\r\\n\\r\\n');
    socket.write(Buffer.alloc(Number(sent), 0xff));
    sockets.push(socket);
  });
  let seen = '';
  socket.on('data', (d) => {
    seen += d.toString('latin1');
    const status = /^HTTP\\/1\\.1 (\\d{3})/.exec(seen);
    const code = /"code":"([A-Z_]+)"/.exec(seen);
    if (status && code && !statuses[i]) statuses[i] = status[1] + ' ' + code[1];
  });
  socket.on('error', () => {});
  socket.on('close', () => { if (!statuses[i]) statuses[i] = 'closed'; });
}
setInterval(() => process.stdout.write(JSON.stringify({ open, statuses }) + '\\n'), 100);
`;

interface Report {
  open: number;
  /** By connection: "<status> <code>" once answered, "closed" when cut off without an answer. */
  statuses: Record<string, string>;
}

export interface StalledUploads {
  /** Connections open so far. */
  open(): number;
  /** The answers so far ("429 UPLOAD_IN_PROGRESS", "408 UPLOAD_TIMEOUT", "closed", ...). */
  answers(): string[];
  /** Stops the trickle: the connections still open go quiet. */
  stall(): void;
  /** Ends the client and every connection. */
  stop(): void;
}

export interface StallOptions {
  port: number;
  count: number;
  sentBytes: number;
  tokens: string[];
  /** Resolves once every connection is open and this many have been answered (refused). */
  refused: number;
  /** A byte per open connection this often until `stall()`; 0 goes quiet at once. */
  trickleMs?: number;
  timeoutMs?: number;
}

export async function stallUploads(options: StallOptions): Promise<StalledUploads> {
  const child = spawn(process.execPath, ['-e', CLIENT, String(options.port), String(options.count), String(options.sentBytes), String(options.trickleMs ?? 0), ...options.tokens], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let last: Report = { open: 0, statuses: {} };
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    const complete = lines.at(-1);
    if (complete) last = JSON.parse(complete) as Report;
  });
  const uploads: StalledUploads = {
    open: () => last.open,
    answers: () => Object.values(last.statuses),
    stall: () => void child.stdin.write('stall\n'),
    stop: () => void child.kill(),
  };
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`the stalling client exited with ${child.exitCode}`);
        return last.open === options.count && uploads.answers().length >= options.refused;
      },
      { what: `${options.count} connections open and ${options.refused} refusals in`, timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 50 },
    );
  } catch (error) {
    uploads.stop();
    throw error;
  }
  return uploads;
}
