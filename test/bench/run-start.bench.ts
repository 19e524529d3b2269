/**
 * `npm run bench:run-start`: what the run ledger costs a run start, on the whole stack. In process,
 * alternating, each start of a one-step run until Temporal took it (on a task queue nobody polls,
 * so that no run executes meanwhile):
 *
 * - (a) baseline, the idiom before the ledger: insert the run and its steps in one transaction,
 *   then start the workflow;
 * - (b) the ledger: run, steps and outbox row (with the plan's admission) in one transaction, then
 *   the dispatcher's transaction that takes the concurrent-run slot, starts the workflow and marks
 *   the row sent;
 * - (c) (b) with an Idempotency-Key record written in the ledger's transaction.
 *
 * Then over HTTP, the API's `POST /v1/pipelines/{name}/runs` without and with `Idempotency-Key`
 * (those runs do execute, on the stack's worker, alongside).
 * Prints medians and ratios to (a). BENCH_STARTS sets how many of each.
 */
import { randomUUID } from 'node:crypto';
import { runStepRows } from '../../workers/contracts/graph.js';
import { RUN_PIPELINE_WORKFLOW, type RunPipelineInput } from '../../workers/contracts/index.js';
import { createDataSource } from '../../src/database/data-source.js';
import { typeormTransact } from '../../src/runtime/database/transact.js';
import { IdempotencyRepository } from '../../src/common/idempotency/idempotency.repository.js';
import { PlanCatalog } from '../../src/runtime/ledger/plans.js';
import { RunAdmission } from '../../src/runtime/ledger/run-admission.js';
import { RunDispatcher } from '../../src/runtime/ledger/run-dispatcher.js';
import { RunLedger } from '../../src/runtime/ledger/run-ledger.js';
import { median, reportResult, time, withBenchStack } from './harness.js';

const STARTS = Number(process.env.BENCH_STARTS ?? 100);
const UNPOLLED = 'bench-unpolled';

await withBenchStack(
  {},
  async (stack) => {
    const db = await createDataSource(stack.databaseUrl, 4).initialize();
    await stack.call('PUT', '/v1/pipelines/one-step', {
      apiVersion: 'baton/v1',
      kind: 'Pipeline',
      name: 'one-step',
      steps: { hi: { uses: 'core/echo@^1' } },
    });
    const [pipeline] = await db.query(
      `SELECT p.id, p.tenant_id AS "tenantId", v.definition, v.pins FROM pipeline p JOIN pipeline_version v ON v.pipeline_id = p.id AND v.version = p.latest_version WHERE p.name = 'one-step'`,
    );
    const { tenantId } = pipeline;
    const transact = typeormTransact(db);
    const admission = new RunAdmission({
      billing: false,
      catalog: PlanCatalog.load({ priceIds: {} }),
      gracePeriodMs: 0,
      fanOutBudget: 20_000,
    });
    const ledger = new RunLedger(transact, admission);
    const dispatcher = new RunDispatcher(transact, stack.client, admission, { taskQueue: UNPOLLED });
    const records = new IdempotencyRepository(db);
    const steps = runStepRows(pipeline.definition);
    const inputOf = (runId: string): RunPipelineInput => ({
      runId,
      tenantId,
      trigger: 'api',
      inputs: {},
      pipeline: { name: 'one-step', version: 1, definition: pipeline.definition, pins: pipeline.pins },
    });

    const before = async () => {
      const id = randomUUID();
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO run (id, tenant_id, pipeline_id, pipeline_name, version, status, trigger, inputs) VALUES ($1, $2, $3, 'one-step', 1, 'queued', 'api', '{}')`,
          [id, tenantId, pipeline.id],
        );
        await tx.query(
          `INSERT INTO run_step (run_id, tenant_id, step_id, uses, status, attempt, position) VALUES ($1, $2, 'hi', 'core/echo@^1', 'queued', 0, 0)`,
          [id, tenantId],
        );
      });
      await stack.client.workflow.start(RUN_PIPELINE_WORKFLOW, { workflowId: id, taskQueue: UNPOLLED, args: [inputOf(id)] });
    };
    const viaLedger = (keyed: boolean) => async () => {
      const id = randomUUID();
      const requestHash = randomUUID();
      await ledger.record({
        run: { id, tenantId, trigger: 'api', pipeline: { id: pipeline.id, name: 'one-step', version: 1 }, inputs: {}, steps },
        dispatch: inputOf(id),
        alongside: keyed
          ? async (sql) =>
              void (await records.recordWithin(
                sql,
                { tenantId, key: id, requestHash, statusCode: 202, body: { id }, credentialWithheld: false },
                86_400,
              ))
          : undefined,
      });
      if ((await dispatcher.dispatch(id)) !== 'sent') throw new Error(`run ${id} was not sent`);
    };
    const viaApi = (keyed: boolean) => async () => {
      const response = await fetch(`${stack.baseUrl}/v1/pipelines/one-step/runs`, {
        method: 'POST',
        body: '{}',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${stack.token}`,
          ...(keyed ? { 'idempotency-key': randomUUID() } : {}),
        },
      });
      if (response.status !== 202) throw new Error(`POST runs: ${response.status} ${await response.text()}`);
    };

    const cases = { a: before, b: viaLedger(false), c: viaLedger(true), d: viaApi(false), e: viaApi(true) };
    const times = Object.fromEntries(Object.keys(cases).map((k) => [k, [] as number[]])) as Record<keyof typeof cases, number[]>;
    for (const run of Object.values(cases)) await run();
    for (let i = 0; i < STARTS; i++)
      for (const [name, run] of Object.entries(cases)) times[name as keyof typeof cases].push(await time(run));
    const a = median(times.a);
    const line = (label: string, t: number[]) =>
      `  ${label.padEnd(58)} median ${median(t).toFixed(2)} ms   ratio to (a): ${(median(t) / a).toFixed(2)}`;
    console.log(`\nRun start, ${STARTS} of each, alternating, until Temporal took the workflow`);
    console.log(line('(a) before: run + steps, then start the workflow', times.a));
    console.log(line('(b) ledger: run + steps + outbox, then dispatch', times.b));
    console.log(line('(c) ledger with an Idempotency-Key record in its transaction', times.c));
    console.log(line('(d) over HTTP: POST /v1/pipelines/{name}/runs', times.d));
    console.log(line('(e) over HTTP with Idempotency-Key', times.e));
    const labels: Record<keyof typeof cases, string> = {
      a: '(a) before: run + steps, then start the workflow',
      b: '(b) ledger: run + steps + outbox, then dispatch',
      c: '(c) ledger with an Idempotency-Key record in its transaction',
      d: '(d) over HTTP: POST /v1/pipelines/{name}/runs',
      e: '(e) over HTTP with Idempotency-Key',
    };
    reportResult({
      title: `Run start, ${STARTS} of each, alternating, until Temporal took the workflow`,
      columns: ['', 'median', 'ratio to (a)'],
      rows: Object.entries(labels).map(([k, label]) => {
        const t = median(times[k as keyof typeof cases]);
        return [label, `${t.toFixed(2)} ms`, (t / a).toFixed(2)];
      }),
    });
    await db.destroy();
  },
  { RUN_DISPATCH_INTERVAL: '1h' },
);
process.exit(0);
