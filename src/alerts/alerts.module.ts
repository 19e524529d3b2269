import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module.js';
import { SecretsModule } from '../secrets/secrets.module.js';
import { EntitlementsService } from '../billing/entitlements.service.js';
import { AlertDispatcher, PlanAllowances } from './alert-dispatcher.js';
import { AlertsController } from './alerts.controller.js';
import { AlertsJob } from './alerts.cron.js';
import { AlertsRepository } from './alerts.repository.js';
import { AlertsService } from './alerts.service.js';
import { ChannelCredentials } from './channel-credentials.js';
import { ChannelSender } from './channel-sender.js';
import { ChannelsRepository } from './channels.repository.js';
import { ChannelsService } from './channels.service.js';
import { WebhookSender } from './webhook-sender.js';

@Module({
  imports: [MailModule, SecretsModule],
  controllers: [AlertsController],
  providers: [
    AlertsRepository,
    AlertsService,
    ChannelsRepository,
    ChannelsService,
    ChannelCredentials,
    WebhookSender,
    ChannelSender,
    AlertDispatcher,
    AlertsJob,
    // Usage alerts measure against the plans billing knows.
    { provide: PlanAllowances, useExisting: EntitlementsService },
  ],
})
export class AlertsModule {}
