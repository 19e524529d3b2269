/**
 * `npm run bench:observability`: the read API at scale. Seeds (in SQL) 1,000,000 runs, 3,000,000
 * steps and 10,000,000 run events across 100 tenants over 30 days, plus one run with 200,000 log
 * lines, then times over HTTP, against the same endpoint for a tenant with 100 runs (the baseline,
 * same process): `GET /v1/runs` (first page, filtered pages, an error search, a page 9,000 runs
 * deep), the observability summary and step statistics, and a deep page of logs; and prints the
 * plan PostgreSQL chose for each query (EXPLAIN ANALYZE), to show the indexes doing the work.
 * BENCH_RUNS, BENCH_TENANTS, BENCH_EVENTS_PER_RUN, BENCH_LOG_LINES and BENCH_REQUESTS scale it down or up.
 */
import { DataSource } from 'typeorm';
import { encodeCursor } from '../../src/common/pagination/pagination.js';
import { createDataSource } from '../../src/database/data-source.js';
import { PIPELINE_SUMMARY_SQL } from '../../src/observability/observability.repository.js';
import { RunEventEntity } from '../../src/runs/entities/run-event.entity.js';
import { RunStepEntity } from '../../src/runs/entities/run-step.entity.js';
import { RunEntity } from '../../src/runs/entities/run.entity.js';
import { RunsRepository, type RunFilter } from '../../src/runs/runs.repository.js';
import { median, percentile, reportResult, time, withBenchStack } from './harness.js';
import { seedPipelines, seedRunEvents, seedRuns, seedStep, seedTenants } from './installation-seed.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 1_000_000);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 100);
const EVENTS_PER_RUN = Number(process.env.BENCH_EVENTS_PER_RUN ?? 10);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 60);
const BIG_RUN_LOGS = Number(process.env.BENCH_LOG_LINES ?? 200_000);
const PIPELINES_PER_TENANT = 5;

/** The bench's own tenants (signed up through the API) plus TENANTS - 1 more, with pipelines and runs. */
async function seed(db: DataSource, big: string, small: string): Promise<{ bigRun: string }> {
  const seeding = db.createQueryRunner();
  const started = Date.now();
  try {
    await seedTenants(seeding, TENANTS - 1);
    await seedPipelines(seeding, small, PIPELINES_PER_TENANT);
    // The small tenant gets 100 runs.
    await seedStep('runs', () => seedRuns(seeding, RUNS, 100 / PIPELINES_PER_TENANT));
    await seedStep('steps', () =>
      seeding.query(`INSERT INTO run_step (run_id, step_id, tenant_id, uses, status, position, attempt, started_at, ended_at)
      SELECT r.id, s.step_id, r.tenant_id, s.uses,
             CASE WHEN r.status = 'failed' AND s.step_id = 'load' THEN 'failed' WHEN r.status = 'cancelled' THEN 'cancelled' ELSE 'succeeded' END,
             s.position, 1, r.started_at + s.position * interval '1 second', r.started_at + (s.position + 1) * interval '1 second'
        FROM run r, (VALUES ('extract', 'postgres/query@1.1.0', 0), ('check', 'quality/expect@1.1.0', 1), ('load', 'postgres/load@1.1.0', 2)) s(step_id, uses, position)`),
    );
    await seedStep('events', () => seedRunEvents(seeding, EVENTS_PER_RUN));
    // One long run of the big tenant with many log lines of several steps and levels.
    const [{ id: bigRun }] = await seeding.query(
      `SELECT id FROM run WHERE tenant_id = $1 AND status = 'succeeded' ORDER BY created_at DESC LIMIT 1`,
      [big],
    );
    await seeding.query(
      `INSERT INTO run_event (run_id, tenant_id, key, type, step_id, data)
      SELECT $1, $2, 'log:' || i, 'step.log', s.step_id, jsonb_build_object('type', 'step.log', 'stepId', s.step_id, 'attempt', 1,
             'level', (ARRAY['debug', 'info', 'warn', 'error'])[1 + i % 4], 'message', 'row batch ' || i)
        FROM generate_series(1, ${BIG_RUN_LOGS}) i, LATERAL (SELECT (ARRAY['extract', 'check', 'load'])[1 + i % 3] AS step_id) s`,
      [bigRun, big],
    );
    await seedStep('vacuum analyze', () => seeding.query('VACUUM ANALYZE'));
    console.log(`  seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return { bigRun };
  } finally {
    await seeding.release();
  }
}

/** The plan's node lines, without costs: enough to see which index (if any) each scan used. */
async function explain(db: DataSource, label: string, sql: string, parameters: unknown[]): Promise<void> {
  const rows: Array<{ 'QUERY PLAN': string }> = await db.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) ${sql}`, parameters);
  const lines = rows.map((r) => r['QUERY PLAN']).filter((l) => /Scan|Execution Time|Sort|Limit|Rows Removed/.test(l));
  console.log(`\n  EXPLAIN ${label}\n${lines.map((l) => `    ${l}`).join('\n')}`);
}

interface Timing {
  label: string;
  ms: number[];
  baseline?: number[];
}

await withBenchStack({}, async ({ baseUrl, databaseUrl, call }) => {
  const big = ((await call('GET', '/v1/me')) as { tenant: { id: string } }).tenant.id;
  const signup = await fetch(`${baseUrl}/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenantName: 'small', email: 'small@example.test', password: 'benchmark password' }),
  });
  const {
    token: smallToken,
    tenant: { id: small },
  } = (await signup.json()) as { token: string; tenant: { id: string } };
  const callAs = (token: string | undefined) => async (path: string) => {
    const response = token ? await fetch(baseUrl + path, { headers: { authorization: `Bearer ${token}` } }) : undefined;
    if (!response) return call('GET', path);
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const [asBig, asSmall] = [callAs(undefined), callAs(smallToken)];

  const db = await createDataSource(databaseUrl, 2, [RunEntity, RunStepEntity, RunEventEntity]).initialize();
  console.log(
    `\nSeeding ${RUNS.toLocaleString()} runs, ${(RUNS * 3).toLocaleString()} steps, ${(RUNS * EVENTS_PER_RUN).toLocaleString()} events over ${TENANTS} tenants, and one run with ${BIG_RUN_LOGS.toLocaleString()} log lines`,
  );
  const { bigRun } = await seed(db, big, small);
  const [smallRun] = await db.query<Array<{ id: string }>>(`SELECT id FROM run WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1`, [
    small,
  ]);
  const runs = new RunsRepository(db);
  const cursorAt = async (tenantId: string, depth: number) => {
    const [row] = await db.query<Array<{ created_at: Date; id: string }>>(
      `SELECT created_at, id FROM run WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
      [tenantId, depth],
    );
    return { createdAt: row.created_at.toISOString(), id: row.id };
  };
  const depth = Math.min(9_000, Math.floor((RUNS / TENANTS) * 0.9));
  const [deep, smallDeep] = [await cursorAt(big, depth), await cursorAt(small, 90)];
  const [logCursor] = await db.query<Array<{ id: string }>>(
    `SELECT id FROM run_event WHERE run_id = $1 AND type = 'step.log' ORDER BY id OFFSET ${Math.floor(BIG_RUN_LOGS * 0.75)} LIMIT 1`,
    [bigRun],
  );

  // Each read of the big tenant, and the same read of the small one as its baseline.
  const cases: Array<{ label: string; path: (tenant: 'big' | 'small') => string; filter?: RunFilter; cursor?: 'deep' }> = [
    { label: 'GET /v1/runs (first page of 50)', path: () => '/v1/runs' },
    {
      label: 'GET /v1/runs?pipeline=p3&status=failed',
      path: () => '/v1/runs?pipeline=p3&status=failed',
      filter: { pipeline: 'p3', status: ['failed'] },
    },
    { label: 'GET /v1/runs?trigger=webhook', path: () => '/v1/runs?trigger=webhook', filter: { trigger: 'webhook' } },
    { label: 'GET /v1/runs?error=disk full (rare)', path: () => '/v1/runs?error=disk%20full', filter: { error: 'disk full' } },
    { label: 'GET /v1/runs?error=warehouse-7: (common)', path: () => '/v1/runs?error=warehouse-7:', filter: { error: 'warehouse-7:' } },
    {
      label: `GET /v1/runs, cursor ${depth.toLocaleString()} deep (90 for baseline)`,
      path: (t) => `/v1/runs?cursor=${encodeCursor(t === 'big' ? deep : smallDeep)}`,
      cursor: 'deep',
    },
    { label: 'GET /v1/observability/summary?window=24h', path: () => '/v1/observability/summary?window=24h' },
    { label: 'GET /v1/observability/summary?window=30d', path: () => '/v1/observability/summary?window=30d' },
    { label: 'GET /v1/observability/steps?window=24h', path: () => '/v1/observability/steps?window=24h' },
    { label: 'GET /v1/runs/{id}/logs (first page of 500)', path: (t) => `/v1/runs/${t === 'big' ? bigRun : smallRun.id}/logs?limit=500` },
    {
      label: 'GET /v1/runs/{id}/logs?step=load&level=warn, deep',
      path: (t) =>
        `/v1/runs/${t === 'big' ? bigRun : smallRun.id}/logs?step=load&level=warn&limit=500&after=${t === 'big' ? logCursor.id : 0}`,
    },
  ];
  const results: Timing[] = [];
  for (const c of cases) {
    await asBig(c.path('big'));
    await asSmall(c.path('small'));
    const timing: Timing = { label: c.label, ms: [], baseline: [] };
    for (let i = 0; i < REQUESTS; i++) {
      timing.ms.push(await time(() => asBig(c.path('big'))));
      timing.baseline!.push(await time(() => asSmall(c.path('small'))));
    }
    results.push(timing);
  }

  console.log(`\n${REQUESTS} requests each over HTTP, alternating with the same request of a tenant with 100 runs (baseline)`);
  console.log(`  ${'request'.padEnd(58)} ${'p50'.padStart(8)} ${'p95'.padStart(8)}   baseline p50   ratio`);
  for (const t of results) {
    const base = median(t.baseline!);
    console.log(
      `  ${t.label.padEnd(58)} ${median(t.ms).toFixed(1).padStart(6)} ms ${percentile(t.ms, 0.95).toFixed(1).padStart(6)} ms   ${base.toFixed(1).padStart(8)} ms   ${(median(t.ms) / base).toFixed(2).padStart(5)}`,
    );
  }

  reportResult({
    title: `${RUNS.toLocaleString('en-US')} runs and ${(RUNS * EVENTS_PER_RUN).toLocaleString('en-US')} events over ${TENANTS} tenants; ${REQUESTS} requests each over HTTP, alternating with the same request of a tenant with 100 runs (baseline)`,
    columns: ['request', 'p50', 'p95', 'baseline p50', 'baseline p95', 'ratio of p50s'],
    rows: results.map((t) => [
      t.label,
      `${median(t.ms).toFixed(1)} ms`,
      `${percentile(t.ms, 0.95).toFixed(1)} ms`,
      `${median(t.baseline!).toFixed(1)} ms`,
      `${percentile(t.baseline!, 0.95).toFixed(1)} ms`,
      (median(t.ms) / median(t.baseline!)).toFixed(2),
    ]),
  });

  for (const c of cases.filter((c) => c.label.startsWith('GET /v1/runs') && !c.label.includes('logs'))) {
    const [sql, parameters] = runs.listQuery(big, c.filter ?? {}, 50, c.cursor ? deep : undefined).getQueryAndParameters();
    await explain(db, c.label, sql, parameters);
  }
  await explain(db, 'summary (30 days)', PIPELINE_SUMMARY_SQL, [big, new Date(Date.now() - 30 * 86_400_000), null]);
  const [firstLogsSql, firstLogsParameters] = runs.eventsQuery(big, bigRun, { types: ['step.log'], limit: 500 }).getQueryAndParameters();
  await explain(db, 'logs, first page', firstLogsSql, firstLogsParameters);
  const [logsSql, logsParameters] = runs
    .eventsQuery(big, bigRun, { types: ['step.log'], stepId: 'load', level: 'warn', after: Number(logCursor.id), limit: 500 })
    .getQueryAndParameters();
  await explain(db, 'logs, deep', logsSql, logsParameters);
  await db.destroy();
});
process.exit(0);
