import { Module } from '@nestjs/common';
import { MailOutboxJob } from './mail-outbox.cron.js';
import { MailTransport, mailTransportProvider } from './mail-transport.provider.js';
import { MailRepository } from './mail.repository.js';
import { MailService } from './mail.service.js';

@Module({
  providers: [mailTransportProvider, MailRepository, MailService, MailOutboxJob],
  // The transport too: alert e-mails are sent (and retried) by the alerts' own delivery, not the outbox.
  exports: [MailService, MailTransport],
})
export class MailModule {}
