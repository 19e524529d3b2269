import { Module } from '@nestjs/common';
import { MailOutboxJob } from './mail-outbox.cron.js';
import { mailTransportProvider } from './mail-transport.provider.js';
import { MailRepository } from './mail.repository.js';
import { MailService } from './mail.service.js';

@Module({
  providers: [mailTransportProvider, MailRepository, MailService, MailOutboxJob],
  exports: [MailService],
})
export class MailModule {}
