import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { parseDuration } from '../../workers/contracts/duration.js';
import { TenantRequestLimits } from '../common/rate-limit/rate-limit.guard.js';
import { BatonError } from '../common/errors/baton-error.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { allows, PlanCatalog, SELF_HOSTED_PLAN, type LimitName, type Plan } from '../runtime/ledger/plans.js';
import { AdmissionRefused, graceEndsAt, RunAdmission } from '../runtime/ledger/run-admission.js';
import { BillingError, PlanLimitError } from './billing.errors.js';
import { BillingRepository } from './billing.repository.js';
import { StripeGateway } from './stripe.provider.js';

export { graceEndsAt, usagePeriod } from '../runtime/ledger/run-admission.js';

const PLAN_TTL_MS = 5_000;

/** An admission refusal as the API answers it: problem+json with the limit, or the tenant's standing. */
export function toHttpError(refusal: AdmissionRefused): BatonError {
  const { detail } = refusal;
  if (refusal.code === 'payment_overdue') {
    return new BillingError('payment_overdue', refusal.message, {
      pastDueSince: detail.pastDueSince?.toISOString(),
      graceEndedAt: detail.graceEndedAt?.toISOString(),
    });
  }
  if (refusal.code === 'tenant_suspended') return new BatonError('tenant_suspended', 403, refusal.message);
  return new PlanLimitError(
    detail.limit!,
    detail.plan!,
    { used: detail.used, max: detail.max, retryAfterSeconds: detail.retryAfterSeconds },
    detail.upgradeTo,
  );
}

/**
 * What a tenant's plan allows, checked where the action happens (run start, pipeline save,
 * plugin enable, schedule create). With billing off everything is allowed.
 */
@Injectable()
export class EntitlementsService extends TenantRequestLimits {
  private readonly plans = new Map<string, { plan: Plan; at: number }>();
  readonly gracePeriodMs: number;
  /** The admission every door to a run goes through (the worker has its own instance). */
  readonly admission: RunAdmission;

  constructor(
    private readonly billing: BillingRepository,
    private readonly catalog: PlanCatalog,
    private readonly stripe: StripeGateway,
    @Inject(BATON_CONFIG)
    private readonly config: Pick<
      RuntimeConfig,
      'BILLING_GRACE_PERIOD' | 'RATE_LIMIT_PER_MINUTE' | 'RUN_RETENTION_DAYS' | 'RUN_FAN_OUT_BUDGET'
    >,
  ) {
    super();
    this.gracePeriodMs = parseDuration(config.BILLING_GRACE_PERIOD)!;
    this.admission = new RunAdmission({
      billing: stripe.enabled,
      catalog,
      gracePeriodMs: this.gracePeriodMs,
      fanOutBudget: config.RUN_FAN_OUT_BUDGET,
    });
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

  /** Each plan's monthly allowances of runs and step-seconds (what usage alerts measure against); null with billing off. */
  monthlyAllowances(): {
    allowances: Array<{ plan: string; measure: 'runsPerMonth' | 'stepSecondsPerMonth'; allowed: number }>;
    defaultPlan: string;
  } | null {
    if (!this.enabled) return null;
    const measures = ['runsPerMonth', 'stepSecondsPerMonth'] as const;
    return {
      defaultPlan: this.catalog.defaultPlan.name,
      allowances: this.catalog.plans.flatMap((plan) =>
        measures.flatMap((measure) => (plan.limits[measure] === null ? [] : [{ plan: plan.name, measure, allowed: plan.limits[measure] }])),
      ),
    };
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
    const plans = this.enabled
      ? this.catalog.plans
      : [{ ...SELF_HOSTED_PLAN, limits: { ...SELF_HOSTED_PLAN.limits, retentionDays: this.config.RUN_RETENTION_DAYS ?? null } }];
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

  async assertCanAddPipeline(tenantId: string): Promise<void> {
    if (!this.enabled) return;
    this.check(await this.planOf(tenantId), 'pipelines', await this.billing.countPipelines(tenantId));
  }

  /** For the schedules feature: `existing` is how many schedules the tenant has now. */
  async assertCanAddSchedule(tenantId: string, existing: number): Promise<void> {
    if (!this.enabled) return;
    this.check(await this.planOf(tenantId), 'schedules', existing);
  }

  /** For AMQP and NATS triggers: `existing` is how many the tenant has now. */
  async assertCanAddBrokerTrigger(tenantId: string, existing: number): Promise<void> {
    if (!this.enabled) return;
    this.check(await this.planOf(tenantId), 'brokerTriggers', existing);
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
      if (!allows(plan, 'plugins', plugin))
        throw new PlanLimitError('plugins', plan, { plugin }, this.catalog.liftingPlan(plan, 'plugins', plugin));
    }
  }

  /** Throws when one more would exceed the limit (`used` is what exists now). */
  private check(plan: Plan, limit: Exclude<LimitName, 'plugins' | 'fanOutPerRun'>, used: number, retryAfterSeconds?: number): void {
    const max = plan.limits[limit];
    if (max === null || used < max) return;
    throw new PlanLimitError(limit, plan, { used, max, retryAfterSeconds }, this.catalog.liftingPlan(plan, limit, used + 1));
  }
}
