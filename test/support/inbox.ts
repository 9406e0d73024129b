/**
 * A real SMTP server (smtp-server from npm) in the test process: what the API sends through
 * nodemailer arrives here, parsed enough to read subjects, recipients and codes.
 */
import { SMTPServer } from 'smtp-server';
import { waitFor } from './wait.js';

export interface Received {
  to: string;
  subject: string;
  text: string;
}

export interface Inbox {
  port: number;
  received: Received[];
  /** Waits (bounded) until `count` messages to `address` satisfying `match` arrived; returns them all. */
  mailTo(address: string, count?: number, match?: (m: Received) => boolean): Promise<Received[]>;
  close(): Promise<void>;
}

/** Headers and a quoted-printable or plain body. */
function parse(raw: string): Received {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head.replace(/\r?\n[ \t]+/g, ' '))?.[1] ?? '';
  let text = rest.join('\n\n');
  if (/quoted-printable/i.test(header('Content-Transfer-Encoding'))) {
    text = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return { to: header('To'), subject: header('Subject'), text };
}

export const codeIn = (message: Received | undefined): string => /enter this code: (\S+)/.exec(message?.text ?? '')?.[1] ?? '';

export async function startInbox(): Promise<Inbox> {
  const received: Received[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push(parse(Buffer.concat(chunks).toString('utf8')));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const address = smtp.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const matching = (address: string, match: (m: Received) => boolean) => received.filter((m) => m.to.toLowerCase().includes(address.toLowerCase()) && match(m));
  return {
    port,
    received,
    async mailTo(address, count = 1, match = () => true) {
      // Bounded; on a shortfall the caller's assertion on what arrived says what is missing.
      await waitFor(() => matching(address, match).length >= count, { what: `${count} message(s) to ${address}`, timeoutMs: 10_000, intervalMs: 25 }).catch(() => undefined);
      return matching(address, match);
    },
    close: () => new Promise<void>((resolve) => smtp.close(resolve)),
  };
}
