import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { parseDuration } from '../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { isPermanentSmtpError, retryDelayMs } from './mail-delivery.js';
import type { OutgoingMail } from './mail-messages.js';
import { MailTransport } from './mail-transport.provider.js';
import { MailRepository, type MailRow } from './mail.repository.js';

/** Longer than one attempt can take (connect, greeting and socket timeouts). */
const CLAIM_LEASE_MS = 2 * 60 * 1000;
const BATCH = 20;

/**
 * The outbox: a mail is a row written in the transaction of what caused it, then sent after the
 * commit and again on failure, never in the way of the request. Without SMTP_URL the row is the
 * mail: kept for the operator (`baton mail`), its link written to the log.
 */
@Injectable()
export class MailService {
  private readonly logger = new Logger('mail');

  constructor(
    private readonly mails: MailRepository,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'MAIL_FROM' | 'MAIL_RETRY_BASE'>,
    @Optional() @Inject(MailTransport) private readonly transport: MailTransport | null,
  ) {}

  get sending(): boolean {
    return Boolean(this.transport);
  }

  /** Records the mail in `tx`; call `dispatch` with the id once `tx` committed. */
  async queue(mail: OutgoingMail, tx?: EntityManager): Promise<string> {
    const id = randomUUID();
    await this.mails.insert(id, mail, this.transport ? 'pending' : 'kept', tx);
    return id;
  }

  /** Sends the queued mail now, in the background; whatever happens, the caller goes on. */
  dispatch(id: string): void {
    void (this.transport ? this.deliverDue(id) : this.announceKept(id)).catch((error: Error) =>
      this.logger.error({ msg: `Mail ${id}: ${error.message}`, mailId: id }),
    );
  }

  /** One attempt for every due mail (or only `id`). */
  async deliverDue(id?: string): Promise<void> {
    if (!this.transport) return;
    for (const mail of await this.mails.claimDue(BATCH, CLAIM_LEASE_MS, id)) await this.attempt(this.transport, mail);
  }

  private async attempt(transport: MailTransport, mail: MailRow): Promise<void> {
    const about = { mailId: mail.id, kind: mail.kind, attempt: mail.attempts };
    try {
      await transport.send({ from: this.config.MAIL_FROM, to: mail.to, subject: mail.subject, text: mail.body ?? '' });
      await this.mails.markSent(mail.id);
      this.logger.log({ msg: `Mail sent (${mail.kind})`, ...about });
    } catch (error) {
      const reason = (error as Error).message.slice(0, 500);
      const retryInMs = isPermanentSmtpError(error) ? null : retryDelayMs(mail.attempts, parseDuration(this.config.MAIL_RETRY_BASE)!);
      if (retryInMs === null) {
        await this.mails.markFailed(mail.id, reason);
        this.logger.error({ msg: `Mail given up (${mail.kind}): ${reason}`, ...about });
      } else {
        await this.mails.markRetry(mail.id, reason, retryInMs);
        this.logger.warn({
          msg: `Mail not sent yet (${mail.kind}), trying again in ${Math.round(retryInMs / 1000)} s: ${reason}`,
          ...about,
        });
      }
    }
  }

  /** Without SMTP the log is how the link reaches someone: the operator, who hands it over. */
  private async announceKept(id: string): Promise<void> {
    const mail = await this.mails.find(id);
    if (mail)
      this.logger.log({
        msg: `Mail kept (no SMTP_URL; \`baton mail ${mail.id}\` shows it) to ${mail.to}: ${mail.subject}: ${mail.link}`,
        mailId: mail.id,
        kind: mail.kind,
      });
  }
}
