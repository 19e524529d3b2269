import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { parseDuration } from '../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../config/runtime-config.js';
import { LeaderLock } from '../database/leader-lock.js';
import { BillingRepository } from './billing.repository.js';
import { StripeGateway } from './stripe.provider.js';

/** Stripe accepts meter events up to 35 days old. */
const METER_WINDOW_MS = 35 * 86_400_000;
const BATCH = 500;

/**
 * Reports usage to Stripe as meter events: runs that ended become outbox rows keyed by run, then
 * each row is sent with that key as its identifier and marked. A crash between sending and
 * marking sends the same identifier again, which Stripe counts once. Only one replica reports at
 * a time (a PostgreSQL advisory lock), so replicas do not race over the same rows.
 */
@Injectable()
export class UsageReporterJob implements OnApplicationBootstrap {
  static readonly JOB = 'billing-usage-report';
  private readonly logger = new Logger(UsageReporterJob.name);

  constructor(
    private readonly billing: BillingRepository,
    private readonly stripe: StripeGateway,
    private readonly leader: LeaderLock,
    private readonly scheduler: SchedulerRegistry,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'BILLING_USAGE_INTERVAL' | 'BILLING_METER_RUNS' | 'BILLING_METER_STEP_SECONDS'>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.stripe.enabled) return;
    let running = false;
    const tick = async () => {
      if (running) return;
      running = true;
      try {
        await this.leader.runExclusive(UsageReporterJob.JOB, async () => void (await this.reportOnce()));
      } catch (error) {
        this.logger.error(`Usage report failed: ${(error as Error).message}`);
      } finally {
        running = false;
      }
    };
    this.scheduler.addInterval(UsageReporterJob.JOB, setInterval(tick, parseDuration(this.config.BILLING_USAGE_INTERVAL)!));
  }

  /** One pass: enqueue what ended, then send what is unsent. Returns how many were sent. */
  async reportOnce(): Promise<number> {
    await this.billing.enqueueMeterEvents({ runs: this.config.BILLING_METER_RUNS, stepSeconds: this.config.BILLING_METER_STEP_SECONDS }, new Date(Date.now() - METER_WINDOW_MS));
    let sent = 0;
    for (const event of await this.billing.unreportedMeterEvents(BATCH)) {
      try {
        await this.stripe.reportMeterEvent({ eventName: event.eventName, customerId: event.stripeCustomerId, value: event.value, identifier: event.identifier, timestamp: event.occurredAt });
        await this.billing.markMeterEventReported(event.identifier);
        sent += 1;
      } catch (error) {
        await this.billing.markMeterEventFailed(event.identifier, (error as Error).message);
      }
    }
    if (sent) this.logger.log(`Reported ${sent} meter event(s) to Stripe`);
    return sent;
  }
}
