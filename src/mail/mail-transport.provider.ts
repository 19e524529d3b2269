import type { Provider } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';

export interface MailEnvelope {
  from: string;
  to: string;
  subject: string;
  text: string;
  /** An HTML part saying what `text` says. */
  html?: string;
}

/** Sends one mail or throws (with nodemailer's `code` and `responseCode`). */
export abstract class MailTransport {
  abstract send(mail: MailEnvelope): Promise<void>;
}

/** SMTP through nodemailer when SMTP_URL is set; null otherwise (mails are kept for `baton mail`). */
export const mailTransportProvider: Provider = {
  provide: MailTransport,
  inject: [BATON_CONFIG],
  useFactory: (config: Pick<RuntimeConfig, 'SMTP_URL'>): MailTransport | null => {
    if (!config.SMTP_URL) return null;
    // Short waits: a stuck server holds one outbox pass, and the mail is tried again later anyway.
    const smtp = createTransport({ url: config.SMTP_URL, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
    return { send: async (mail) => void (await smtp.sendMail(mail)) };
  },
};
