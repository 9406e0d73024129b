/** The messages the service sends. Plain text: every client shows it, no tracking pixels. */
import type { MailMessage } from './mailer.js';

const link = (base: string, path: string, token: string) => `${base}${path}?token=${encodeURIComponent(token)}`;

export function verificationMessage(to: string, token: string, linkBase: string): MailMessage {
  return {
    to,
    subject: 'Confirm your email for quick-photos',
    text: [
      'Confirm that this address is yours by opening this link in the quick-photos app:',
      '',
      link(linkBase, 'verify-email', token),
      '',
      `Or enter this code: ${token}`,
      '',
      'The code works once and expires in 24 hours. If you did not sign up, ignore this message.',
    ].join('\n'),
  };
}

export function passwordResetMessage(to: string, token: string, linkBase: string): MailMessage {
  return {
    to,
    subject: 'Reset your quick-photos password',
    text: [
      'Someone (hopefully you) asked to reset the password of your quick-photos account.',
      '',
      link(linkBase, 'reset-password', token),
      '',
      `Or enter this code: ${token}`,
      '',
      'The code works once and expires in 1 hour. Setting a new password signs you out everywhere.',
      'If you did not ask for this, ignore this message: your password stays as it is.',
    ].join('\n'),
  };
}
