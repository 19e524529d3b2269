import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { parseDuration } from '../../workers/contracts/duration.js';
import { TenantRequestLimits } from '../common/rate-limit/rate-limit.guard.js';
import { BATON_CONFIG, type RuntimeConfig } from '../config/runtime-config.js';
import { BillingError, PlanLimitError } from './billing.errors.js';
import { BillingRepository, type BillingAccountRow } from './billing.repository.js';
import { allows, PlanCatalog, SELF_HOSTED_PLAN, type LimitName, type Plan } from './plans.js';
import { StripeGateway } from './stripe.provider.js';

const PLAN_TTL_MS = 5_000;

/** Start of the calendar month (UTC) that usage limits count in, and of the next one. */
export function usagePeriod(now = new Date()): { start: Date; end: Date } {
  return { start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)), end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)) };
}

/** When a tenant whose payment failed stops being served; null when its payments are in order. */
export function graceEndsAt(account: Pick<BillingAccountRow, 'pastDueSince'> | null, gracePeriodMs: number): Date | null {
  return account?.pastDueSince ? new Date(account.pastDueSince.getTime() + gracePeriodMs) : null;
}

/**
 * What a tenant's plan allows, checked where the action happens (run start, pipeline save,
 * plugin enable, schedule create). With billing off everything is allowed.
 */
@Injectable()
export class EntitlementsService extends TenantRequestLimits {
  private readonly plans = new Map<string, { plan: Plan; at: number }>();
  readonly gracePeriodMs: number;

  constructor(
    private readonly billing: BillingRepository,
    private readonly catalog: PlanCatalog,
    private readonly stripe: StripeGateway,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'BILLING_GRACE_PERIOD' | 'RATE_LIMIT_PER_MINUTE' | 'RUN_RETENTION_DAYS'>,
  ) {
    super();
    this.gracePeriodMs = parseDuration(config.BILLING_GRACE_PERIOD)!;
  }

  get enabled(): boolean {
    return this.stripe.enabled;
  }

  /** The plan a new tenant starts on. */
  initialPlanName(): string {
    return this.enabled ? this.catalog.defaultPlan.name : SELF_HOSTED_PLAN.name;
  }

  async planOf(tenantId: string, tx?: EntityManager): Promise<Plan> {
    if (!this.enabled) return SELF_HOSTED_PLAN;
    return this.catalog.get((await this.billing.tenantPlan(tenantId, tx)) ?? this.catalog.defaultPlan.name);
  }

  /** This replica forgets what it cached, e.g. after a webhook changed the plan. */
  forget(tenantId: string): void {
    this.plans.delete(tenantId);
  }

  /**
   * How long each plan keeps finished runs. Only tenants on a configured plan are pruned: a tenant
   * whose plan is gone from the configuration keeps its data rather than losing it to a fallback.
   */
  retentionByPlan(): Array<{ plan: string; days: number }> {
    const plans = this.enabled ? this.catalog.plans : [{ ...SELF_HOSTED_PLAN, limits: { ...SELF_HOSTED_PLAN.limits, retentionDays: this.config.RUN_RETENTION_DAYS ?? null } }];
    return plans.flatMap((p) => (p.limits.retentionDays === null ? [] : [{ plan: p.name, days: p.limits.retentionDays }]));
  }

  async requestsPerMinute(tenantId: string): Promise<number> {
    const cached = this.plans.get(tenantId);
    let plan = cached && Date.now() - cached.at < PLAN_TTL_MS ? cached.plan : undefined;
    if (!plan) {
      plan = await this.planOf(tenantId);
      if (this.plans.size >= 10_000) this.plans.delete(this.plans.keys().next().value!);
      this.plans.set(tenantId, { plan, at: Date.now() });
    }
    return plan.limits.requestsPerMinute ?? this.config.RATE_LIMIT_PER_MINUTE;
  }

  /**
   * Called inside the transaction that records a new run: refuses it past the payment grace
   * period or over the run, step-second or concurrency limits. Run starts of one tenant are
   * serialised here, so concurrent starts cannot overshoot.
   */
  async admitRun(tenantId: string, tx: EntityManager): Promise<void> {
    if (!this.enabled) return;
    await this.billing.lockRunStarts(tx, tenantId);
    // Every query on the run's own connection: a second one per start could exhaust the pool under load.
    const [plan, account] = [await this.planOf(tenantId, tx), await this.billing.findAccount(tenantId, tx)];
    const overdueFrom = graceEndsAt(account, this.gracePeriodMs);
    if (overdueFrom && overdueFrom <= new Date()) {
      throw new BillingError('payment_overdue', `Payment has failed since ${account!.pastDueSince!.toISOString()} and the grace period ended ${overdueFrom.toISOString()}: runs are refused until an invoice is paid (POST /v1/billing/portal)`, { pastDueSince: account!.pastDueSince!.toISOString(), graceEndedAt: overdueFrom.toISOString() });
    }
    const period = usagePeriod();
    const usage = await this.billing.usage(tenantId, period.start, tx);
    const untilNextPeriod = Math.max(1, Math.ceil((period.end.getTime() - Date.now()) / 1000));
    this.check(plan, 'concurrentRuns', usage.activeRuns, 10);
    this.check(plan, 'runsPerMonth', usage.runs, untilNextPeriod);
    this.check(plan, 'stepSecondsPerMonth', usage.stepSeconds, untilNextPeriod);
    await this.billing.countRunStart(tx, tenantId, period.start);
  }

  async assertCanAddPipeline(tenantId: string): Promise<void> {
    if (!this.enabled) return;
    this.check(await this.planOf(tenantId), 'pipelines', await this.billing.countPipelines(tenantId));
  }

  /** For the schedules feature: `existing` is how many schedules the tenant has now. */
  async assertCanAddSchedule(tenantId: string, existing: number): Promise<void> {
    if (!this.enabled) return;
    this.check(await this.planOf(tenantId), 'schedules', existing);
  }

  /** How many schedules the tenant's plan lets fire (the oldest ones), null for any number. */
  async scheduleLimit(tenantId: string): Promise<number | null> {
    return (await this.planOf(tenantId)).limits.schedules;
  }

  /** Past the grace period after a failed payment: runs are refused and schedules paused. */
  async paymentOverdue(tenantId: string): Promise<boolean> {
    if (!this.enabled) return false;
    const ends = graceEndsAt(await this.billing.findAccount(tenantId), this.gracePeriodMs);
    return ends !== null && ends <= new Date();
  }

  async assertPluginsAllowed(tenantId: string, plugins: Iterable<string>): Promise<void> {
    if (!this.enabled) return;
    const plan = await this.planOf(tenantId);
    for (const plugin of new Set(plugins)) {
      if (!allows(plan, 'plugins', plugin)) throw new PlanLimitError('plugins', plan, { plugin }, this.catalog.liftingPlan(plan, 'plugins', plugin));
    }
  }

  /** Throws when one more would exceed the limit (`used` is what exists now). */
  private check(plan: Plan, limit: Exclude<LimitName, 'plugins'>, used: number, retryAfterSeconds?: number): void {
    const max = plan.limits[limit];
    if (max === null || used < max) return;
    throw new PlanLimitError(limit, plan, { used, max, retryAfterSeconds }, this.catalog.liftingPlan(plan, limit, used + 1));
  }
}
