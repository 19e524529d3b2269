/**
 * `npm run bench:reliability`: what survives a process dying (issue 18). Starts its own stack (an
 * embedded PostgreSQL and a Temporal dev server, both restartable with their data, and `baton api`
 * and `baton worker` as processes), drives each fault scenario and prints, per scenario: requests
 * acknowledged (2xx), runs found, lost (acknowledged, yet missing or not succeeded), doubled (a key
 * answered with two runs, or a run nobody was answered with), stuck (not ended two minutes on), refused starts (503, the run marked
 * `start_failed`), time to recover (from the faulted process being started again until the API
 * acknowledges a new run; median over the repetitions) and the invariant checker's violations.
 *
 * - api-kill: a burst of BENCH_BURST run creations with Idempotency-Keys, BENCH_CONCURRENCY at a time;
 *   the API is SIGKILLed a third of the way in, started again, and every key is retried until answered.
 * - temporal-stop: runs in flight, the dev server SIGKILLed for BENCH_OUTAGE_MS, keyed creations
 *   meanwhile (retried after), started again.
 * - postgres-restart: runs in flight, the postmaster SIGKILLed and started again at once.
 *
 * BENCH_ITERATIONS (default 3) repeats the outages; BENCH_BURST_ITERATIONS (default 1) the burst.
 * BENCH_ONLY=<words> runs only the scenarios whose name contains them; BENCH_KEEP=1 keeps the
 * stack's folder (the API's and the worker's logs in it) and prints where.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runMigrations } from '../../src/database/data-source.js';
import { randomDatabaseSecrets } from '../../src/runtime/database/embedded-postgres.js';
import { resolveTemporalCli } from '../../src/temporal/temporal-cli.js';
import { freePort, waitForHttp } from '../support/processes.js';
import { restartableBaton, restartablePostgres, restartableTemporal } from '../support/restartable.js';
import { checkInvariants } from '../reliability/invariants.js';
import { median, reportResult } from './stats.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 3);
const BURST_ITERATIONS = Number(process.env.BENCH_BURST_ITERATIONS ?? 1);
const BURST = Number(process.env.BENCH_BURST ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const OUTAGE_MS = Number(process.env.BENCH_OUTAGE_MS ?? 10_000);
const IN_FLIGHT = 5;
const TERMINAL = ['succeeded', 'failed', 'cancelled', 'timed_out'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  runId?: string;
  code?: string;
}

interface Tally {
  /** Key → the run ids it was answered with (2xx). */
  answers: Map<string, Set<string>>;
  recoverMs: number | null;
}

interface Row {
  scenario: string;
  acknowledged: number;
  found: number;
  lost: number;
  doubled: number;
  stuck: number;
  refused: number;
  recoverMs: number[];
  violations: number;
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'baton-bench-reliability-'));
  chmodSync(home, 0o755);
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const postgres = await restartablePostgres(join(home, 'pg'), await freePort(), randomDatabaseSecrets());
    stops.push(postgres.stop);
    await runMigrations(postgres.url);
    const temporal = await restartableTemporal(
      await resolveTemporalCli(process.env.TEMPORAL_CLI_PATH),
      await freePort(),
      join(home, 'temporal', 'dev.db'),
    );
    stops.push(temporal.stop);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const metricsUrl = `http://127.0.0.1:${await freePort()}/metrics`;
    const env = {
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      PORT: String(port),
      BATON_HOME: join(home, 'baton'),
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      WEBHOOK_SIGNING_KEY: randomBytes(32).toString('base64url'),
      SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
      STEP_MEMORY_MB: '256',
      RATE_LIMIT_PER_MINUTE: '10000000',
      AUTH_RATE_LIMIT_PER_MINUTE: '10000000',
    };
    const api = restartableBaton('api', env, join(home, 'api.log'), `${base}/readyz`);
    const worker = restartableBaton(
      'worker',
      { ...env, WORKER_METRICS_PORT: new URL(metricsUrl).port },
      join(home, 'worker.log'),
      metricsUrl,
    );
    stops.push(() => Promise.all([api.stop(), worker.stop()]));
    await waitForHttp(`${base}/readyz`, 60_000);
    await waitForHttp(metricsUrl, 60_000);

    // A tenant per repetition, so that the invariant checker sees only that repetition's runs.
    let token = '';
    let tenant = { id: '' };
    const freshTenant = async () => {
      const signup = await fetch(`${base}/v1/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenantName: 'bench', email: `bench-${randomUUID()}@example.test`, password: 'benchmark password' }),
      });
      if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${await signup.text()}`);
      ({ token, tenant } = (await signup.json()) as { token: string; tenant: { id: string } });
    };

    const post = async (path: string, body: unknown, key?: string): Promise<Answer> => {
      try {
        const response = await fetch(base + path, {
          method: 'POST',
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
        });
        const json = (await response.json().catch(() => ({}))) as { id?: string; code?: string };
        return { status: response.status, runId: json.id, code: json.code };
      } catch {
        return { status: 0 };
      }
    };
    const put = async (path: string, body: unknown) => {
      const response = await fetch(base + path, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`PUT ${path}: ${response.status} ${await response.text()}`);
    };
    const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> => {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        return (await client.query<T>(sql, params)).rows;
      } finally {
        await client.end();
      }
    };
    let pipelines = 0;
    const pipeline = async (steps: Record<string, unknown>) => {
      await freshTenant();
      const name = `rel-${++pipelines}`;
      await put(`/v1/pipelines/${name}`, { apiVersion: 'baton/v1', kind: 'Pipeline', name, steps });
      return name;
    };
    const sleeps = { a: { uses: 'core/sleep@^1', with: { ms: 1_000 } }, b: { uses: 'core/sleep@^1', needs: ['a'], with: { ms: 1_000 } } };

    const record = (tally: Tally, key: string, answer: Answer) => {
      if (answer.status < 200 || answer.status > 299 || !answer.runId) return false;
      const set = tally.answers.get(key) ?? new Set();
      set.add(answer.runId);
      tally.answers.set(key, set);
      return true;
    };
    /** Sends each key until it is answered 2xx (a 409 in progress waits out the dead request's lease). */
    const retryAll = async (tally: Tally, name: string, keys: string[], since: number) => {
      const deadline = Date.now() + 150_000;
      const pending = [...keys];
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let key = pending.shift(); key !== undefined; key = pending.shift()) {
            for (;;) {
              const answer = await post(`/v1/pipelines/${name}/runs`, {}, key);
              if (record(tally, key, answer)) {
                tally.recoverMs ??= Date.now() - since;
                break;
              }
              if (Date.now() > deadline) break;
              await sleep(answer.status === 409 ? 2_000 : 500);
            }
          }
        }),
      );
    };
    /** In-flight runs, keyed like the rest, so they count as acknowledged. */
    const startInFlight = async (tally: Tally, name: string) => {
      for (let i = 0; i < IN_FLIGHT; i++) {
        const key = randomUUID();
        if (!record(tally, key, await post(`/v1/pipelines/${name}/runs`, {}, key))) throw new Error('an in-flight run was not accepted');
      }
      await sleep(500);
    };

    const outcome = async (
      scenario: string,
      name: string,
      tally: Tally,
    ): Promise<Omit<Row, 'recoverMs'> & { recoverMs: number | null }> => {
      const deadline = Date.now() + 120_000;
      let runs: Array<{ id: string; status: string; code: string | null }>;
      for (;;) {
        runs = await query<{ id: string; status: string; code: string | null }>(
          `SELECT id, status, error->>'code' AS code FROM run WHERE tenant_id = $1 AND pipeline_name = $2`,
          [tenant.id, name],
        ).catch(() => []);
        if ((runs.length && runs.every((r) => TERMINAL.includes(r.status))) || Date.now() > deadline) break;
        await sleep(500);
      }
      const acknowledged = new Set([...tally.answers.values()].flatMap((s) => [...s]));
      const byId = new Map(runs.map((r) => [r.id, r]));
      const lost = [...acknowledged].filter((id) => byId.get(id)?.status !== 'succeeded').length;
      const refused = runs.filter((r) => r.code === 'start_failed').length;
      const stuck = runs.filter((r) => !TERMINAL.includes(r.status)).length;
      const doubled =
        [...tally.answers.values()].filter((s) => s.size > 1).length +
        runs.filter((r) => !acknowledged.has(r.id) && r.code !== 'start_failed').length;
      const violations = await checkInvariants(postgres.url, temporal.address, { tenantIds: [tenant.id], settleMs: 2_000 });
      for (const v of violations) console.error(`  ${scenario}: ${v}`);
      return {
        scenario,
        acknowledged: tally.answers.size,
        found: runs.length,
        lost,
        doubled,
        stuck,
        refused,
        recoverMs: tally.recoverMs,
        violations: violations.length,
      };
    };

    const scenarios: Array<{ scenario: string; iterations: number; drive(): ReturnType<typeof outcome> }> = [
      {
        scenario: `api SIGKILL in a burst of ${BURST} keyed creations`,
        iterations: BURST_ITERATIONS,
        async drive() {
          const name = await pipeline({ hello: { uses: 'core/echo@^1', with: { hello: 'world' } } });
          const tally: Tally = { answers: new Map(), recoverMs: null };
          const keys = Array.from({ length: BURST }, () => randomUUID());
          const pending = [...keys];
          let answered = 0;
          let killed: Promise<void> | undefined;
          await Promise.all(
            Array.from({ length: CONCURRENCY }, async () => {
              for (let key = pending.shift(); key !== undefined; key = pending.shift()) {
                record(tally, key, await post(`/v1/pipelines/${name}/runs`, {}, key));
                if (++answered === Math.floor(BURST / 3)) killed = api.kill('SIGKILL');
              }
            }),
          );
          await killed;
          const restarted = Date.now();
          await api.start();
          await retryAll(tally, name, keys, restarted);
          return outcome(this.scenario, name, tally);
        },
      },
      {
        scenario: `temporal SIGKILL, down ${OUTAGE_MS / 1000} s`,
        iterations: ITERATIONS,
        async drive() {
          const name = await pipeline(sleeps);
          const tally: Tally = { answers: new Map(), recoverMs: null };
          await startInFlight(tally, name);
          await temporal.kill('SIGKILL');
          const down = Date.now();
          const keys: string[] = [];
          while (Date.now() - down < OUTAGE_MS) {
            const key = randomUUID();
            keys.push(key);
            record(tally, key, await post(`/v1/pipelines/${name}/runs`, {}, key));
            await sleep(1_000);
          }
          const restarted = Date.now();
          await temporal.start();
          await retryAll(tally, name, keys.filter((k) => !tally.answers.has(k)).concat(randomUUID()), restarted);
          return outcome(this.scenario, name, tally);
        },
      },
      {
        scenario: 'postgres SIGKILL of the postmaster, started again',
        iterations: ITERATIONS,
        async drive() {
          const name = await pipeline(sleeps);
          const tally: Tally = { answers: new Map(), recoverMs: null };
          await startInFlight(tally, name);
          await postgres.kill('SIGKILL');
          const restarted = Date.now();
          await postgres.start();
          await retryAll(tally, name, [randomUUID()], restarted);
          return outcome(this.scenario, name, tally);
        },
      },
    ];

    const rows: Row[] = [];
    for (const s of scenarios.filter((each) => each.scenario.includes(process.env.BENCH_ONLY ?? ''))) {
      const row: Row = {
        scenario: s.scenario,
        acknowledged: 0,
        found: 0,
        lost: 0,
        doubled: 0,
        stuck: 0,
        refused: 0,
        recoverMs: [],
        violations: 0,
      };
      for (let i = 0; i < s.iterations; i++) {
        const o = await s.drive();
        row.acknowledged += o.acknowledged;
        row.found += o.found;
        row.lost += o.lost;
        row.doubled += o.doubled;
        row.refused += o.refused;
        row.stuck += o.stuck;
        row.violations += o.violations;
        if (o.recoverMs !== null) row.recoverMs.push(o.recoverMs);
        console.error(`${s.scenario} #${i + 1}: ${JSON.stringify(o)}`);
      }
      rows.push(row);
    }
    if (api.pid() === null || worker.pid() === null) console.error('note: the API or the worker was not running at the end');

    console.log(`\nFaults (totals over the repetitions; recovery: median, from the faulted process started again to a run acknowledged)\n`);
    console.log(
      '| scenario | reps | acknowledged | runs found | lost | doubled | stuck (not ended) | refused (503) | time to recover | invariant violations |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const cells = rows.map((r, i) => {
      const recover = r.recoverMs.length ? `${(median(r.recoverMs) / 1000).toFixed(2)} s` : 'never';
      return [r.scenario, scenarios[i].iterations, r.acknowledged, r.found, r.lost, r.doubled, r.stuck, r.refused, recover, r.violations];
    });
    for (const row of cells) console.log(`| ${row.join(' | ')} |`);
    reportResult({
      title: 'Faults (totals over the repetitions; recovery: median, from the faulted process started again to a run acknowledged)',
      columns: [
        'scenario',
        'reps',
        'acknowledged',
        'runs found',
        'lost',
        'doubled',
        'stuck (not ended)',
        'refused (503)',
        'time to recover',
        'invariant violations',
      ],
      rows: cells,
    });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    if (process.env.BENCH_KEEP === '1') console.error(`kept: ${home} (api.log, worker.log)`);
    else rmSync(home, { recursive: true, force: true });
  }
}

await main();
