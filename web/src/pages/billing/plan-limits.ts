import type { Plan } from './billing-api';

const number = new Intl.NumberFormat();

/** How a limit reads to a person; step-seconds are shown as minutes, the unit people reason about. */
const LIMITS: Record<string, { label: string; scale?: number; unit?: string }> = {
  pipelines: { label: 'Pipelines' },
  runsPerMonth: { label: 'Runs a month' },
  stepSecondsPerMonth: { label: 'Step-minutes a month', scale: 60 },
  concurrentRuns: { label: 'Concurrent runs' },
  schedules: { label: 'Schedules' },
  retentionDays: { label: 'Run history kept', unit: 'days' },
  requestsPerMinute: { label: 'API requests a minute' },
  fanOutPerRun: { label: 'Child runs and items per run' },
};

const humanize = (key: string) => key.replace(/([A-Z])/g, ' $1').replace(/^./, (first) => first.toUpperCase());

export const limitLabel = (key: string) => LIMITS[key]?.label ?? humanize(key);

/** A count in the limit's own unit (minutes for step-seconds). */
export function inLimitUnit(key: string, value: number): string {
  const scale = LIMITS[key]?.scale ?? 1;
  const unit = LIMITS[key]?.unit;
  return number.format(Math.ceil(value / scale)) + (unit ? ` ${unit}` : '');
}

/** A limit as a plan states it: a number, unlimited (null), or the installation's own (left out). */
export function describeLimit(key: string, value: number | null | undefined): string {
  if (value === undefined) return "the installation's";
  return value === null ? 'Unlimited' : inLimitUnit(key, value);
}

/** Every limit any of the plans names, in the order above, unknown ones last. */
export function limitKeys(plans: Plan[]): string[] {
  const named = new Set(plans.flatMap((plan) => Object.keys(plan.limits)));
  return [...Object.keys(LIMITS).filter((key) => named.has(key)), ...[...named].filter((key) => !(key in LIMITS))];
}

export const describePlugins = (plugins: string[]) => (plugins.includes('*') ? 'All' : plugins.join(', '));
