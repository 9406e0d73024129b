/** Mail: SMTP when configured, else the development outbox. */
import type { MailConfig } from '../config/index.js';
import type { Mailer } from './mailer.js';
import { createOutboxMailer, type OutboxMessage } from './outbox.js';
import { createSmtpMailer } from './smtp.js';

export type { Mailer, MailMessage } from './mailer.js';
export { readOutbox, type OutboxMessage } from './outbox.js';
export { emailChangedMessage, emailTakenMessage, passwordResetMessage, verificationMessage } from './messages.js';

export function createMailer(config: MailConfig, onOutbox?: (message: OutboxMessage, file: string) => void): Mailer {
  return config.smtp ? createSmtpMailer(config.from, config.smtp) : createOutboxMailer(config.from, config.outboxDir, onOutbox);
}
