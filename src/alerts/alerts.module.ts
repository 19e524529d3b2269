import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module.js';
import { EntitlementsService } from '../billing/entitlements.service.js';
import { AlertDispatcher, PlanAllowances } from './alert-dispatcher.js';
import { AlertsController } from './alerts.controller.js';
import { AlertsJob } from './alerts.cron.js';
import { AlertsRepository } from './alerts.repository.js';
import { AlertsService } from './alerts.service.js';
import { ChannelSender } from './channel-sender.js';
import { WebhookSender } from './webhook-sender.js';

@Module({
  imports: [MailModule],
  controllers: [AlertsController],
  providers: [
    AlertsRepository,
    AlertsService,
    WebhookSender,
    ChannelSender,
    AlertDispatcher,
    AlertsJob,
    // Usage alerts measure against the plans billing knows.
    { provide: PlanAllowances, useExisting: EntitlementsService },
  ],
})
export class AlertsModule {}
