/**
 * `npm run bench:triggers`: event triggers and the model registry at scale. Seeds (in SQL) 1,000,000
 * runs and 10,000,000 run events across 100 tenants over 30 days, with a share of runs emitting
 * `model.drift_detected` (mostly long ago; those of the last hour already delivered, as the firing
 * job leaves them), 10 run-completion and 10 event triggers per tenant, 100,000 trigger deliveries
 * (half of them one trigger's), 200 models per tenant and one model with 10,000 versions. Then times:
 *
 * - one firing pass's queries (`pendingCompletions`, `pendingEvents`, through the repository), with
 *   nothing pending and with a batch pending, against the same on a tiny installation (a second
 *   database on the same server: one tenant, 100 runs, the same triggers);
 * - over HTTP, against the same request of a small tenant of the big installation: a trigger's
 *   deliveries (first page and a deep cursor), a model's versions (first page and a deep cursor),
 *   its accuracy across versions, and the model list;
 *
 * and prints EXPLAIN (ANALYZE, BUFFERS) of each query, to show the index doing the work.
 * BENCH_RUNS, BENCH_TENANTS, BENCH_EVENTS_PER_RUN, BENCH_DELIVERIES, BENCH_MODEL_VERSIONS,
 * BENCH_MODELS_PER_TENANT, BENCH_REQUESTS and BENCH_ITERATIONS scale it.
 */
import { DataSource } from 'typeorm';
import { encodeCursor } from '../../src/common/pagination/pagination.js';
import { createDataSource, runMigrations } from '../../src/database/data-source.js';
import { METRICS_MAX_VERSIONS } from '../../src/models/dto/models.dto.js';
import { ModelsRepository } from '../../src/models/models.repository.js';
import { BATCH, LOOK_BACK } from '../../src/triggers/trigger-firing.cron.js';
import { TriggerDeliveriesRepository } from '../../src/triggers/trigger-deliveries.repository.js';
import { median, percentile, reportResult, time, withBenchStack } from './harness.js';
import { seedPipelines, seedRunEvents, seedRuns, seedStep, seedTenants, type SeedConnection } from './installation-seed.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 1_000_000);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 100);
const EVENTS_PER_RUN = Number(process.env.BENCH_EVENTS_PER_RUN ?? 10);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 100_000);
const MODEL_VERSIONS = Number(process.env.BENCH_MODEL_VERSIONS ?? 10_000);
const MODELS_PER_TENANT = Number(process.env.BENCH_MODELS_PER_TENANT ?? 200);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 60);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 30);
const PIPELINES_PER_TENANT = 5;
/** Of each kind (run-completion, event), per tenant: 1,000 of each over 100 tenants. */
const TRIGGERS_PER_TENANT = 10;
/** Runs of which one in a hundred emits drift: 10,000 drift events over 30 days, a few every 10 minutes. */
const DRIFT_SHARE = 0.01;
/** Runs (each with a drift event) that end just before a pass: each fires two or three triggers, more than a batch. */
const PENDING_RUNS = 100;
const TINY_RUNS = 100;
const BASELINE_DELIVERIES = 100;
const BASELINE_VERSIONS = 10;

/**
 * Per tenant, run-completion triggers from each pipeline (one on success, one on any end) and event
 * triggers on drift from each pipeline (and one from any), half with a cooldown, all made before
 * the oldest run.
 */
async function seedTriggers(db: SeedConnection): Promise<void> {
  await db.query(`INSERT INTO trigger (id, tenant_id, pipeline_name, type, source_pipeline, on_status, created_at)
    SELECT gen_random_uuid(), t.id, 'p' || (1 + (i + 1) % 5), 'pipeline', 'p' || (1 + i % 5), CASE WHEN i < 5 THEN 'succeeded' ELSE 'finished' END, now() - interval '31 days'
      FROM tenant t, generate_series(0, ${TRIGGERS_PER_TENANT - 1}) i`);
  await db.query(`INSERT INTO trigger (id, tenant_id, pipeline_name, type, source_pipeline, event_type, inputs_expression, cooldown_seconds, created_at)
    SELECT gen_random_uuid(), t.id, 'p' || (1 + (i + 2) % 5), 'event', CASE WHEN i < ${TRIGGERS_PER_TENANT - 1} THEN 'p' || (1 + i % 5) END, 'model.drift_detected',
           '{ "model": event.data.model, "reason": "drift in " & event.pipeline }', CASE WHEN i % 2 = 0 THEN 21600 END, now() - interval '31 days' + i * interval '1 second'
      FROM tenant t, generate_series(0, ${TRIGGERS_PER_TENANT - 1}) i`);
}

/** The domain event a drift check emits (as the worker records `ctx.emit`), `at` a second before its run ended. */
const DRIFT_EVENT = (run: string) => `${run}.id, ${run}.tenant_id, 'emit:check:0:model.drift_detected', 'model.drift_detected', 'check',
  jsonb_build_object('type', 'model.drift_detected', 'stepId', 'check', 'attempt', 1, 'at', ${run}.ended_at - interval '1 second',
    'data', jsonb_build_object('model', 'churn', 'feature', 'amount', 'psi', round((0.2 + random() * 0.3)::numeric, 3))),
  ${run}.ended_at - interval '1 second'`;

/** Drift events of DRIFT_SHARE of the runs, and the step failures of failed runs (the other types in `run_event_alert_idx`). */
async function seedDomainEvents(db: SeedConnection): Promise<void> {
  await db.query(
    `INSERT INTO run_event (run_id, tenant_id, key, type, step_id, data, created_at) SELECT ${DRIFT_EVENT('r')} FROM run r WHERE random() < ${DRIFT_SHARE}`,
  );
  await db.query(`INSERT INTO run_event (run_id, tenant_id, key, type, step_id, data, created_at)
    SELECT r.id, r.tenant_id, 'step.failed:load', 'step.failed', 'load', jsonb_build_object('type', 'step.failed', 'stepId', 'load', 'status', 'failed', 'error', r.error), r.ended_at
      FROM run r WHERE r.status = 'failed'`);
}

/**
 * What the firing job already did: every completion and event of the last hour (and of runs that
 * end in the next minutes) has its delivery. Mirrors the conditions of `pendingCompletions` and
 * `pendingEvents`; the bench checks that nothing is pending afterwards.
 */
async function seedFiredDeliveries(db: SeedConnection): Promise<void> {
  await db.query(`INSERT INTO trigger_delivery (trigger_id, delivery_id, run_id, source_run_id, outcome, created_at)
    SELECT t.id, 'run:' || r.id, gen_random_uuid(), r.id, 'started', r.ended_at
      FROM run r JOIN trigger t ON t.tenant_id = r.tenant_id AND t.type = 'pipeline' AND t.source_pipeline = r.pipeline_name
     WHERE r.ended_at >= now() - interval '1 hour' AND r.ended_at >= t.created_at
       AND (t.on_status = r.status OR (t.on_status = 'finished' AND r.status IN ('succeeded', 'failed', 'cancelled', 'timed_out')))
    ON CONFLICT DO NOTHING`);
  await db.query(`INSERT INTO trigger_delivery (trigger_id, delivery_id, run_id, source_run_id, outcome, created_at)
    SELECT t.id, 'event:' || e.id, gen_random_uuid(), e.run_id, 'started', e.created_at
      FROM run_event e JOIN trigger t ON t.tenant_id = e.tenant_id AND t.type = 'event' AND t.event_type = e.type JOIN run r ON r.id = e.run_id
     WHERE e.created_at >= now() - interval '1 hour' AND e.type = 'model.drift_detected' AND e.created_at >= t.created_at
       AND (t.source_pipeline IS NULL OR t.source_pipeline = r.pipeline_name)
    ON CONFLICT DO NOTHING`);
}

/**
 * Older deliveries (more than an hour old, over 30 days): `hot` of them for one trigger, `baseline`
 * for the small tenant's, the rest spread over every other trigger. Most started a run; a cooldown
 * skipped some, a few failed.
 */
async function seedDeliveryHistory(
  db: SeedConnection,
  hot: { trigger: string; count: number },
  baseline: { trigger: string; count: number } | null,
  rest: number,
): Promise<void> {
  const insert = (from: string, parameters: unknown[]) =>
    db.query(
      `INSERT INTO trigger_delivery (trigger_id, delivery_id, run_id, source_run_id, outcome, error, created_at)
    SELECT d.trigger_id, 'event:' || (1000000000000 + d.g), CASE WHEN d.kind < 0.85 THEN gen_random_uuid() END, gen_random_uuid(),
           CASE WHEN d.kind < 0.85 THEN 'started' WHEN d.kind < 0.95 THEN 'skipped' ELSE 'failed' END,
           CASE WHEN d.kind >= 0.95 THEN 'The trigger''s inputs expression failed on this event: Attempted to invoke a non-function'
                WHEN d.kind >= 0.85 THEN 'Within the trigger''s cooldown: it last started a run at 2026-01-01T00:00:00.000Z' END,
           now() - interval '1 hour' - random() * interval '29 days'
      FROM (${from}) d ON CONFLICT DO NOTHING`,
      parameters,
    );
  await insert(`SELECT $1::uuid AS trigger_id, g, random() AS kind FROM generate_series(1, $2) g`, [hot.trigger, hot.count]);
  if (baseline)
    await insert(`SELECT $1::uuid AS trigger_id, g, random() AS kind FROM generate_series(1, $2) g`, [baseline.trigger, baseline.count]);
  await insert(
    `SELECT t.id AS trigger_id, g, random() AS kind FROM generate_series(1, $1) g
      JOIN (SELECT (row_number() OVER (ORDER BY id)) - 1 AS idx, id FROM trigger WHERE id <> ALL($2)) t ON t.idx = g % (SELECT count(*) FROM trigger WHERE id <> ALL($2))`,
    [rest, [hot.trigger, baseline?.trigger].filter(Boolean)],
  );
}

/** A model version as `ctx.models.register` records it. */
const VERSION_ROW = (model: string, v: string, count: string, at: string) => `gen_random_uuid(), ${model}.tenant_id, ${model}.id, ${v},
  CASE WHEN ${v} = ${count} - 3 THEN 'production' WHEN ${v} = ${count} - 1 THEN 'staging' WHEN ${v} < ${count} - 3 AND ${v} % 10 = 0 THEN 'archived' ELSE 'none' END,
  jsonb_build_object('accuracy', round((0.7 + random() * 0.25)::numeric, 4), 'f1', round((0.65 + random() * 0.25)::numeric, 4), 'auc', round((0.75 + random() * 0.2)::numeric, 4)),
  jsonb_build_object('depth', 4 + ${v} % 6, 'trees', 100), jsonb_build_object('artifact', 'datasets/train-' || ${v} || '.ndjson', 'rows', 150000),
  'random-forest', 'classification', gen_random_uuid(), 'fit', 'runs/' || gen_random_uuid() || '/fit/model.json', ${at}`;

/** MODELS_PER_TENANT models of five versions per big tenant, three for the small one, and `churn` with many versions for `big` and few for `small`. */
async function seedModels(db: SeedConnection, big: string, small: string): Promise<void> {
  const columns =
    'id, tenant_id, model_id, version, stage, metrics, params, dataset, algorithm, task, run_id, step_id, artifact, created_at';
  await db.query(
    `INSERT INTO model (id, tenant_id, name, created_at)
    SELECT gen_random_uuid(), t.id, 'model-' || i, now() - interval '30 days' + i * interval '1 hour' + random() * interval '1 minute'
      FROM tenant t, generate_series(1, CASE WHEN t.id = $1 THEN 3 ELSE ${MODELS_PER_TENANT} END) i`,
    [small],
  );
  await db.query(
    `INSERT INTO model_version (${columns}) SELECT ${VERSION_ROW('m', 'v', '5', `m.created_at + v * interval '1 hour'`)} FROM model m, generate_series(1, 5) v`,
  );
  for (const [tenant, count] of [
    [big, MODEL_VERSIONS],
    [small, BASELINE_VERSIONS],
  ] as const) {
    await db.query(
      `INSERT INTO model (id, tenant_id, name, created_at) VALUES (gen_random_uuid(), $1, 'churn', now() - interval '60 days')`,
      [tenant],
    );
    await db.query(
      `INSERT INTO model_version (${columns})
      SELECT ${VERSION_ROW('m', 'v', '$2', `now() - ($2 - v) * interval '1 minute'`)} FROM model m, generate_series(1, $2) v WHERE m.tenant_id = $1 AND m.name = 'churn'`,
      [tenant, count],
    );
  }
}

/** The shared part of both installations: tenants, pipelines, runs with their events, triggers, what the firing job delivered. */
async function seedInstallation(
  db: SeedConnection,
  extraTenants: number,
  small: string | null,
  runs: number,
  smallRunsPerPipeline: number,
): Promise<void> {
  await seedTenants(db, extraTenants);
  await seedPipelines(db, small, PIPELINES_PER_TENANT);
  await seedStep('runs', () => seedRuns(db, runs, smallRunsPerPipeline));
  await seedStep('events', () => seedRunEvents(db, EVENTS_PER_RUN));
  await seedStep('drift and step failure events', () => seedDomainEvents(db));
  await seedTriggers(db);
  await seedStep('deliveries of the last hour', () => seedFiredDeliveries(db));
}

/**
 * Runs of random pipelines that ended in the last two minutes, each with a drift event: what one
 * pass finds pending. One is of `busy`'s first pipeline, which the trigger with the long delivery
 * history listens to. Returns their ids.
 */
async function addPending(db: DataSource, count: number, busy: string): Promise<string[]> {
  const runs: Array<{ id: string }> = await db.query(
    `INSERT INTO run (id, tenant_id, pipeline_id, pipeline_name, version, status, trigger, inputs, created_at, started_at, ended_at)
    SELECT gen_random_uuid(), p.tenant_id, p.id, p.name, 1, 'succeeded', 'schedule', '{}', e - interval '1 minute', e - interval '1 minute', e
      FROM (SELECT *, now() - random() * interval '2 minutes' AS e FROM pipeline ORDER BY (tenant_id = $2 AND name = 'p1') DESC, random() LIMIT $1) p RETURNING id`,
    [count, busy],
  );
  await db.query(
    `INSERT INTO run_event (run_id, tenant_id, key, type, step_id, data, created_at) SELECT ${DRIFT_EVENT('r')} FROM run r WHERE r.id = ANY($1)`,
    [runs.map((r) => r.id)],
  );
  return runs.map((r) => r.id);
}

/** Records the SQL a repository sends, so that the bench can EXPLAIN exactly that. */
function recording(db: DataSource): { db: DataSource; last: () => [string, unknown[]] } {
  let last: [string, unknown[]] = ['', []];
  const proxy = { query: (sql: string, parameters?: unknown[]) => ((last = [sql, parameters ?? []]), db.query(sql, parameters)) };
  return { db: proxy as unknown as DataSource, last: () => last };
}

async function explain(db: DataSource, label: string, [sql, parameters]: [string, unknown[]]): Promise<void> {
  const rows: Array<{ 'QUERY PLAN': string }> = await db.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${sql}`, parameters);
  console.log(`\n  EXPLAIN (ANALYZE, BUFFERS) ${label}\n${rows.map((r) => `    ${r['QUERY PLAN']}`).join('\n')}`);
}

interface Timing {
  label: string;
  ms: number[];
  baseline: number[];
}

/** `measure` and `baseline` alternately, once each to warm up, then `times` times each. */
async function alternate(label: string, times: number, measure: () => Promise<unknown>, baseline: () => Promise<unknown>): Promise<Timing> {
  await measure();
  await baseline();
  const timing: Timing = { label, ms: [], baseline: [] };
  for (let i = 0; i < times; i++) {
    timing.ms.push(await time(measure));
    timing.baseline.push(await time(baseline));
  }
  return timing;
}

function printTable(title: string, baselineName: string, timings: Timing[]): void {
  console.log(`\n${title}`);
  console.log(`  ${'operation'.padEnd(62)} ${'p50'.padStart(9)} ${'p95'.padStart(9)}   ${baselineName.padStart(13)}   ratio`);
  for (const t of timings) {
    const base = median(t.baseline);
    console.log(
      `  ${t.label.padEnd(62)} ${median(t.ms).toFixed(2).padStart(6)} ms ${percentile(t.ms, 0.95).toFixed(2).padStart(6)} ms   ${base.toFixed(2).padStart(10)} ms   ${(median(t.ms) / base).toFixed(2).padStart(5)}`,
    );
  }
  reportResult({
    title,
    columns: ['operation', 'p50', 'p95', baselineName, 'ratio'],
    rows: timings.map((t) => [
      t.label,
      `${median(t.ms).toFixed(2)} ms`,
      `${percentile(t.ms, 0.95).toFixed(2)} ms`,
      `${median(t.baseline).toFixed(2)} ms`,
      (median(t.ms) / median(t.baseline)).toFixed(2),
    ]),
  });
}

/** A second database on the server of `adminUrl` (a superuser's), migrated. */
async function siblingDatabase(adminUrl: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = await createDataSource(adminUrl, 1).initialize();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const sibling = new URL(adminUrl);
  sibling.pathname = `/${name}`;
  await runMigrations(sibling.toString());
  return {
    url: sibling.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.destroy();
    },
  };
}

await withBenchStack(
  {},
  async ({ baseUrl, databaseUrl, adminDatabaseUrl, call }) => {
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
    const asSmall = async (path: string) => {
      const response = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${smallToken}` } });
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    const asBig = (path: string) => call('GET', path);

    const db = await createDataSource(databaseUrl, 2).initialize();
    const tinyDatabase = await siblingDatabase(adminDatabaseUrl, 'bench_tiny');
    const tiny = await createDataSource(tinyDatabase.url, 2).initialize();
    try {
      console.log(
        `\nSeeding ${RUNS.toLocaleString()} runs, ${(RUNS * EVENTS_PER_RUN).toLocaleString()} events over ${TENANTS} tenants, ${TRIGGERS_PER_TENANT * 2} triggers per tenant, ` +
          `${DELIVERIES.toLocaleString()} deliveries, ${MODELS_PER_TENANT} models per tenant and one with ${MODEL_VERSIONS.toLocaleString()} versions`,
      );
      const started = Date.now();
      const seeding = db.createQueryRunner();
      let hot: string;
      let smallTrigger: string;
      try {
        await seedInstallation(seeding, TENANTS - 1, small, RUNS, 100 / PIPELINES_PER_TENANT);
        [{ id: hot }] = await seeding.query(`SELECT id FROM trigger WHERE tenant_id = $1 AND type = 'event' ORDER BY created_at LIMIT 1`, [
          big,
        ]);
        [{ id: smallTrigger }] = await seeding.query(
          `SELECT id FROM trigger WHERE tenant_id = $1 AND type = 'event' ORDER BY created_at LIMIT 1`,
          [small],
        );
        await seedStep('delivery history', () =>
          seedDeliveryHistory(
            seeding,
            { trigger: hot, count: DELIVERIES / 2 },
            { trigger: smallTrigger, count: BASELINE_DELIVERIES },
            DELIVERIES / 2 - BASELINE_DELIVERIES,
          ),
        );
        await seedStep('models', () => seedModels(seeding, big, small));
        await seedStep('vacuum analyze', () => seeding.query('VACUUM ANALYZE'));
      } finally {
        await seeding.release();
      }
      console.log(`  seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      const tinySeeding = tiny.createQueryRunner();
      try {
        await seedInstallation(tinySeeding, 1, null, TINY_RUNS, 0);
        await tinySeeding.query('VACUUM ANALYZE');
      } finally {
        await tinySeeding.release();
      }
      const counts = (
        await db.query(`SELECT (SELECT count(*) FROM run) AS runs, (SELECT count(*) FROM run_event) AS events,
      (SELECT count(*) FROM run_event WHERE type = 'model.drift_detected') AS drift, (SELECT count(*) FROM run_event WHERE type = 'model.drift_detected' AND created_at >= now() - interval '10 minutes') AS recent_drift,
      (SELECT count(*) FROM trigger) AS triggers, (SELECT count(*) FROM trigger_delivery) AS deliveries, (SELECT count(*) FROM model) AS models, (SELECT count(*) FROM model_version) AS versions`)
      )[0];
      console.log(
        `  big installation: ${Object.entries(counts)
          .map(([k, v]) => `${Number(v).toLocaleString()} ${k.replace('_', ' ')}`)
          .join(', ')}`,
      );

      // One firing pass's queries, directly through the repository, against the tiny installation's.
      const bigRecorded = recording(db);
      const [bigTriggers, tinyTriggers] = [new TriggerDeliveriesRepository(bigRecorded.db), new TriggerDeliveriesRepository(tiny)];
      const passQueries: Array<[string, (r: TriggerDeliveriesRepository) => Promise<unknown[]>]> = [
        ['pendingCompletions', (r) => r.pendingCompletions(LOOK_BACK, BATCH)],
        ['pendingEvents', (r) => r.pendingEvents(LOOK_BACK, BATCH)],
      ];
      const pass: Timing[] = [];
      const plans: Array<[string, [string, unknown[]]]> = [];
      for (const [name, query] of passQueries) {
        const found = [(await query(bigTriggers)).length, (await query(tinyTriggers)).length];
        if (found.some(Boolean)) throw new Error(`${name}: ${found.join(' and ')} pending before the bench added any`);
        pass.push(
          await alternate(
            `${name}, nothing pending`,
            ITERATIONS,
            () => query(bigTriggers),
            () => query(tinyTriggers),
          ),
        );
        plans.push([`${name}, nothing pending`, bigRecorded.last()]);
      }
      const [{ id: tinyTenant }] = await tiny.query(`SELECT id FROM tenant LIMIT 1`);
      const [bigPending, tinyPending] = [await addPending(db, PENDING_RUNS, big), await addPending(tiny, PENDING_RUNS, tinyTenant)];
      for (const [name, query] of passQueries) {
        const found = [(await query(bigTriggers)).length, (await query(tinyTriggers)).length];
        pass.push(
          await alternate(
            `${name}, ${found[0]} pending (a full batch)`,
            ITERATIONS,
            () => query(bigTriggers),
            () => query(tinyTriggers),
          ),
        );
        plans.push([`${name}, a batch pending`, bigRecorded.last()]);
      }
      for (const [label, plan] of plans.filter(([label]) => label.endsWith('a batch pending'))) await explain(db, label, plan);
      await db.query('DELETE FROM run WHERE id = ANY($1)', [bigPending]);
      await tiny.query('DELETE FROM run WHERE id = ANY($1)', [tinyPending]);

      // The read API over HTTP, against the same request of the small tenant.
      const deliveryCursor = async (trigger: string, depth: number) => {
        const [row] = await db.query<Array<{ created_at: Date; delivery_id: string }>>(
          `SELECT created_at, delivery_id FROM trigger_delivery WHERE trigger_id = $1 ORDER BY created_at DESC, delivery_id DESC OFFSET $2 LIMIT 1`,
          [trigger, depth],
        );
        return { createdAt: row.created_at.toISOString(), id: row.delivery_id };
      };
      const versionCursor = async (tenant: string, depth: number) => {
        const [row] = await db.query<Array<{ created_at: Date; id: string; model_id: string }>>(
          `SELECT v.created_at, v.id, v.model_id FROM model_version v JOIN model m ON m.id = v.model_id WHERE m.tenant_id = $1 AND m.name = 'churn'
        ORDER BY v.created_at DESC, v.id DESC OFFSET $2 LIMIT 1`,
          [tenant, depth],
        );
        return { cursor: { createdAt: row.created_at.toISOString(), id: row.id }, model: row.model_id };
      };
      const deliveryDepth = Math.floor((DELIVERIES / 2) * 0.9);
      const versionDepth = Math.floor(MODEL_VERSIONS * 0.9);
      const deliveries = {
        big: await deliveryCursor(hot!, deliveryDepth),
        small: await deliveryCursor(smallTrigger!, BASELINE_DELIVERIES - 10),
      };
      const versions = { big: await versionCursor(big, versionDepth), small: await versionCursor(small, BASELINE_VERSIONS - 2) };
      const cases: Array<{ label: string; path: (tenant: 'big' | 'small') => string }> = [
        {
          label: 'GET /v1/triggers/{id}/deliveries (first page of 50)',
          path: (t) => `/v1/triggers/${t === 'big' ? hot : smallTrigger}/deliveries`,
        },
        {
          label: `GET /v1/triggers/{id}/deliveries, cursor ${deliveryDepth.toLocaleString()} deep (90)`,
          path: (t) => `/v1/triggers/${t === 'big' ? hot : smallTrigger}/deliveries?cursor=${encodeCursor(deliveries[t])}`,
        },
        { label: 'GET /v1/models/{name}/versions (first page of 50)', path: () => '/v1/models/churn/versions' },
        {
          label: `GET /v1/models/{name}/versions, cursor ${versionDepth.toLocaleString()} deep (8)`,
          path: (t) => `/v1/models/churn/versions?cursor=${encodeCursor(versions[t].cursor)}`,
        },
        { label: `GET /v1/models/{name}/metrics?metric=accuracy (1,000 items)`, path: () => '/v1/models/churn/metrics?metric=accuracy' },
        {
          label: `GET /v1/models/{name}/metrics?metric=accuracy&limit=10`,
          path: () => '/v1/models/churn/metrics?metric=accuracy&limit=10',
        },
        { label: 'GET /v1/models (first page of 50)', path: () => '/v1/models' },
      ];
      const reads: Timing[] = [];
      for (const c of cases)
        reads.push(
          await alternate(
            c.label,
            REQUESTS,
            () => asBig(c.path('big')),
            () => asSmall(c.path('small')),
          ),
        );

      printTable(
        `One firing pass's queries through TriggerDeliveriesRepository, ${ITERATIONS} times each, alternating with the same on a tiny installation (1 tenant, ${TINY_RUNS} runs)`,
        'tiny p50',
        pass,
      );
      printTable(
        `${REQUESTS} requests each over HTTP, alternating with the same request of a small tenant (${BASELINE_DELIVERIES} deliveries, ${BASELINE_VERSIONS} versions, 4 models)`,
        'small p50',
        reads,
      );

      for (const [label, plan] of plans.filter(([label]) => label.endsWith('nothing pending'))) await explain(db, label, plan);
      const triggersRecorded = recording(db);
      const triggers = new TriggerDeliveriesRepository(triggersRecorded.db);
      await triggers.listDeliveries(hot!, 50, undefined, undefined);
      await explain(db, 'deliveries, first page', triggersRecorded.last());
      await triggers.listDeliveries(hot!, 50, deliveries.big, undefined);
      await explain(db, 'deliveries, deep cursor', triggersRecorded.last());
      const modelsRecorded = recording(db);
      const models = new ModelsRepository(modelsRecorded.db);
      await models.versions(big, versions.big.model, 50);
      await explain(db, 'versions, first page', modelsRecorded.last());
      await models.versions(big, versions.big.model, 50, versions.big.cursor);
      await explain(db, 'versions, deep cursor', modelsRecorded.last());
      await models.metricsHistory(big, versions.big.model, METRICS_MAX_VERSIONS + 1);
      await explain(db, 'metrics history', modelsRecorded.last());
      await models.list(big, 50);
      await explain(db, 'models, first page', modelsRecorded.last());
      await models.find(big, 'churn');
      await explain(db, 'model by name (every model request starts with it)', modelsRecorded.last());
    } finally {
      await tiny.destroy();
      await db.destroy();
      await tinyDatabase.drop();
    }
  },
  { TRIGGER_POLL_INTERVAL: '1d', ALERT_POLL_INTERVAL: '1d' },
);
process.exit(0);
