/**
 * `npm run bench:run-admission`: what billing adds to a run start, for a tenant that already ran
 * 40,000 runs (200,000 steps) this month. (a) recording a queued run in the run ledger (run, steps,
 * outbox row) with billing off; (b) the same with the plan checked in its transaction (payment
 * state, usage counters, counting the run) and its concurrent-run slot taken as the dispatcher does. (c), for reference, summing the month from the runs themselves,
 * which the counters replace. Prints medians and the ratio b/a.
 */
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { BillingRepository } from '../../src/billing/billing.repository.js';
import { EntitlementsService } from '../../src/billing/entitlements.service.js';
import { PlanCatalog } from '../../src/runtime/ledger/plans.js';
import { StripeGateway } from '../../src/billing/stripe.provider.js';
import { createDataSource } from '../../src/database/data-source.js';
import { typeormTransact } from '../../src/runtime/database/transact.js';
import { RunAdmission } from '../../src/runtime/ledger/run-admission.js';
import { RunLedger } from '../../src/runtime/ledger/run-ledger.js';
import { median, reportResult, time, withBenchDatabase } from './harness.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 40_000);
const STARTS = Number(process.env.BENCH_STARTS ?? 200);
const TENANT = randomUUID();
const PIPELINE = randomUUID();

async function seed(db: DataSource): Promise<void> {
  await db.query(`INSERT INTO tenant (id, name, plan, status) VALUES ($1, 'bench', 'team', 'active')`, [TENANT]);
  await db.query(`INSERT INTO pipeline (id, tenant_id, name, latest_version) VALUES ($1, $2, 'p', 1)`, [PIPELINE, TENANT]);
  await db.query(
    `INSERT INTO run (id, tenant_id, pipeline_id, pipeline_name, version, status, trigger, inputs, created_at, started_at, ended_at)
     SELECT gen_random_uuid(), $1, $2, 'p', 1, 'succeeded', 'api', '{}', t, t, t + interval '5 seconds'
       FROM (SELECT date_trunc('month', now()) + (g * interval '1 second') AS t FROM generate_series(1, $3) g) times`,
    [TENANT, PIPELINE, RUNS],
  );
  await db.query(`INSERT INTO run_step (run_id, step_id, tenant_id, uses, status, position, started_at, ended_at)
    SELECT r.id, 's' || i, r.tenant_id, 'core/echo@1.0.0', 'succeeded', i, r.started_at, r.started_at + interval '1 second' FROM run r, generate_series(1, 5) i`);
  await db.query(
    `INSERT INTO billing_usage (tenant_id, period_start, runs, step_seconds) VALUES ($1, date_trunc('month', now())::date, $2, $3)`,
    [TENANT, RUNS, RUNS * 5],
  );
  await db.query('ANALYZE');
}

const SUM_MONTH = `SELECT (SELECT count(*) FROM run WHERE tenant_id = $1 AND parent_run_id IS NULL AND created_at >= date_trunc('month', now())) AS runs,
  (SELECT sum(extract(epoch FROM s.ended_at - s.started_at)) FROM run r JOIN run_step s ON s.run_id = r.id WHERE r.tenant_id = $1 AND r.created_at >= date_trunc('month', now())) AS step_seconds`;

await withBenchDatabase(async (databaseUrl) => {
  const db = await createDataSource(databaseUrl, 4).initialize();
  await seed(db);
  const entitlements = new EntitlementsService(
    new BillingRepository(db),
    PlanCatalog.load({ priceIds: { team: 'price_team' } }),
    new StripeGateway({ STRIPE_SECRET_KEY: 'sk_test_bench', STRIPE_WEBHOOK_SECRET: 'whsec_bench', STRIPE_API_URL: undefined }),
    { BILLING_GRACE_PERIOD: '7d', RATE_LIMIT_PER_MINUTE: 1200, RUN_RETENTION_DAYS: undefined, RUN_FAN_OUT_BUDGET: 20_000 },
  );
  const transact = typeormTransact(db);
  const ledgers = {
    off: new RunLedger(
      transact,
      new RunAdmission({ billing: false, catalog: PlanCatalog.load({ priceIds: {} }), gracePeriodMs: 0, fanOutBudget: 20_000 }),
    ),
    on: new RunLedger(transact, entitlements.admission),
  };
  const record = (ledger: RunLedger) => async () => {
    const id = randomUUID();
    const pipeline = { id: PIPELINE, name: 'p', version: 1 };
    await ledger.record({
      run: { id, tenantId: TENANT, trigger: 'api', pipeline, inputs: {}, steps: [{ stepId: 's', uses: 'core/echo@1.0.0', position: 0 }] },
      dispatch: {
        runId: id,
        tenantId: TENANT,
        trigger: 'api',
        inputs: {},
        pipeline: { name: 'p', version: 1, definition: { steps: {} } as never, pins: {} },
      },
    });
    await ledger.takeSlot(TENANT, id);
    // Finished at once, as the bench is about admission, not about many runs being active.
    await db.query(`UPDATE run SET status = 'succeeded', ended_at = now() WHERE id = $1`, [id]);
  };
  const times = { a: [] as number[], b: [] as number[], c: [] as number[] };
  for (let i = 0; i < STARTS; i++) {
    times.a.push(await time(record(ledgers.off)));
    times.b.push(await time(record(ledgers.on)));
    if (i % 10 === 0) times.c.push(await time(() => db.query(SUM_MONTH, [TENANT])));
  }
  const [a, b, c] = [median(times.a), median(times.b), median(times.c)];
  console.log(
    `\nRun admission for a tenant with ${RUNS.toLocaleString()} runs and ${(RUNS * 5).toLocaleString()} steps this month (team plan), ${STARTS} starts each, alternating`,
  );
  console.log(`  (a) record a queued run, billing off:         median ${a.toFixed(2)} ms`);
  console.log(
    `  (b) the same with the plan checked, billing on: median ${b.toFixed(2)} ms   ratio b/a: ${(b / a).toFixed(2)}   (+${(b - a).toFixed(2)} ms)`,
  );
  console.log(
    `  (c) reference: summing the month from the runs: median ${c.toFixed(1)} ms   (what the counters avoid: ${(c / (b - a)).toFixed(0)}x the added cost)`,
  );
  reportResult({
    title: `Run admission for a tenant with ${RUNS.toLocaleString('en-US')} runs this month (team plan), ${STARTS} starts each, alternating`,
    columns: ['', 'median', 'ratio b/a'],
    rows: [
      ['(a) record a queued run, billing off', `${a.toFixed(2)} ms`],
      ['(b) the same with the plan checked, billing on', `${b.toFixed(2)} ms`, (b / a).toFixed(2)],
      ['(c) reference: summing the month from the runs', `${c.toFixed(1)} ms`],
    ],
  });
  await db.destroy();
});
process.exit(0);
