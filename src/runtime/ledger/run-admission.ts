import { parseDuration } from '../../../workers/contracts/duration.js';
import type { RunTrigger } from '../../../workers/contracts/index.js';
import type { BatonConfig } from '../config/config.js';
import { PlanCatalog, SELF_HOSTED_PLAN, type LimitName, type Plan } from './plans.js';
import { RunAdmissionRepository, type AdmissionUsage } from './run-admission.repository.js';
import { type Sql } from '../database/sql.js';

export type AdmissionRefusalCode = 'plan_limit_reached' | 'payment_overdue' | 'tenant_suspended' | 'fan_out_budget_exceeded';

export interface AdmissionRefusalDetail {
  limit?: LimitName;
  plan?: Plan;
  used?: number;
  max?: number | null;
  /** The cheapest sold plan that lifts the limit, if any. */
  upgradeTo?: Plan;
  retryAfterSeconds?: number;
  pastDueSince?: Date;
  graceEndedAt?: Date;
}

/** A run (or a fan-out) the tenant's plan or standing does not allow now. */
export class AdmissionRefused extends Error {
  constructor(
    readonly code: AdmissionRefusalCode,
    message: string,
    readonly detail: AdmissionRefusalDetail = {},
  ) {
    super(message);
  }
}

export interface RunAdmissionOptions {
  /** Billing on (STRIPE_SECRET_KEY set): each tenant is held to its plan; off, to the self-hosted plan. */
  billing: boolean;
  catalog: PlanCatalog;
  gracePeriodMs: number;
  /** RUN_FAN_OUT_BUDGET: the budget of the self-hosted plan and of plans that name none. */
  fanOutBudget: number;
}

/**
 * Who asks to start a run. Every door (the API, triggers, retries, schedule fires and backfills,
 * `pipeline/run` child runs) describes its run this way, so that one function decides.
 */
export interface RunAdmissionRequest {
  tenantId: string;
  trigger: RunTrigger;
  /** The run whose step starts this one (`pipeline/run`): the new run is part of that run's tree. */
  parentRunId?: string | null;
}

export interface RunAdmitted {
  /** The run at the top of the new run's tree; null when the new run is a top itself. */
  rootRunId: string | null;
}

/** Start of the calendar month (UTC) that usage limits count in, and of the next one. */
export function usagePeriod(now = new Date()): { start: Date; end: Date } {
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}

/** When a tenant whose payment failed stops being served; null when its payments are in order. */
export function graceEndsAt(account: { pastDueSince: Date | null } | null, gracePeriodMs: number): Date | null {
  return account?.pastDueSince ? new Date(account.pastDueSince.getTime() + gracePeriodMs) : null;
}

/**
 * The plan's limits on one run start, given what is used now; throws the first one it passes.
 * Child runs are part of their top run, which alone counts towards runs. Concurrency is no
 * refusal: a run past it waits, queued, for a slot (`takeSlot`).
 */
export function checkRunLimits(
  plan: Plan,
  catalog: PlanCatalog,
  usage: Omit<AdmissionUsage, 'activeRuns'>,
  child: boolean,
  now = new Date(),
): void {
  const period = usagePeriod(now);
  const untilNextPeriod = Math.max(1, Math.ceil((period.end.getTime() - now.getTime()) / 1000));
  if (!child) checkLimit(plan, catalog, 'runsPerMonth', usage.runs, untilNextPeriod);
  checkLimit(plan, catalog, 'stepSecondsPerMonth', usage.stepSeconds, untilNextPeriod);
}

function checkLimit(
  plan: Plan,
  catalog: PlanCatalog,
  limit: 'runsPerMonth' | 'stepSecondsPerMonth',
  used: number,
  retryAfterSeconds: number,
): void {
  const max = plan.limits[limit];
  if (max === null || used < max) return;
  throw new AdmissionRefused('plan_limit_reached', `The ${plan.name} plan allows ${max} ${limit}; ${used} used.`, {
    limit,
    plan,
    used,
    max,
    retryAfterSeconds,
    upgradeTo: catalog.liftingPlan(plan, limit, used + 1),
  });
}

/**
 * The one admission of runs, free of Nest so that the API and the worker both use it: the tenant
 * must be active, its payments in order, its plan's run and step-second limits not reached, and a
 * run started by another run must fit its tree's fan-out budget. Called by the run ledger in the
 * transaction that records the run, before the run's row is inserted. A top-level run then starts
 * only once it takes one of the plan's concurrent-run slots (`takeSlot`); until then it is queued.
 */
export class RunAdmission {
  private readonly repository = new RunAdmissionRepository();

  constructor(private readonly options: RunAdmissionOptions) {}

  /** The plan a tenant is held to, by the plan name on its row. */
  planNamed(name: string | null): Plan {
    if (!this.options.billing) return SELF_HOSTED_PLAN;
    return this.options.catalog.get(name ?? this.options.catalog.defaultPlan.name);
  }

  /** Child runs and `forEach` items one run may cause under `plan`, nesting included. */
  fanOutBudget(plan: Plan): number {
    return plan.limits.fanOutPerRun ?? this.options.fanOutBudget;
  }

  async admit(sql: Sql, request: RunAdmissionRequest): Promise<RunAdmitted> {
    const { tenantId } = request;
    const child = Boolean(request.parentRunId);
    const standing = await this.repository.standing(sql, tenantId);
    if (!standing) throw new Error(`Tenant ${tenantId} was not found`);
    if (standing.status !== 'active')
      throw new AdmissionRefused('tenant_suspended', 'This tenant is suspended; the installation operator can resume it');
    const plan = this.planNamed(standing.plan);
    if (this.options.billing) {
      const overdueFrom = graceEndsAt(standing, this.options.gracePeriodMs);
      if (overdueFrom && overdueFrom <= new Date()) {
        throw new AdmissionRefused(
          'payment_overdue',
          `Payment has failed since ${standing.pastDueSince!.toISOString()} and the grace period ended ${overdueFrom.toISOString()}: runs are refused until an invoice is paid (POST /v1/billing/portal)`,
          { pastDueSince: standing.pastDueSince!, graceEndedAt: overdueFrom },
        );
      }
      const period = usagePeriod();
      checkRunLimits(plan, this.options.catalog, await this.repository.usage(sql, tenantId, period.start), child);
      if (!child) await this.repository.countRunStart(sql, tenantId, period.start);
    }
    if (!child) return { rootRunId: null };
    return { rootRunId: await this.charge(sql, tenantId, request.parentRunId!, 1, plan, 'child run') };
  }

  /**
   * Gives the queued top-level run `runId` one of its plan's concurrent-run slots if one is free
   * (true), or leaves it waiting (false). In the transaction that starts its workflow; starts of
   * one tenant queue on a lock here, so two cannot take the last slot. Idempotent.
   */
  async takeSlot(sql: Sql, tenantId: string, runId: string): Promise<boolean> {
    if (this.options.billing) {
      await this.repository.lockRunStarts(sql, tenantId);
      const standing = await this.repository.standing(sql, tenantId);
      const max = this.planNamed(standing?.plan ?? null).limits.concurrentRuns;
      if (
        max !== null &&
        !(await this.repository.holdsSlot(sql, tenantId, runId)) &&
        (await this.repository.slotsTaken(sql, tenantId)) >= max
      )
        return false;
    }
    await this.repository.markAdmitted(sql, tenantId, runId);
    return true;
  }

  /** Charges the `items` of a `forEach` step of `runId` to its tree's fan-out budget. */
  async admitFanOut(sql: Sql, tenantId: string, runId: string, items: number): Promise<void> {
    const standing = await this.repository.standing(sql, tenantId);
    if (!standing) throw new Error(`Tenant ${tenantId} was not found`);
    await this.charge(sql, tenantId, runId, items, this.planNamed(standing.plan), `fan-out of ${items} item(s)`);
  }

  private async charge(sql: Sql, tenantId: string, runId: string, units: number, plan: Plan, what: string): Promise<string> {
    const budget = this.fanOutBudget(plan);
    const charge = await this.repository.chargeFanOut(sql, tenantId, runId, units, budget);
    if (!charge.rootRunId) throw new Error(`Run ${runId} was not found`);
    if (charge.used === null) {
      const upgradeTo = this.options.billing ? this.options.catalog.liftingPlan(plan, 'fanOutPerRun', charge.before + units) : undefined;
      throw new AdmissionRefused(
        'fan_out_budget_exceeded',
        `Run ${charge.rootRunId} and the runs it started have caused ${charge.before} child runs and forEach items; this ${what} would pass the ${budget} the ${plan.name} plan allows one run`,
        { limit: 'fanOutPerRun', plan, used: charge.before, max: budget, ...(upgradeTo ? { upgradeTo } : {}) },
      );
    }
    return charge.rootRunId;
  }
}

/**
 * The admission of a process that is not the API (the worker): billing is on exactly when it is
 * for the API (STRIPE_SECRET_KEY), with the same plans, so workers need the same billing variables.
 */
export function runAdmissionFor(
  config: Pick<
    BatonConfig,
    'STRIPE_SECRET_KEY' | 'BILLING_PLANS_FILE' | 'BILLING_PRICE_IDS' | 'BILLING_GRACE_PERIOD' | 'RUN_FAN_OUT_BUDGET'
  >,
): RunAdmission {
  return new RunAdmission({
    billing: Boolean(config.STRIPE_SECRET_KEY),
    catalog: PlanCatalog.load({ file: config.BILLING_PLANS_FILE, priceIds: config.BILLING_PRICE_IDS }),
    gracePeriodMs: parseDuration(config.BILLING_GRACE_PERIOD)!,
    fanOutBudget: config.RUN_FAN_OUT_BUDGET,
  });
}
