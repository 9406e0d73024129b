/** Mail through an SMTP server (nodemailer), configured by SMTP_URL or SMTP_HOST and friends. */
import nodemailer from 'nodemailer';
import type { MailConfig } from '../config/index.js';
import type { Mailer } from './mailer.js';

/** Bounds on one delivery: a stuck server must not hold a request (or the job) forever. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

/** smtp://user:pass@host:port or smtps://...: the parts nodemailer's options take. */
function fromUrl(raw: string) {
  const url = new URL(raw);
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    pass: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

export function createSmtpMailer(from: string, smtp: NonNullable<MailConfig['smtp']>): Mailer {
  const target = 'url' in smtp ? fromUrl(smtp.url) : smtp;
  const transport = nodemailer.createTransport({
    host: target.host,
    port: target.port,
    secure: target.secure,
    ...(target.user !== undefined ? { auth: { user: target.user, pass: target.pass ?? '' } } : {}),
    ...TIMEOUTS,
  });
  const where = `${target.host}:${target.port}`;
  return {
    describe: `SMTP ${where}`,
    async send(message) {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text });
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}
