/** What the service sends, and the one interface it sends through. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Where messages go, for the start-up banner and logs (never a password). */
  readonly describe: string;
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}
