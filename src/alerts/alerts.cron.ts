import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { parseDuration } from '../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { LeaderJobs } from '../database/leader-jobs.js';
import { AlertDispatcher } from './alert-dispatcher.js';

/**
 * Two jobs, each on one replica at a time: finding alerts, and delivering them. Apart, so that a
 * slow webhook delays no alert's recording; deliveries are claimed row by row besides.
 */
@Injectable()
export class AlertsJob implements OnApplicationBootstrap {
  static readonly DETECT = 'alert-detection';
  static readonly DELIVER = 'alert-delivery';

  constructor(
    private readonly dispatcher: AlertDispatcher,
    private readonly jobs: LeaderJobs,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'ALERT_POLL_INTERVAL'>,
  ) {}

  onApplicationBootstrap(): void {
    const every = parseDuration(this.config.ALERT_POLL_INTERVAL)!;
    this.jobs.every(AlertsJob.DETECT, every, () => this.dispatcher.detect());
    this.jobs.every(AlertsJob.DELIVER, every, () => this.dispatcher.deliverDue());
  }
}
