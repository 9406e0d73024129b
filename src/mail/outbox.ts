/**
 * The development outbox: with no SMTP server configured, every message is a JSON file in
 * MAIL_OUTBOX_DIR (DATA_DIR/outbox), so sign-up, verification and password reset work on a
 * laptop. `quick-photos mail outbox` lists and prints them; `npm start` logs each one.
 * Only the newest OUTBOX_LIMIT messages are kept.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mailer, MailMessage } from './mailer.js';

export const OUTBOX_LIMIT = 200;

export interface OutboxMessage extends MailMessage {
  id: string;
  from: string;
  sentAt: string;
}

/**
 * `now` is the clock (tests freeze it). The file names carry a time that only moves forward
 * within the process, so two messages sent in the same millisecond still list in the order they
 * were sent (their `sentAt` is the clock's, equal).
 */
export function createOutboxMailer(from: string, dir: string, onSent?: (message: OutboxMessage, file: string) => void, now: () => number = Date.now): Mailer {
  let last = 0;
  return {
    describe: `outbox ${dir} (quick-photos mail outbox)`,
    async send(message) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const at = now();
      const sentAt = new Date(at).toISOString();
      last = Math.max(at, last + 1);
      // Sortable by name: the forward-only time first, then randomness against other processes' names.
      const id = `${new Date(last).toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}`;
      const stored: OutboxMessage = { id, from, sentAt, ...message };
      const file = join(dir, `${id}.json`);
      await writeFile(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
      onSent?.(stored, file);
      await prune(dir);
    },
    async close() {},
  };
}

async function prune(dir: string): Promise<void> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  await Promise.all(names.slice(0, Math.max(0, names.length - OUTBOX_LIMIT)).map((n) => rm(join(dir, n), { force: true })));
}

/** The outbox's messages, newest first; an absent outbox is empty. */
export async function readOutbox(dir: string, limit = 20): Promise<OutboxMessage[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort().reverse().slice(0, limit);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const messages = await Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as OutboxMessage));
  return messages;
}
