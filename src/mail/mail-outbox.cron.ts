import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { parseDuration } from '../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { LeaderJobs } from '../database/leader-jobs.js';
import { MailService } from './mail.service.js';

/** Mails whose first attempt failed, or whose replica died before it, tried again on one replica at a time. */
@Injectable()
export class MailOutboxJob implements OnApplicationBootstrap {
  static readonly NAME = 'mail-outbox';
  private readonly logger = new Logger(MailOutboxJob.name);

  constructor(
    private readonly mail: MailService,
    private readonly jobs: LeaderJobs,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'MAIL_POLL_INTERVAL'>,
  ) {}

  onApplicationBootstrap(): void {
    // An API without SMTP keeps its mails: it must not take those of replicas that send.
    if (!this.mail.sending) {
      this.logger.warn('SMTP_URL is not set: mails are kept in the database (`baton mail`) and their one-time links written to this log');
      return;
    }
    this.jobs.every(MailOutboxJob.NAME, parseDuration(this.config.MAIL_POLL_INTERVAL)!, () => this.mail.deliverDue());
  }
}
