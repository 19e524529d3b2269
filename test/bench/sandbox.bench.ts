/**
 * `npm run bench:sandbox`: what the sandbox costs per step, in one process, on the packed
 * first-party bundles. Each pair runs alternately and prints medians and the ratio b/a:
 *   cold: a fresh step process per step (spawn, load the bundle, run core/echo), permission
 *         model only (a) against full OS isolation: uid, limits, network namespace (b);
 *   code cache: the same cold start, isolated, compiling the bundle (a) against loading it with the
 *         V8 code cache the worker made of it (b);
 *   spare: the first step of a tenant with no warm process, isolated: a fresh process (a) against
 *         a spare started ahead of it (SANDBOX_SPARE_PROCESSES) that has loaded the bundle (b);
 *         only the steps are timed, not the wait for the next spare between them;
 *   warm: core/echo on a warm process, the same two ways;
 *   http: http/request to a local server through the egress broker from an isolated process (b)
 *         against the same request made with fetch in this process (a);
 *   tcp:  postgres/query through the worker's TCP relay from an isolated process (b) against the
 *         same query with pg in this process (a): `SELECT 1` (connection set-up dominates) and
 *         ~0.5 MB of rows (the relayed bytes dominate). BENCH_PG_URL names the server
 *         (default: the machine's PostgreSQL, postgres@127.0.0.1:5432).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sha256Digest } from '../../plugins/sdk/src/package/digest.js';
import { EgressBroker } from '../../src/runtime/egress/egress-broker.js';
import { AddressPolicy } from '../../src/runtime/egress/egress-policy.js';
import { StepSandbox, type SandboxRequest } from '../../workers/sandbox/step-sandbox.js';
import { setTimeout as delay } from 'node:timers/promises';
import { compare, formatTimes, ITERATIONS, median, reportResult } from './harness.js';

const TASKS = Number(process.env.BENCH_TASKS ?? 20);
/** Steps on a warm process take about a millisecond: ten times as many per iteration, or timer and GC noise is the figure. */
const WARM_TASKS = TASKS * 10;
const bundle = (name: string) => fileURLToPath(new URL(`../../plugin-packages/${name}/bundle.mjs`, import.meta.url));
/** Pinned, as the worker always pins them: a process checks the digest, and code caches are kept by digest. */
const pinned = (name: string) => ({ entry: bundle(name), digest: sha256Digest(readFileSync(bundle(name))) });
const isolation = { mode: 'strict' as const, uids: { first: 200000, count: 1000 } };
const broker = new EgressBroker({ allowCidrs: ['127.0.0.1/32'] });
const packagesDir = fileURLToPath(new URL('../../plugin-packages', import.meta.url));

const server = createServer((_request, response) => response.end('{"ok":true}'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

let n = 0;
const echo = (): SandboxRequest => ({
  tenantId: 'bench',
  pluginKey: 'core@1.0.0',
  ...pinned('core'),
  stepId: 'echo',
  input: { n: n++ },
  timeoutMs: 30_000,
  ctx: { runId: 'bench', stepId: 'echo', attempt: 1, idempotencyKey: `bench-${n}`, secrets: {} },
});
const request = (): SandboxRequest => ({
  ...echo(),
  pluginKey: 'http@1.0.0',
  ...pinned('http'),
  stepId: 'request',
  input: { url },
  egress: ['*'],
});
const pgUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const pgEndpoint = `${new URL(pgUrl).hostname}:${new URL(pgUrl).port || 5432}`;
const ONE = 'SELECT 1 AS one';
const ROWS = "SELECT i, repeat('x', 1000) AS payload FROM generate_series(1, 450) AS i";
const query = (sql: string) => (): SandboxRequest => ({
  ...echo(),
  pluginKey: 'postgres@1.2.1',
  ...pinned('postgres'),
  stepId: 'query',
  input: { connection: pgUrl, sql },
  network: { patterns: ['*:*'], endpoints: [pgEndpoint], approveHint: 'PUT /v1/plugins/postgres/network' },
});
const inProcess = (sql: string) => async () => {
  for (let i = 0; i < TASKS; i++) {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(sql);
    await client.end();
  }
};

async function run(sandbox: StepSandbox, make: () => SandboxRequest, times = TASKS): Promise<void> {
  for (let i = 0; i < times; i++) {
    const outcome = await sandbox.run(make());
    if (!outcome.ok) throw new Error(`bench step failed: ${outcome.error.message}`);
  }
}

let tenants = 0;
const stepped = new WeakSet<StepSandbox>();
/** Each step for a tenant of its own, so none finds a warm process; returns the time of the steps alone. */
async function firstSteps(sandbox: StepSandbox, waitForSpare: boolean): Promise<number> {
  let total = 0;
  for (let i = 0; i < TASKS; i++) {
    // Every step but a sandbox's very first starts a spare once it has answered.
    while (waitForSpare && stepped.has(sandbox) && sandbox.stats().sparesReady === 0) await delay(5);
    const started = performance.now();
    const outcome = await sandbox.run({ ...echo(), tenantId: `bench-${++tenants}` });
    total += performance.now() - started;
    stepped.add(sandbox);
    if (!outcome.ok) throw new Error(`bench step failed: ${outcome.error.message}`);
  }
  return total;
}

async function compareTimed(a: () => Promise<number>, b: () => Promise<number>): Promise<{ a: number[]; b: number[] }> {
  await a();
  await b();
  const times = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < ITERATIONS; i++) {
    times.a.push(await a());
    times.b.push(await b());
  }
  return times;
}

const report = (title: string, a: string, b: string, times: { a: number[]; b: number[] }, tasks = TASKS) => {
  console.log(`\n${title}, ${tasks} steps per iteration`);
  console.log(`  (a) ${a}: ${formatTimes(times.a)}`);
  console.log(`  (b) ${b}: ${formatTimes(times.b)}`);
  console.log(
    `  ratio b/a: ${(median(times.b) / median(times.a)).toFixed(2)}   per step: a ${(median(times.a) / tasks).toFixed(2)} ms, b ${(median(times.b) / tasks).toFixed(2)} ms`,
  );
  reportResult({
    title: `${title}, ${tasks} steps per iteration`,
    columns: ['', 'median per step', 'ratio b/a'],
    rows: [
      [`(a) ${a}`, `${(median(times.a) / tasks).toFixed(tasks > TASKS ? 2 : 1)} ms`],
      [`(b) ${b}`, `${(median(times.b) / tasks).toFixed(tasks > TASKS ? 2 : 1)} ms`, (median(times.b) / median(times.a)).toFixed(2)],
    ],
  });
};

const cold = { maxIdlePerKey: 0, maxIdleTotal: 0, bundleDirs: [packagesDir] };
const plainCold = new StepSandbox(cold);
const isolatedCold = new StepSandbox({ ...cold, isolation });
const compilingCold = new StepSandbox({ ...cold, isolation, codeCaches: false });
const isolatedSpares = new StepSandbox({ ...cold, isolation, spares: 1 });
const plainWarm = new StepSandbox({ bundleDirs: [packagesDir] });
const isolatedWarm = new StepSandbox({
  isolation,
  broker,
  relayPolicy: new AddressPolicy({ allowCidrs: ['127.0.0.1/32'] }),
  bundleDirs: [packagesDir],
});
if (!isolatedCold.isolation) throw new Error(`OS isolation is not available here: ${isolatedCold.isolationGap}`);

report(
  'cold: a new step process per step',
  'permission model only',
  'own uid + namespaces + limits',
  await compare(
    () => run(plainCold, echo),
    () => run(isolatedCold, echo),
  ),
);
report(
  'code cache: a new step process per step, isolated',
  'compiling the bundle',
  "with the worker's code cache of it",
  await compare(
    () => run(compilingCold, echo),
    () => run(isolatedCold, echo),
  ),
);
const spare = await compareTimed(
  () => firstSteps(isolatedCold, false),
  () => firstSteps(isolatedSpares, true),
);
report('spare: the first step of a tenant, isolated', 'a new process', 'a spare that loaded the bundle', spare);
console.log(
  `  cold start per step, before -> after spares: ${(median(spare.a) / TASKS).toFixed(1)} -> ${(median(spare.b) / TASKS).toFixed(1)} ms`,
);
const warm = await compare(
  () => run(plainWarm, echo, WARM_TASKS),
  () => run(isolatedWarm, echo, WARM_TASKS),
);
report('warm: core/echo on a warm process', 'permission model only', 'own uid + namespaces + limits', warm, WARM_TASKS);
const direct = async () => {
  for (let i = 0; i < WARM_TASKS; i++) await (await fetch(url)).json();
};
const http = await compare(direct, () => run(isolatedWarm, request, WARM_TASKS));
report('http: one GET to a local server', 'fetch in this process', 'http/request via the egress broker, isolated', http, WARM_TASKS);
const perStep = (times: number[]) => median(times) / WARM_TASKS;
console.log(
  `  of which the broker and the pipe (b - a - a warm isolated core/echo step): ${(perStep(http.b) - perStep(http.a) - perStep(warm.b)).toFixed(2)} ms`,
);

report(
  'tcp: postgres/query SELECT 1, a connection each',
  'pg in this process',
  'postgres/query via the TCP relay, isolated',
  await compare(inProcess(ONE), () => run(isolatedWarm, query(ONE))),
);
report(
  'tcp: postgres/query of 450 rows of 1 kB, a connection each',
  'pg in this process',
  'postgres/query via the TCP relay, isolated',
  await compare(inProcess(ROWS), () => run(isolatedWarm, query(ROWS))),
);

await Promise.all([plainCold, isolatedCold, compilingCold, isolatedSpares, plainWarm, isolatedWarm].map((sandbox) => sandbox.close()));
server.close();
process.exit(0);
