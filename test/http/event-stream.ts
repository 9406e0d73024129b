/** An EventSource client (the `eventsource` package, as a phone or Node client would use one) that records what it hears. */
import { EventSource } from 'eventsource';
import { expect } from 'vitest';

export interface Heard {
  type: string;
  id: string;
  // Tests assert on shapes.
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Listener {
  events: Heard[];
  /** Failures the client saw (a refused or dropped connection). */
  errors: { code?: number | undefined; message?: string | undefined }[];
  source: EventSource;
  close(): void;
  of(type: string): Heard[];
}

export const EVENT_TYPES = ['activity', 'unread', 'post', 'notice', 'reset', 'end'];

export interface OpenOptions {
  token?: string;
  lastEventId?: string;
  query?: string;
}

/** Opens GET /v1/me/events; a bearer token and Last-Event-ID ride as headers, a ticket in `query`. */
export function listen(base: string, options: OpenOptions): Listener {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  const source = new EventSource(`${base}/v1/me/events${options.query ?? ''}`, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } }),
  });
  const listener: Listener = {
    events: [],
    errors: [],
    source,
    close: () => source.close(),
    of: (type) => listener.events.filter((e) => e.type === type),
  };
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (event) => {
      listener.events.push({ type, id: event.lastEventId, data: JSON.parse(String(event.data)) as unknown });
    });
  }
  source.addEventListener('error', (event) => {
    listener.errors.push({ code: event.code, message: event.message });
  });
  return listener;
}

/** The unread count closes every replay that reads the activity: once it is heard, the replay is over. */
export async function replayed(listener: Listener): Promise<void> {
  await expect.poll(() => listener.of('unread').length + listener.of('reset').length).toBeGreaterThan(0);
}
