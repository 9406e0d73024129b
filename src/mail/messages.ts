/** The messages the service sends. Plain text: every client shows it, no tracking pixels. */
import type { MailMessage } from './mailer.js';

/** A message carrying a single-use code: what it is for, the app link, the code, and what to do if unasked. */
function codeMessage(to: string, subject: string, intro: string, path: string, token: string, linkBase: string, closing: string[]): MailMessage {
  const link = `${linkBase}${path}?token=${encodeURIComponent(token)}`;
  return { to, subject, text: [intro, '', link, '', `Or enter this code: ${token}`, '', ...closing].join('\n') };
}

export function verificationMessage(to: string, token: string, linkBase: string): MailMessage {
  return codeMessage(
    to,
    'Confirm your email for quick-photos',
    'Confirm that this address is yours by opening this link in the quick-photos app:',
    'verify-email',
    token,
    linkBase,
    ['The code works once and expires in 24 hours. If you did not sign up, ignore this message.'],
  );
}

export function passwordResetMessage(to: string, token: string, linkBase: string): MailMessage {
  return codeMessage(
    to,
    'Reset your quick-photos password',
    'Someone (hopefully you) asked to reset the password of your quick-photos account.',
    'reset-password',
    token,
    linkBase,
    [
      'The code works once and expires in 1 hour. Setting a new password signs you out everywhere.',
      'If you did not ask for this, ignore this message: your password stays as it is.',
    ],
  );
}
