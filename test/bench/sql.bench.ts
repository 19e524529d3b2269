/**
 * `npm run bench:sql`: `sql/query` over a Parquet dataset of BENCH_SQL_ROWS rows (default 1,000,000:
 * id, customer_id, amount, day, region) joined with a 10,000-row dimension table and grouped, run
 * as a step: the packed first-party bundle in a warm step process of the real sandbox (OS-isolated
 * where the machine allows it), DuckDB loaded with ctx.installed, both tables read from the artifact
 * store into the step's scratch folder, the result written back as Parquet. Against DuckDB itself in
 * this process (`@duckdb/node-api`, no Baton), doing the same over the same files: a fresh in-memory
 * database with the same threads and memory limit, views over the two files, the result COPY'd to
 * Parquet and its first 100 rows read. (The DuckDB CLI is not installable here, PyPI and GitHub
 * downloads being out of reach, so the node binding is the baseline.) Each is run once to warm up,
 * then BENCH_ITERATIONS times (default 5), alternately; medians and the ratio are printed, never
 * asserted.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadEnv } from '../../src/runtime/config/config.js';
import { LocalArtifactStore } from '../../src/runtime/artifacts/artifact-store.js';
import { StepSandbox, type SandboxRequest } from '../../workers/sandbox/step-sandbox.js';
import { median, reportResult, time } from './stats.js';

const ROWS = Number(process.env.BENCH_SQL_ROWS ?? 1_000_000);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 5);
const THREADS = 2;
const MEMORY_LIMIT_MB = 512;
const packages = fileURLToPath(new URL('../../plugin-packages', import.meta.url));
const env = loadEnv();
const work = mkdtempSync(join(tmpdir(), 'bench-sql-'));
const tenantId = randomUUID();

const SQL = `SELECT c.segment, o.region, count(*) AS orders, sum(o.amount) AS revenue, avg(o.amount) AS average
FROM orders o JOIN customers c ON c.id = o.customer_id
GROUP BY ALL ORDER BY ALL`;

/** The two files, written by DuckDB once; both runs read the very same bytes. */
async function makeData(): Promise<{ orders: string; customers: string }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(THREADS) });
  const connection = await instance.connect();
  const orders = join(work, 'orders.parquet');
  const customers = join(work, 'customers.parquet');
  await connection.run(`COPY (SELECT i AS id, (hash(i) % 10000)::BIGINT AS customer_id, (hash(i, 'amount') % 1000000) / 100.0 AS amount,
      DATE '2026-01-01' + (i % 365)::INTEGER AS day, ['eu', 'us', 'apac'][(i % 3) + 1] AS region
    FROM range(${ROWS}) t(i)) TO '${orders}' (FORMAT parquet, COMPRESSION zstd)`);
  await connection.run(`COPY (SELECT i AS id, 'customer ' || i AS name, ['retail', 'wholesale', 'online', 'partner'][(i % 4) + 1] AS segment
    FROM range(10000) t(i)) TO '${customers}' (FORMAT parquet, COMPRESSION zstd)`);
  connection.closeSync();
  instance.closeSync();
  return { orders, customers };
}

/** What the step does, minus Baton: a fresh database, views over the files, the result to Parquet, its first rows read. */
async function duckdbDirect(files: { orders: string; customers: string }): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: String(THREADS), memory_limit: `${MEMORY_LIMIT_MB}MB` });
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE VIEW orders AS FROM read_parquet('${files.orders}')`);
    await connection.run(`CREATE VIEW customers AS FROM read_parquet('${files.customers}')`);
    const out = join(work, 'direct.parquet');
    const copied = await connection.runAndReadAll(`COPY (${SQL}) TO '${out}' (FORMAT parquet, COMPRESSION snappy)`);
    await connection.runAndReadAll(`FROM read_parquet('${out}') LIMIT 100`);
    return Number(copied.getRowObjectsJson()[0].Count);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const store = new LocalArtifactStore(join(work, 'artifacts'));
const manifest = JSON.parse(readFileSync(`${packages}/sql/manifest.json`, 'utf8')) as { version: string };
const sandbox = new StepSandbox({
  memoryMb: env.STEP_MEMORY_MB,
  isolation: { mode: env.SANDBOX_ISOLATION, uids: env.SANDBOX_UID_RANGE },
  artifacts: store,
  scratchDir: env.SANDBOX_SCRATCH_DIR,
  scratchFileMb: env.SANDBOX_SCRATCH_FILE_MB,
  bundleDirs: [packages],
});

let n = 0;
function queryRequest(): SandboxRequest {
  n++;
  return {
    tenantId,
    pluginKey: `sql@${manifest.version}`,
    entry: `${packages}/sql/bundle.mjs`,
    firstParty: true,
    grants: { scratch: true, installed: ['@duckdb/node-api'] },
    stepId: 'query',
    input: { sql: SQL, tables: { orders: 'bench/orders.parquet', customers: 'bench/customers.parquet' }, memoryLimitMb: MEMORY_LIMIT_MB },
    timeoutMs: 600_000,
    ctx: { runId: 'bench', stepId: 'query', attempt: 1, idempotencyKey: `bench-${n}`, secrets: {} },
  };
}

async function viaStep(): Promise<number> {
  const outcome = await sandbox.run(queryRequest());
  if (!outcome.ok) throw new Error(`sql/query failed: ${outcome.error.code} ${outcome.error.message}`);
  return (outcome.outputs as { rows: number }).rows;
}

try {
  const files = await makeData();
  const ordersBytes = readFileSync(files.orders);
  await store.put(tenantId, 'bench/orders.parquet', ordersBytes, 'application/vnd.apache.parquet');
  await store.put(tenantId, 'bench/customers.parquet', readFileSync(files.customers), 'application/vnd.apache.parquet');
  console.log(
    `sql: ${ROWS.toLocaleString('en-US')} orders (${(ordersBytes.length / 2 ** 20).toFixed(1)} MiB of Parquet) joined with 10,000 customers, ` +
      `grouped by segment and region; ${THREADS} threads, memory limit ${MEMORY_LIMIT_MB} MB; ${ITERATIONS} runs each after a warm-up; ` +
      `sandbox ${sandbox.isolation ? 'OS-isolated' : `without OS isolation (${sandbox.isolationGap})`}, STEP_MEMORY_MB ${env.STEP_MEMORY_MB}`,
  );
  const runs = { step: [] as number[], direct: [] as number[] };
  for (let i = 0; i <= ITERATIONS; i++) {
    let rows = 0;
    const step = await time(async () => (rows = await viaStep()));
    const direct = await time(async () => {
      const directRows = await duckdbDirect(files);
      if (directRows !== rows) throw new Error(`the step wrote ${rows} rows, DuckDB alone ${directRows}`);
    });
    // The first round warms the step process, the page cache and DuckDB up.
    if (i > 0) {
      runs.step.push(step);
      runs.direct.push(direct);
    }
  }
  const line = (label: string, all: number[]) =>
    console.log(`  ${label.padEnd(34)} median ${median(all).toFixed(0).padStart(5)} ms   [${all.map((t) => t.toFixed(0)).join(', ')}] ms`);
  line('sql/query step (sandbox)', runs.step);
  line('DuckDB alone (@duckdb/node-api)', runs.direct);
  console.log(`  ratio step/DuckDB: ${(median(runs.step) / median(runs.direct)).toFixed(2)}`);
  reportResult({
    title: `sql: ${ROWS.toLocaleString('en-US')} orders joined with 10,000 customers and grouped; ${ITERATIONS} runs each after a warm-up`,
    columns: ['', 'median', 'ratio step/DuckDB'],
    rows: [
      ['sql/query step (sandbox)', `${median(runs.step).toFixed(0)} ms`, (median(runs.step) / median(runs.direct)).toFixed(2)],
      ['DuckDB alone (@duckdb/node-api)', `${median(runs.direct).toFixed(0)} ms`],
    ],
  });
} finally {
  await sandbox.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(0);
