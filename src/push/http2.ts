/**
 * A small HTTP/2 client for APNs (HTTP/2 only) and FCM: one session per origin, reopened when
 * it closes or fails, every request bounded by a timeout.
 */
import { connect, constants, type ClientHttp2Session } from 'node:http2';

export interface H2Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The largest answer read; push services answer a few hundred bytes. */
const MAX_BODY = 64 * 1024;

export class H2Client {
  private session: ClientHttp2Session | undefined;

  constructor(
    private readonly origin: string,
    private readonly options: { ca?: string | undefined; timeoutMs: number },
  ) {}

  private open(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(this.origin, this.options.ca ? { ca: this.options.ca } : {});
    session.on('error', () => session.destroy());
    session.on('goaway', () => session.close());
    // Idle sessions must not keep the process alive.
    session.unref();
    this.session = session;
    return session;
  }

  request(path: string, headers: Record<string, string>, body: string): Promise<H2Response> {
    return new Promise((resolve, reject) => {
      const session = this.open();
      const stream = session.request({ [constants.HTTP2_HEADER_METHOD]: 'POST', [constants.HTTP2_HEADER_PATH]: path, ...headers });
      stream.setTimeout(this.options.timeoutMs, () => stream.close(constants.NGHTTP2_CANCEL));
      let status = 0;
      let answer: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('response', (h) => {
        status = Number(h[constants.HTTP2_HEADER_STATUS]);
        answer = h;
      });
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      stream.on('close', () => {
        if (status === 0) reject(new Error(`no answer from ${this.origin} (stream closed, code ${stream.rstCode ?? 'none'})`));
        else resolve({ status, headers: answer, body: Buffer.concat(chunks).toString('utf8') });
      });
      stream.on('error', reject);
      stream.end(body);
    });
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }
}
