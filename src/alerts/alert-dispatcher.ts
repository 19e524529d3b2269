import { Inject, Injectable, Logger } from '@nestjs/common';
import { parseDuration } from '../../workers/contracts/duration.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { alertPayload, retryDelayMs } from './alert-payload.js';
import { AlertsRepository, type AttemptOutcome, type DueDelivery, type UsageAllowance } from './alerts.repository.js';
import { summarize } from './channel-messages.js';
import { ChannelSender } from './channel-sender.js';

/** Each plan's monthly allowances, or null when billing is off (nothing to measure usage against). */
export abstract class PlanAllowances {
  abstract monthlyAllowances(): { allowances: UsageAllowance[]; defaultPlan: string } | null;
}

/** Runs that ended, and events appended, longer ago than this (while no replica looked) raise no alert. */
const LOOK_BACK = '10 minutes';
const DETECT_BATCH = 500;
const DELIVERY_BATCH = 50;

/** Finds alerts in what runs did, and delivers them to the channels that subscribe to them. */
@Injectable()
export class AlertDispatcher {
  private readonly logger = new Logger(AlertDispatcher.name);
  private readonly retryBaseMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly alerts: AlertsRepository,
    private readonly sender: ChannelSender,
    private readonly plans: PlanAllowances,
    @Inject(BATON_CONFIG)
    private readonly config: Pick<RuntimeConfig, 'publicUrl' | 'ALERT_MAX_ATTEMPTS' | 'ALERT_RETRY_BASE' | 'ALERT_DELIVERY_TIMEOUT'>,
  ) {
    this.retryBaseMs = parseDuration(config.ALERT_RETRY_BASE)!;
    this.timeoutMs = parseDuration(config.ALERT_DELIVERY_TIMEOUT)!;
  }

  /** Records what is new (each alert once) with its pending deliveries; returns how many alerts. */
  async detect(): Promise<number> {
    const usage = this.plans.monthlyAllowances() ?? { allowances: [], defaultPlan: null };
    let total = 0;
    for (;;) {
      const { alerts, deliveries } = await this.alerts.recordNewAlerts(LOOK_BACK, DETECT_BATCH, usage);
      if (alerts) this.logger.log(`Recorded ${alerts} alert(s), ${deliveries} delivery(ies) to make`);
      total += alerts;
      if (alerts < DETECT_BATCH) return total;
    }
  }

  /** Makes one attempt of every delivery that is due, a batch at a time, the batch's requests at once. */
  async deliverDue(): Promise<number> {
    // A claim outlives its attempt: one that is still pending after it was given up by a dead replica.
    const leaseMs = this.timeoutMs * 2 + 30_000;
    let total = 0;
    for (;;) {
      const due = await this.alerts.claimDue(DELIVERY_BATCH, leaseMs);
      await Promise.all(due.map((delivery) => this.attempt(delivery)));
      total += due.length;
      if (due.length < DELIVERY_BATCH) return total;
    }
  }

  private async attempt(delivery: DueDelivery): Promise<void> {
    const { alert, runStatus, channel } = delivery;
    const result = await this.sender.send(channel, {
      deliveryId: delivery.deliveryId,
      summary: summarize(alert, runStatus, this.config.publicUrl),
      payload: alertPayload(alert, runStatus, this.config.publicUrl),
    });
    const outcome: AttemptOutcome = result.delivered
      ? { status: 'delivered' }
      : delivery.attempt >= this.config.ALERT_MAX_ATTEMPTS
        ? { status: 'failed' }
        : { status: 'pending', retryInMs: retryDelayMs(delivery.attempt, this.retryBaseMs) };
    if (outcome.status === 'failed')
      this.logger.warn(
        `Alert delivery ${delivery.deliveryId} to channel ${channel.id} gave up after ${delivery.attempt} attempt(s): ${result.error}`,
      );
    // A channel deleted meanwhile takes its deliveries with it: nothing is left to record.
    await this.alerts
      .finishAttempt(delivery.deliveryId, delivery.attempt, result, outcome)
      .catch((error: Error) =>
        this.logger.warn(`Alert delivery ${delivery.deliveryId}: attempt ${delivery.attempt} not recorded: ${error.message}`),
      );
  }
}
