/**
 * A large installation seeded in SQL, shared by the at-scale benchmarks (observability, triggers):
 * tenants, their pipelines, a million runs over 30 days and ten events per run. Seeding through the
 * API would take hours; `generate_series` takes minutes.
 *
 * Each helper takes one connection (a QueryRunner), not the pool: the pipelines are kept in temp
 * tables (`bench_pipeline`, and `big_pipeline` of the tenants that get the bulk of the runs), which
 * only the session that made them sees.
 */
import type { QueryRunner } from 'typeorm';

export type SeedConnection = Pick<QueryRunner, 'query'>;

/** Logs how long one seeding step took. */
export async function seedStep<T>(label: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await step();
  console.log(`  ${label}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return result;
}

/** `count` more tenants (`bench-1`, `bench-2`...), besides those signed up through the API. */
export async function seedTenants(db: SeedConnection, count: number): Promise<void> {
  await db.query('SET synchronous_commit = off');
  await db.query(
    `INSERT INTO tenant (id, name, plan, status) SELECT gen_random_uuid(), 'bench-' || g, 'self-hosted', 'active' FROM generate_series(1, $1) g`,
    [count],
  );
}

/**
 * `perTenant` pipelines `p1`, `p2`... for every tenant, each with a three-step version. The `small`
 * tenant's (the baseline; none when null) are left out of `big_pipeline`, which the bulk of the runs
 * is spread over.
 */
export async function seedPipelines(db: SeedConnection, small: string | null, perTenant: number): Promise<void> {
  await db.query(
    `CREATE TEMP TABLE bench_pipeline AS
    SELECT t.id AS tenant_id, gen_random_uuid() AS id, 'p' || i AS name, (t.id = $1) IS TRUE AS is_small FROM tenant t, generate_series(1, ${perTenant}) i`,
    [small],
  );
  await db.query(`CREATE TEMP TABLE big_pipeline AS SELECT (row_number() OVER ()) - 1 AS idx, * FROM bench_pipeline WHERE NOT is_small`);
  await db.query(`INSERT INTO pipeline (id, tenant_id, name, latest_version) SELECT id, tenant_id, name, 1 FROM bench_pipeline`);
  await db.query(`INSERT INTO pipeline_version (id, tenant_id, pipeline_id, version, definition, pins, checksum)
    SELECT gen_random_uuid(), tenant_id, id, 1, json_build_object('apiVersion', 'baton/v1', 'kind', 'Pipeline', 'name', name, 'sla', '10m',
             'steps', json_build_object('extract', json_build_object('uses', 'postgres/query@^1'), 'check', json_build_object('uses', 'quality/expect@^1'), 'load', json_build_object('uses', 'postgres/load@^1'))),
           '{}', 'bench' FROM bench_pipeline`);
}

/**
 * `runs` runs of the big tenants' pipelines spread over the last 30 days, and `smallPerPipeline`
 * for each pipeline of the small tenant. 90% succeed, 8% fail (with a few kinds of error, one of
 * them rare), 2% are cancelled; most are started by the API or a schedule, a few by webhooks and
 * retries. A run ends up to five minutes after it was created.
 */
export async function seedRuns(db: SeedConnection, runs: number, smallPerPipeline: number): Promise<void> {
  await db.query(
    `INSERT INTO run (id, tenant_id, pipeline_id, pipeline_name, version, status, trigger, inputs, created_at, started_at, ended_at, error)
    SELECT gen_random_uuid(), p.tenant_id, p.id, p.name, 1, x.status,
           CASE WHEN x.t < 0.7 THEN 'api' WHEN x.t < 0.95 THEN 'schedule' WHEN x.t < 0.99 THEN 'webhook' ELSE 'retry' END,
           '{}', x.created, x.created + x.wait, x.created + x.wait + x.took,
           CASE x.status WHEN 'failed' THEN jsonb_build_object('code', 'step_failed', 'step', 'load', 'message',
             CASE WHEN x.g % 1000 = 0 THEN 'Step load failed: disk full on volume vol-' || x.g
                  WHEN x.g % 3 = 0 THEN 'Step load failed: connection refused by warehouse-' || (x.g % 50) || ':5432'
                  WHEN x.g % 3 = 1 THEN 'Step check failed: Quality checks failed: amount (' || (x.g % 7) || ')'
                  ELSE 'Step extract failed: timeout after 30s' END) END
      FROM (SELECT g, random() AS t, now() - random() * interval '30 days' AS created,
                   random() * interval '2 seconds' AS wait, interval '1 second' + random() * interval '5 minutes' AS took,
                   CASE WHEN (g / 500) % 100 < 90 THEN 'succeeded' WHEN (g / 500) % 100 < 98 THEN 'failed' ELSE 'cancelled' END AS status
              FROM generate_series(0, $1 - 1) g) x
      JOIN big_pipeline p ON p.idx = x.g % (SELECT count(*) FROM big_pipeline)`,
    [runs],
  );
  await db.query(
    `INSERT INTO run (id, tenant_id, pipeline_id, pipeline_name, version, status, trigger, inputs, created_at, started_at, ended_at)
    SELECT gen_random_uuid(), p.tenant_id, p.id, p.name, 1, 'succeeded', 'api', '{}', c, c, c + interval '1 minute'
      FROM bench_pipeline p, LATERAL (SELECT now() - random() * interval '30 days' AS c FROM generate_series(1, $1)) g WHERE p.is_small`,
    [smallPerPipeline],
  );
}

/** The usual events of a run's life: run.started, steps started and succeeded, logs, run.completed. */
export const LIFECYCLE_EVENTS = [
  'run.started',
  'step.started',
  'step.started',
  'step.started',
  'step.succeeded',
  'step.succeeded',
  'step.succeeded',
  'step.log',
  'step.log',
  'run.completed',
];

/** `perRun` events for every run, 100 ms apart from its creation, their types cycling through `kinds`. */
export async function seedRunEvents(db: SeedConnection, perRun: number, kinds: string[] = LIFECYCLE_EVENTS): Promise<void> {
  await db.query(
    `INSERT INTO run_event (run_id, tenant_id, key, type, step_id, data, created_at)
    SELECT r.id, r.tenant_id, k.type || ':' || i, k.type, CASE WHEN k.type LIKE 'step.%' THEN 'load' END,
           CASE WHEN k.type = 'step.log' THEN jsonb_build_object('type', k.type, 'stepId', 'load', 'attempt', 1, 'level', CASE WHEN i % 2 = 0 THEN 'info' ELSE 'warn' END, 'message', 'loaded ' || i || ' batches')
                ELSE jsonb_build_object('type', k.type) END,
           r.created_at + i * interval '100 milliseconds'
      FROM run r, generate_series(1, ${perRun}) i, LATERAL (SELECT ($1::text[])[1 + (i - 1) % ${kinds.length}] AS type) k`,
    [kinds],
  );
}
