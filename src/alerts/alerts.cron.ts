import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { parseDuration } from '../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../config/runtime-config.js';
import { LeaderLock, scheduleLeaderJob } from '../database/leader-lock.js';
import { AlertDispatcher } from './alert-dispatcher.js';

/**
 * Two jobs, each on one replica at a time: finding alerts, and delivering them. Apart, so that a
 * slow webhook delays no alert's recording; deliveries are claimed row by row besides.
 */
@Injectable()
export class AlertsJob implements OnApplicationBootstrap {
  static readonly DETECT = 'alert-detection';
  static readonly DELIVER = 'alert-delivery';
  readonly logger = new Logger(AlertsJob.name);

  constructor(
    private readonly dispatcher: AlertDispatcher,
    readonly leader: LeaderLock,
    readonly scheduler: SchedulerRegistry,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'ALERT_POLL_INTERVAL'>,
  ) {}

  onApplicationBootstrap(): void {
    const every = parseDuration(this.config.ALERT_POLL_INTERVAL)!;
    scheduleLeaderJob(this, AlertsJob.DETECT, every, async () => {
      await this.dispatcher.detect();
    });
    scheduleLeaderJob(this, AlertsJob.DELIVER, every, async () => {
      await this.dispatcher.deliverDue();
    });
  }
}
