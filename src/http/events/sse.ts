/**
 * One Server-Sent Events response: framing, heartbeats, and the bound on what may wait for a
 * slow reader. Writes go straight to the socket while it keeps up; once Node holds more than
 * `maxBufferedBytes` unsent (the kernel's buffers are full and the client reads no more), the
 * stream is cut off rather than buffered without end. The client reconnects with Last-Event-ID
 * and loses nothing: the events it missed are read again from their sources.
 */
import type { ServerResponse } from 'node:http';

export interface SseOptions {
  heartbeatMs: number;
  maxBufferedBytes: number;
  /** Closed when no event (heartbeats aside) was sent for this long. */
  idleMs: number;
  /** Closed this long after opening, whatever happens. */
  lifetimeMs: number;
}

export type CloseReason = 'client' | 'slow' | 'idle' | 'lifetime' | 'shutdown' | 'session' | 'error';

/** A field value on one line: SSE splits data on newlines, JSON has none unless asked to. */
const line = (value: string): string => value.replace(/[\r\n]/g, ' ');

export class SseStream {
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  /** Bytes written over the stream's life (for the benchmark and logs). */
  bytes = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly options: SseOptions,
    private readonly onClose: (reason: CloseReason) => void,
  ) {
    res.on('close', () => this.close('client'));
    res.on('error', () => this.close('error'));
    const beat = setInterval(() => this.write(': \n\n'), options.heartbeatMs);
    const end = setTimeout(() => this.end('lifetime'), Math.max(0, options.lifetimeMs));
    beat.unref();
    end.unref();
    this.timers.push(beat, end);
    this.touch();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends one event; `id` moves the client's Last-Event-ID (events without one leave it where it is). */
  send(event: string, data: unknown, id?: string): void {
    this.touch();
    this.write(`${id === undefined ? '' : `id: ${line(id)}\n`}event: ${line(event)}\ndata: ${line(JSON.stringify(data))}\n\n`);
  }

  /** Raw text (the opening `retry:` line, comments). */
  write(text: string): void {
    if (this.closed) return;
    this.bytes += text.length;
    this.res.write(text);
    if (this.res.writableLength > this.options.maxBufferedBytes) this.close('slow');
  }

  /** Tells the client why, then closes (a client that reconnects resumes where it was). */
  end(reason: CloseReason): void {
    if (this.closed) return;
    if (reason !== 'slow' && reason !== 'client' && reason !== 'error') this.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    this.close(reason);
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.end('idle'), this.options.idleMs);
    this.idleTimer.unref();
  }

  private close(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    clearTimeout(this.idleTimer);
    // A slow reader's queue is dropped at once; an orderly end lets the last frame go out.
    if (reason === 'slow' || reason === 'error') this.res.destroy();
    else this.res.end();
    this.onClose(reason);
  }
}
