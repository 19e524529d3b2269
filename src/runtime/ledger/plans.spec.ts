import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allows, PlanCatalog } from './plans.js';

function plansFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'plans-')), 'plans.yaml');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe(PlanCatalog.name, () => {
  it('has free, team and enterprise built in, with price ids from BILLING_PRICE_IDS', () => {
    const catalog = PlanCatalog.load({ priceIds: { team: 'price_t' } });
    expect(catalog.plans.map((p) => p.name)).toEqual(['free', 'team', 'enterprise']);
    expect(catalog.defaultPlan.name).toBe('free');
    expect(catalog.byPriceId('price_t')?.name).toBe('team');
    expect(catalog.find('enterprise')?.priceId).toBeNull();
    expect(() => PlanCatalog.load({ priceIds: { gold: 'price_g' } })).toThrow(/gold/);
  });

  it('reads a YAML plans file, unlimited where a limit is left out', () => {
    const catalog = PlanCatalog.load({
      file: plansFile('defaultPlan: basic\nplans:\n  basic:\n    title: Basic\n    limits: { pipelines: 1 }\n    plugins: [core]\n'),
    });
    const basic = catalog.get('basic');
    expect(basic.limits).toMatchObject({ pipelines: 1, runsPerMonth: null });
    expect(allows(basic, 'plugins', 'core')).toBe(true);
    expect(allows(basic, 'plugins', 'http')).toBe(false);
    expect(catalog.get('retired-plan').name).toBe('basic');
  });

  it('names every problem of an invalid file', () => {
    expect(() => PlanCatalog.load({ file: plansFile({ defaultPlan: 'free', plans: { Free: { title: 'Free' } } }) })).toThrow(/plans\.Free/);
    const file = plansFile({ defaultPlan: 'free', plans: { free: { title: '', limits: { pipelines: -1, widgets: 3 } } } });
    expect(() => PlanCatalog.load({ file })).toThrow(/plans\.free\.title.*plans\.free\.limits\.pipelines.*widgets/);
    expect(() => PlanCatalog.load({ file: plansFile({ defaultPlan: 'gold', plans: { free: { title: 'Free' } } }) })).toThrow(
      /defaultPlan: defaultPlan must name one of the plans/,
    );
  });

  it('finds the cheapest sold plan after the current one that lifts a limit', () => {
    const catalog = PlanCatalog.load({
      file: plansFile({
        defaultPlan: 'free',
        plans: {
          free: { title: 'Free', limits: { runsPerMonth: 10 }, plugins: ['core'] },
          hobby: { title: 'Hobby', limits: { runsPerMonth: 20 }, plugins: ['core'] },
          team: { title: 'Team', priceId: 'price_team', limits: { runsPerMonth: 100 } },
          big: { title: 'Big', priceId: 'price_big', limits: { runsPerMonth: null } },
        },
      }),
    });
    const free = catalog.get('free');
    expect(catalog.liftingPlan(free, 'runsPerMonth', 11)?.name).toBe('team');
    expect(catalog.liftingPlan(free, 'runsPerMonth', 1000)?.name).toBe('big');
    expect(catalog.liftingPlan(free, 'plugins', 'http')?.name).toBe('team');
    expect(catalog.liftingPlan(catalog.get('big'), 'runsPerMonth', 10 ** 9)).toBeUndefined();
  });
});
