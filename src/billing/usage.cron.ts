import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { parseDuration } from '../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { LeaderJobs } from '../database/leader-jobs.js';
import { BillingRepository } from './billing.repository.js';
import { StripeGateway } from './stripe.provider.js';

const DAY_MS = 86_400_000;
/** Stripe accepts meter events up to 35 days old: older runs are neither counted nor reported. */
const HORIZON_MS = 35 * DAY_MS;
/** How late a run's end may be committed after a later run's and still be counted. */
const LATE_END_MARGIN = '15 minutes';
const BATCH = 500;

/**
 * With billing on, one replica at a time (a PostgreSQL advisory lock) counts the step-seconds of
 * runs that ended into their tenant's month, and reports usage to Stripe as meter events: counted
 * runs of Stripe customers become outbox rows keyed by run, each sent with that key as its
 * identifier and then marked. A crash between sending and marking sends the same identifier again,
 * which Stripe counts once.
 */
@Injectable()
export class UsageJob implements OnApplicationBootstrap {
  static readonly JOB = 'billing-usage';
  private readonly logger = new Logger(UsageJob.name);

  constructor(
    private readonly billing: BillingRepository,
    private readonly stripe: StripeGateway,
    private readonly jobs: LeaderJobs,
    @Inject(BATON_CONFIG)
    private readonly config: Pick<RuntimeConfig, 'BILLING_USAGE_INTERVAL' | 'BILLING_METER_RUNS' | 'BILLING_METER_STEP_SECONDS'>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.stripe.enabled) return;
    this.jobs.every(UsageJob.JOB, parseDuration(this.config.BILLING_USAGE_INTERVAL)!, () => this.runOnce());
  }

  async runOnce(): Promise<void> {
    const meters = { runs: this.config.BILLING_METER_RUNS, stepSeconds: this.config.BILLING_METER_STEP_SECONDS };
    await this.billing.accountEndedRuns(LATE_END_MARGIN, new Date(Date.now() - HORIZON_MS), meters);
    const sent = await this.reportMeterEvents();
    if (sent) this.logger.log(`Reported ${sent} meter event(s) to Stripe`);
    await this.billing.pruneUsageRecords(new Date(Date.now() - HORIZON_MS - 5 * DAY_MS));
  }

  private async reportMeterEvents(): Promise<number> {
    let sent = 0;
    for (const event of await this.billing.unreportedMeterEvents(BATCH)) {
      try {
        await this.stripe.reportMeterEvent({
          eventName: event.eventName,
          customerId: event.stripeCustomerId,
          value: event.value,
          identifier: event.identifier,
          timestamp: event.occurredAt,
        });
        await this.billing.markMeterEventReported(event.identifier);
        sent += 1;
      } catch (error) {
        await this.billing.markMeterEventFailed(event.identifier, (error as Error).message);
      }
    }
    return sent;
  }
}
