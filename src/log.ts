/**
 * The logger of every long-running process (the service, `quick-photos worker`, the Lambda
 * handler): pino's JSON lines, readable by any log collector, with errors written out whole
 * (`err`: type, message, stack) where a plain `JSON.stringify` writes `{}` and the cause is lost.
 * On a terminal in development the lines are pretty-printed instead.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Standard output (`production`: never pretty-printed, even on a terminal), or the lines handed
 * to `destination` (the CLI's error stream; tests), always JSON.
 */
export type LoggerOptions = { production: boolean } | { destination: DestinationStream };

export function createLogger(options: LoggerOptions): Logger {
  const level = process.env.LOG_LEVEL ?? 'info';
  if ('destination' in options) return pino({ level }, options.destination);
  if (process.stdout.isTTY && !options.production) {
    return pino({ level, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  // Synchronous writes: a Lambda container may be frozen as soon as the invocation returns.
  return pino({ level }, pino.destination({ fd: 1, sync: true }));
}
