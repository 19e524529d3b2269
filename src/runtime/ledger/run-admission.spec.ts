import { describe, expect, it } from 'vitest';
import { PlanCatalog, SELF_HOSTED_PLAN } from './plans.js';
import { AdmissionRefused, checkRunLimits, RunAdmission } from './run-admission.js';

const catalog = PlanCatalog.load({ priceIds: { team: 'price_team', enterprise: 'price_enterprise' } });
const free = catalog.get('free');
const refusal = (check: () => void) => {
  try {
    check();
  } catch (error) {
    return error as AdmissionRefused;
  }
  return undefined;
};

describe(checkRunLimits.name, () => {
  const now = new Date('2031-05-31T23:59:00Z');

  it("refuses a top-level run past the month's runs, naming the limit and the plan that lifts it", () => {
    const monthly = refusal(() => checkRunLimits(free, catalog, { runs: 1_000, stepSeconds: 0 }, false, now));
    expect(monthly).toBeInstanceOf(AdmissionRefused);
    // Waits for the next month: one minute from `now`.
    expect(monthly).toMatchObject({
      code: 'plan_limit_reached',
      detail: { limit: 'runsPerMonth', used: 1_000, max: 1_000, retryAfterSeconds: 60 },
    });
    expect(monthly!.detail.upgradeTo?.name).toBe('team');
  });

  it('counts a child run only against step-seconds: its top run is the one that counted', () => {
    expect(refusal(() => checkRunLimits(free, catalog, { runs: 1_000, stepSeconds: 0 }, true, now))).toBeUndefined();
    expect(refusal(() => checkRunLimits(free, catalog, { runs: 0, stepSeconds: 36_000 }, true, now))).toMatchObject({
      detail: { limit: 'stepSecondsPerMonth' },
    });
  });

  it('lets everything through under the limits, and on the unlimited self-hosted plan', () => {
    expect(refusal(() => checkRunLimits(free, catalog, { runs: 999, stepSeconds: 35_999 }, false, now))).toBeUndefined();
    expect(refusal(() => checkRunLimits(SELF_HOSTED_PLAN, catalog, { runs: 10 ** 9, stepSeconds: 10 ** 9 }, false, now))).toBeUndefined();
  });
});

describe(RunAdmission.name, () => {
  it("holds every plan to a fan-out budget: its own, else the installation's, also with billing off", () => {
    const billing = new RunAdmission({ billing: true, catalog, gracePeriodMs: 0, fanOutBudget: 500 });
    expect(billing.fanOutBudget(billing.planNamed('free'))).toBe(2_000);
    expect(billing.fanOutBudget(billing.planNamed('enterprise'))).toBe(100_000);
    const custom = PlanCatalog.load({ file: undefined, priceIds: {} });
    expect(
      new RunAdmission({ billing: true, catalog: custom, gracePeriodMs: 0, fanOutBudget: 500 }).fanOutBudget({
        ...free,
        limits: { ...free.limits, fanOutPerRun: undefined },
      }),
    ).toBe(500);
    const selfHosted = new RunAdmission({ billing: false, catalog, gracePeriodMs: 0, fanOutBudget: 500 });
    expect(selfHosted.planNamed('free').name).toBe('self-hosted');
    expect(selfHosted.fanOutBudget(selfHosted.planNamed('free'))).toBe(500);
  });

  it('names the plan that lifts a fan-out budget only when a sold plan names a bigger one', () => {
    expect(catalog.liftingPlan(free, 'fanOutPerRun', 5_000)?.name).toBe('team');
    expect(catalog.liftingPlan(free, 'fanOutPerRun', 10 ** 7)).toBeUndefined();
  });
});
