import { Module } from '@nestjs/common';
import { AlertDispatcher } from './alert-dispatcher.js';
import { AlertsController } from './alerts.controller.js';
import { AlertsJob } from './alerts.cron.js';
import { AlertsRepository } from './alerts.repository.js';
import { AlertsService } from './alerts.service.js';
import { WebhookSender } from './webhook-sender.js';

@Module({
  controllers: [AlertsController],
  providers: [AlertsRepository, AlertsService, WebhookSender, AlertDispatcher, AlertsJob],
})
export class AlertsModule {}
