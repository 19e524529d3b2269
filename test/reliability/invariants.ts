import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { usagePeriod } from '../../src/runtime/ledger/run-admission.js';
import { RUN_PIPELINE_WORKFLOW, SEARCH_ATTRIBUTES, TERMINAL_RUN_STATUSES } from '../../workers/contracts/run.contract.js';

export interface InvariantScope {
  /** Only these tenants' runs, workflows, usage and outbox rows: tests running beside this one keep theirs. */
  tenantIds: string[];
  namespace?: string;
  /** Whether the stack runs with billing on (STRIPE_SECRET_KEY set): only then are run starts counted in billing_usage. */
  billing?: boolean;
  /** How long to keep checking until nothing is violated, for what settles a moment after the runs end. Default 10 s. */
  settleMs?: number;
}

const OUTBOX_GRACE_SECONDS = 60;

/**
 * What must hold after any fault scenario has settled (issue 18), as a list of violations, empty
 * when all is well: runs and Temporal workflows one to one (`workflowId = run id`; a run admission
 * refused has none), no runPipeline workflow without its run row, every step of an ended run ended,
 * billing usage equal to the top-level runs started this period, and no unsent outbox row of an ended
 * or older run. A run whose start failed (`start_failed`, the API's 503 when Temporal is down) has
 * no workflow, or one that ran nothing (the engine took the start but its reply was lost): no
 * `run.started`, no step event.
 */
export async function checkInvariants(databaseUrl: string, temporalAddress: string, scope: InvariantScope): Promise<string[]> {
  const deadline = Date.now() + (scope.settleMs ?? 10_000);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const connection = await Connection.connect({ address: temporalAddress });
  try {
    const client = new Client({ connection, namespace: scope.namespace ?? 'default' });
    for (;;) {
      const violations = await violationsNow(db, client, scope);
      if (!violations.length || Date.now() > deadline) return violations;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await connection.close();
    await db.end();
  }
}

interface RunRow {
  id: string;
  tenantId: string;
  status: string;
  code: string | null;
  admission: string | null;
  parentRunId: string | null;
  ran: boolean;
}

async function violationsNow(db: pg.Client, client: Client, { tenantIds, billing }: InvariantScope): Promise<string[]> {
  if (!tenantIds.length) return [];
  const violations: string[] = [];
  const { rows: runs } = await db.query<RunRow>(
    `SELECT id, tenant_id AS "tenantId", status, error->>'code' AS code, error->>'admission' AS admission, parent_run_id AS "parentRunId",
            EXISTS (SELECT 1 FROM run_event e WHERE e.run_id = run.id AND (e.type = 'run.started' OR e.type LIKE 'step.%')) AS ran
       FROM run WHERE tenant_id = ANY($1::uuid[])`,
    [tenantIds],
  );

  // Every execution of Baton's run workflow of these tenants, by workflow id.
  const executions = new Map<string, Array<{ runId: string; status: string }>>();
  const tenants = tenantIds.map((id) => `'${id.replace(/'/g, '')}'`).join(', ');
  for await (const workflow of client.workflow.list({
    query: `WorkflowType = '${RUN_PIPELINE_WORKFLOW}' AND ${SEARCH_ATTRIBUTES.tenant} IN (${tenants})`,
  })) {
    const list = executions.get(workflow.workflowId) ?? [];
    list.push({ runId: workflow.runId, status: workflow.status.name });
    executions.set(workflow.workflowId, list);
  }

  const known = new Set<string>();
  for (const run of runs) {
    known.add(run.id);
    const found = executions.get(run.id) ?? [];
    const terminal = (TERMINAL_RUN_STATUSES as readonly string[]).includes(run.status);
    if (run.admission === 'refused') {
      if (found.length) violations.push(`run ${run.id} (refused by admission) has ${found.length} workflow(s)`);
      if (!terminal) violations.push(`run ${run.id} (${run.code}) is still ${run.status}`);
      continue;
    }
    if (run.code === 'start_failed') {
      if (found.length > 1) violations.push(`run ${run.id} (start_failed) has ${found.length} workflow executions`);
      if (run.ran) violations.push(`run ${run.id} (start_failed) ran: its workflow recorded a start or a step`);
      if (!terminal) violations.push(`run ${run.id} (${run.code}) is still ${run.status}`);
      continue;
    }
    if (found.length !== 1) violations.push(`run ${run.id} (${run.status}) has ${found.length} workflow executions, not 1`);
    if (!terminal) violations.push(`run ${run.id} is still ${run.status}`);
    else if (found.some((w) => w.status === 'RUNNING')) violations.push(`run ${run.id} is ${run.status} but its workflow still runs`);
  }
  for (const [workflowId] of executions)
    if (!known.has(workflowId)) violations.push(`workflow ${workflowId} (${RUN_PIPELINE_WORKFLOW}) has no run row`);

  const { rows: steps } = await db.query<{ runId: string; stepId: string; status: string; runStatus: string }>(
    `SELECT s.run_id AS "runId", s.step_id AS "stepId", s.status, r.status AS "runStatus"
       FROM run_step s JOIN run r ON r.id = s.run_id
      WHERE r.tenant_id = ANY($1::uuid[]) AND r.status = ANY($2::text[]) AND s.status IN ('queued', 'running', 'waiting')`,
    [tenantIds, TERMINAL_RUN_STATUSES],
  );
  for (const s of steps) violations.push(`run ${s.runId} is ${s.runStatus} but its step ${s.stepId} is still ${s.status}`);

  // Without billing, admission counts nothing (RunAdmission.admit): there is no counter to compare.
  if (billing) {
    const period = usagePeriod();
    const { rows: usage } = await db.query<{ tenantId: string; counted: number; runs: number }>(
      `SELECT t.id AS "tenantId",
              coalesce((SELECT u.runs FROM billing_usage u WHERE u.tenant_id = t.id AND u.period_start = $2::date), 0)::int AS counted,
              (SELECT count(*) FROM run r WHERE r.tenant_id = t.id AND r.parent_run_id IS NULL AND r.created_at >= $2::date
                 AND coalesce(r.error->>'admission', '') <> 'refused')::int AS runs
         FROM tenant t WHERE t.id = ANY($1::uuid[])`,
      [tenantIds, period.start.toISOString().slice(0, 10)],
    );
    for (const u of usage)
      if (u.counted !== u.runs) violations.push(`tenant ${u.tenantId}: billing_usage counts ${u.counted} runs, the ledger has ${u.runs}`);
  }

  // The lead's transactional outbox (run_dispatch); absent before its migration.
  const {
    rows: [outbox],
  } = await db.query<{ table: string | null }>(`SELECT to_regclass('run_dispatch')::text AS table`);
  if (outbox?.table) {
    const { rows: unsent } = await db.query<{ runId: string; status: string | null; age: number }>(
      `SELECT d.run_id AS "runId", r.status, extract(epoch FROM now() - d.created_at)::int AS age
         FROM run_dispatch d LEFT JOIN run r ON r.id = d.run_id
        WHERE d.tenant_id = ANY($1::uuid[]) AND d.sent_at IS NULL
          AND (r.status IS NULL OR r.status = ANY($2::text[]) OR d.created_at < now() - make_interval(secs => $3))`,
      [tenantIds, TERMINAL_RUN_STATUSES, OUTBOX_GRACE_SECONDS],
    );
    for (const d of unsent) violations.push(`outbox row of run ${d.runId} (${d.status ?? 'no run row'}, ${d.age} s old) was never sent`);
  }
  return violations;
}
