import { BatonError } from '../common/errors/baton-error.js';
import type { LimitName, Plan } from '../runtime/ledger/plans.js';

const STATUS = {
  billing_disabled: 404,
  unknown_plan: 400,
  plan_not_sold: 400,
  plan_current: 409,
  no_billing_account: 409,
  invalid_signature: 400,
  missing_raw_body: 400,
  payment_overdue: 403,
  stripe_unavailable: 502,
} as const;
export type BillingErrorCode = keyof typeof STATUS;

export class BillingError extends BatonError {
  constructor(code: BillingErrorCode, message: string, extensions?: Record<string, unknown>) {
    super(code, STATUS[code], message, undefined, undefined, extensions);
  }
}

/** Limits counted over time answer 429 (wait, or upgrade); the others 403 (upgrade). */
const RATE_LIKE: ReadonlySet<LimitName> = new Set(['runsPerMonth', 'concurrentRuns', 'stepSecondsPerMonth']);

/**
 * A plan limit was reached. The problem names the limit, the current plan, what is used and
 * allowed, and the cheapest plan that lifts it (if any is sold).
 */
export class PlanLimitError extends BatonError {
  constructor(
    limit: LimitName,
    plan: Plan,
    detail: { used?: number; max?: number | null; plugin?: string; retryAfterSeconds?: number },
    upgradeTo: Plan | undefined,
  ) {
    const status = RATE_LIKE.has(limit) ? 429 : 403;
    const lift = upgradeTo ? ` The ${upgradeTo.name} plan lifts it: POST /v1/billing/checkout { "plan": "${upgradeTo.name}" }.` : '';
    const what =
      limit === 'plugins'
        ? `The ${plan.name} plan does not include the plugin ${detail.plugin}.`
        : `The ${plan.name} plan allows ${detail.max} ${limit}; ${detail.used} used.`;
    super(
      'plan_limit_reached',
      status,
      what + lift,
      undefined,
      status === 429 ? { 'retry-after': String(detail.retryAfterSeconds ?? 60) } : undefined,
      {
        limit,
        plan: plan.name,
        ...(detail.plugin ? { plugin: detail.plugin } : { used: detail.used, max: detail.max }),
        upgradeTo: upgradeTo?.name ?? null,
      },
    );
  }
}
