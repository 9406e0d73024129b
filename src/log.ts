/**
 * The logger of every long-running process (the service, `quick-photos worker`, the Lambda
 * handler): pino's JSON lines, readable by any log collector, with errors written out whole
 * (`err`: type, message, stack) where a plain `JSON.stringify` writes `{}` and the cause is lost.
 * On a terminal in development the lines are pretty-printed instead.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export interface LoggerOptions {
  /** Production never pretty-prints, even on a terminal. */
  production: boolean;
  /** 1 (stdout, the default) or 2 (stderr: a CLI whose stdout is its answer). */
  fd?: 1 | 2;
  /** Instead of `fd` (tests). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = process.env.LOG_LEVEL ?? 'info';
  if (options.destination) return pino({ level }, options.destination);
  const fd = options.fd ?? 1;
  if ((fd === 1 ? process.stdout : process.stderr).isTTY && !options.production) {
    return pino({ level, transport: { target: 'pino-pretty', options: { destination: fd, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  // Synchronous writes: a Lambda container may be frozen as soon as the invocation returns.
  return pino({ level }, pino.destination({ fd, sync: true }));
}
