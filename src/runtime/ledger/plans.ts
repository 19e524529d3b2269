import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';

/**
 * What a plan lets a tenant do. `null` is unlimited. Counted per calendar month (UTC) where the
 * name says so; `plugins` lists plugin names (`*` for all). `fanOutPerRun` is never unlimited:
 * left out, the installation's RUN_FAN_OUT_BUDGET applies.
 */
const limitsSchema = z.strictObject({
  pipelines: z.number().int().min(0).nullable().default(null),
  runsPerMonth: z.number().int().min(0).nullable().default(null),
  concurrentRuns: z.number().int().min(0).nullable().default(null),
  schedules: z.number().int().min(0).nullable().default(null),
  stepSecondsPerMonth: z.number().int().min(0).nullable().default(null),
  retentionDays: z.number().int().min(1).nullable().default(null),
  requestsPerMinute: z.number().int().min(1).nullable().default(null),
  /** AMQP and NATS triggers, enabled or not: each holds a connection to a broker. */
  brokerTriggers: z.number().int().min(0).nullable().default(null),
  /** Child runs and `forEach` items one run may cause, nesting included. */
  fanOutPerRun: z.number().int().min(1).optional(),
});
export type PlanLimits = z.output<typeof limitsSchema>;
export type LimitName = keyof PlanLimits | 'plugins';

const planSchema = z.strictObject({
  title: z.string().min(1),
  /** The Stripe price a checkout for this plan subscribes to; null for plans that are not sold. */
  priceId: z.string().min(1).nullable().default(null),
  limits: limitsSchema.default(limitsSchema.parse({})),
  plugins: z.array(z.string().min(1)).min(1).default(['*']),
});
export type Plan = z.output<typeof planSchema> & { name: string };

const plansFileSchema = z
  .strictObject({
    defaultPlan: z.string().min(1),
    plans: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'plan names are lower-case words'), planSchema),
  })
  .refine((file) => file.defaultPlan in file.plans, { message: 'defaultPlan must name one of the plans', path: ['defaultPlan'] });

const FIRST_PARTY = [
  'core',
  'pipeline',
  'http',
  'files',
  'transform',
  'quality',
  'postgres',
  'ml',
  'mysql',
  's3',
  'mail',
  'amqp',
  'nats',
  'mqtt',
  'redis',
  'sql',
  'script',
];

/** The plans when no BILLING_PLANS_FILE is given; price ids come from BILLING_PRICE_IDS. */
const BUILT_IN = {
  defaultPlan: 'free',
  plans: {
    free: {
      title: 'Free',
      limits: {
        pipelines: 5,
        runsPerMonth: 1_000,
        concurrentRuns: 2,
        schedules: 3,
        stepSecondsPerMonth: 36_000,
        retentionDays: 7,
        requestsPerMinute: 300,
        brokerTriggers: 1,
        fanOutPerRun: 2_000,
      },
      plugins: FIRST_PARTY,
    },
    team: {
      title: 'Team',
      limits: {
        pipelines: 100,
        runsPerMonth: 50_000,
        concurrentRuns: 20,
        schedules: 100,
        stepSecondsPerMonth: 3_600_000,
        retentionDays: 30,
        requestsPerMinute: 1_200,
        brokerTriggers: 20,
        fanOutPerRun: 20_000,
      },
    },
    enterprise: {
      title: 'Enterprise',
      limits: {
        pipelines: null,
        runsPerMonth: null,
        concurrentRuns: 200,
        schedules: null,
        stepSecondsPerMonth: null,
        retentionDays: 365,
        requestsPerMinute: 6_000,
        fanOutPerRun: 100_000,
      },
    },
  },
};

/** Billing off: one plan, no limits but the installation's own. */
export const SELF_HOSTED_PLAN: Plan = { name: 'self-hosted', ...planSchema.parse({ title: 'Self-hosted' }) };

/** The plans in order of price (the order they are written in), so "the plan that lifts a limit" is the cheapest. */
export class PlanCatalog {
  private constructor(
    readonly plans: Plan[],
    readonly defaultPlan: Plan,
  ) {}

  static load(options: { file?: string; priceIds?: Record<string, string> }): PlanCatalog {
    const raw = options.file ? YAML.parse(readFileSync(options.file, 'utf8')) : withPriceIds(BUILT_IN, options.priceIds ?? {});
    const parsed = plansFileSchema.safeParse(raw);
    if (!parsed.success) {
      const where = options.file ?? 'the built-in plans';
      throw new Error(
        `Invalid plans in ${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    }
    const unknown = Object.keys(options.priceIds ?? {}).filter((name) => !(name in parsed.data.plans));
    if (!options.file && unknown.length) throw new Error(`BILLING_PRICE_IDS names plans that do not exist: ${unknown.join(', ')}`);
    const plans = Object.entries(parsed.data.plans).map(([name, plan]) => ({ name, ...plan }));
    return new PlanCatalog(
      plans,
      plans.find((p) => p.name === parsed.data.defaultPlan)!,
    );
  }

  /** A tenant on a plan that is no longer configured falls back to the default plan. */
  get(name: string): Plan {
    return this.plans.find((p) => p.name === name) ?? this.defaultPlan;
  }

  find(name: string): Plan | undefined {
    return this.plans.find((p) => p.name === name);
  }

  byPriceId(priceId: string): Plan | undefined {
    return this.plans.find((p) => p.priceId === priceId);
  }

  /** The cheapest sold plan after `current` whose limit allows `needed`, if any. */
  liftingPlan(current: Plan, limit: LimitName, needed: number | string): Plan | undefined {
    const after = this.plans.slice(this.plans.indexOf(current) + 1).filter((p) => p.priceId);
    return after.find((plan) => allows(plan, limit, needed));
  }
}

export function allows(plan: Plan, limit: LimitName, needed: number | string): boolean {
  if (limit === 'plugins') return plan.plugins.includes('*') || plan.plugins.includes(String(needed));
  const max = plan.limits[limit];
  // A left-out fan-out budget is the installation's, which a plan can only lift by naming a number.
  if (max === undefined) return false;
  return max === null || Number(needed) <= max;
}

function withPriceIds(file: typeof BUILT_IN, priceIds: Record<string, string>) {
  return {
    ...file,
    plans: Object.fromEntries(Object.entries(file.plans).map(([name, plan]) => [name, { ...plan, priceId: priceIds[name] ?? null }])),
  };
}
