/**
 * The stalled-uploads load for `npm run bench:media`: a separate process (so its buffers and
 * event loop are not the API's) opens `count` uploads, sends headers and `sent` bytes of each
 * body, then holds the connection. The service admits a bounded number (UPLOADS_TOTAL) and
 * refuses the rest at once; admitted ones hold their slots until the idle timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const CLIENT = `
const net = require('node:net');
const [port, count, sent, ...tokens] = process.argv.slice(1);
const statuses = {};
let open = 0;
for (let i = 0; i < Number(count); i++) {
  const user = 'staller' + (i % tokens.length);
  const socket = net.connect(Number(port), '127.0.0.1', () => {
    open++;
    const boundary = 'stall' + i;
    socket.write('POST /v1/users/' + user + '/photos HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nAuthorization: Bearer ' + tokens[i % tokens.length] +
      '\\r\\nContent-Type: multipart/form-data; boundary=' + boundary + '\\r\\nContent-Length: ' + (8 * 1024 * 1024) + '\\r\\n\\r\\n');
    socket.write('--' + boundary + '\\r\\nContent-Disposition: form-data; name="file"; filename="a.jpg"\\r\\nContent-Type: image/jpeg\\r\\n\\r\\n');
    socket.write(Buffer.alloc(Number(sent), 0xff));
  });
  let seen = '';
  socket.on('data', (d) => {
    seen += d.toString('latin1');
    const status = /^HTTP\\/1\\.1 (\\d{3})/.exec(seen);
    if (status && !statuses[i]) statuses[i] = status[1];
  });
  socket.on('error', () => {});
  socket.on('close', () => { if (!statuses[i]) statuses[i] = 'closed'; });
}
setInterval(() => process.stdout.write(JSON.stringify({ open, statuses }) + '\\n'), 100);
`;

interface Report {
  open: number;
  statuses: Record<string, string>;
}

export interface Stall {
  /** Connections open, and how many of them the service answered (refused) so far. */
  report(): { open: number; answered: number };
  stop(): void;
}

/** Starts the stalling client and resolves once every connection is open and `refused` have been answered (within `timeoutMs`). */
export async function stallUploads(options: { port: number; count: number; sentBytes: number; tokens: string[]; refused: number; timeoutMs?: number }): Promise<Stall> {
  const child: ChildProcess = spawn(process.execPath, ['-e', CLIENT, String(options.port), String(options.count), String(options.sentBytes), ...options.tokens], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last: Report = { open: 0, statuses: {} };
  let buffered = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    const complete = lines.at(-1);
    if (complete) last = JSON.parse(complete) as Report;
  });
  const stall: Stall = {
    report: () => ({ open: last.open, answered: Object.keys(last.statuses).length }),
    stop: () => void child.kill(),
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const { open, answered } = stall.report();
    if (open === options.count && answered >= options.refused) return stall;
    if (child.exitCode !== null || Date.now() > deadline) {
      stall.stop();
      throw new Error(`stalling client: ${open}/${options.count} connections open, ${answered}/${options.refused} refusals in`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
