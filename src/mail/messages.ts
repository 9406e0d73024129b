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

/** To the address an email change replaced: what happened, and the code that undoes it. */
export function emailChangedMessage(to: string, newEmail: string, token: string, linkBase: string): MailMessage {
  return codeMessage(
    to,
    'The email of your quick-photos account was changed',
    `The email of your quick-photos account was just changed from this address to ${maskEmail(newEmail)}. ` +
      'If that was not you, someone knows your password: undo the change and choose a new password with this link in the quick-photos app:',
    'undo-email-change',
    token,
    linkBase,
    ['The code works once and expires in 7 days. Undoing restores this address, sets a new password and signs out every device.', 'If it was you, ignore this message.'],
  );
}

/** To an address someone was told is taken: it is a sign someone is probing for accounts. */
export function emailTakenMessage(to: string, attempt: 'sign-up' | 'email-change'): MailMessage {
  const what = attempt === 'sign-up' ? 'sign up for a new quick-photos account' : 'move another quick-photos account to';
  return {
    to,
    subject: 'Someone tried to use your email on quick-photos',
    text: [
      `Someone just tried to ${what} this address, which already belongs to your account. Nothing changed.`,
      '',
      'If it was you, log in instead (or reset your password). If not, you need do nothing; we tell you at most once every 15 minutes.',
    ].join('\n'),
  };
}

/** `a***@example.com`: enough for the owner to recognise, not a full address in someone else's mailbox. */
function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '***' : `${email.slice(0, 1)}***${email.slice(at)}`;
}
