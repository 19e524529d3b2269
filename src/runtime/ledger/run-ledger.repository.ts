import type { ErrorInfo, RunEvent, RunPipelineInput, RunPipelineResult, RunStatus, RunTrigger } from '../../../workers/contracts/index.js';
import type { Sql } from '../database/sql.js';

/** A run as the ledger records it: queued, with one row per step. */
export interface LedgerRun {
  id: string;
  tenantId: string;
  trigger: RunTrigger;
  pipeline: { id: string; name: string; version: number };
  inputs: Record<string, unknown>;
  retryOf?: string | null;
  parentRunId?: string | null;
  scheduleId?: string | null;
  steps: Array<{ stepId: string; uses: string; position: number }>;
}

/**
 * The outbox rows not sent yet: `engine` the workflow engine refused (down or unreachable), `slot`
 * held back for a concurrent-run slot of their plan, `dispatch` not tried yet (just recorded).
 */
export interface DispatchBacklog {
  engine: number;
  slot: number;
  dispatch: number;
  oldestSeconds: number;
}

/** An outbox row: a run acknowledged whose workflow the dispatcher has yet to start. */
export interface PendingDispatch {
  runId: string;
  tenantId: string;
  input: RunPipelineInput;
  /** A top-level run takes a concurrent-run slot before it starts. */
  topLevel: boolean;
  /** Sends tried so far. */
  attempts: number;
}

/** A run the sweep looks at. */
export interface UnsettledRun {
  id: string;
  tenantId: string;
  /** The control plane started it (it has an outbox row, sent): it can start it again. */
  dispatched: boolean;
  /** Started by this run's workflow, as its child. */
  parentRunId: string | null;
  createdAt: Date;
}

const json = (value: unknown) => JSON.stringify(value);

/**
 * What the run ledger reads and writes: `run`, `run_step` and `run_dispatch` rows (the worker's
 * progress goes through run-events.repository.ts, the ledger's other half), always on the
 * caller's transaction. Every query takes the tenant id, or works across tenants by design (the
 * dispatcher's and sweeper's scans).
 */
export class RunLedgerRepository {
  async exists(sql: Sql, tenantId: string, runId: string): Promise<boolean> {
    return (await sql('SELECT 1 FROM run WHERE tenant_id = $1 AND id = $2', [tenantId, runId])).length > 0;
  }

  /** The queued run and its steps; false when a run with its id was recorded first. */
  async insertQueued(sql: Sql, run: LedgerRun, rootRunId: string | null): Promise<boolean> {
    const inserted = await sql(
      `INSERT INTO run (id, tenant_id, pipeline_id, pipeline_name, version, status, trigger, inputs, retry_of, parent_run_id, schedule_id, root_run_id)
       VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        run.id,
        run.tenantId,
        run.pipeline.id,
        run.pipeline.name,
        run.pipeline.version,
        run.trigger,
        json(run.inputs),
        run.retryOf ?? null,
        run.parentRunId ?? null,
        run.scheduleId ?? null,
        rootRunId,
      ],
    );
    if (!inserted.length) return false;
    await this.insertSteps(sql, run, 'queued');
    return true;
  }

  /** A run admission refused, as failed (never started, counted nowhere), with `run.completed` saying why. */
  async insertRefused(sql: Sql, run: LedgerRun, error: ErrorInfo, completed: RunEvent): Promise<void> {
    const inserted = await sql(
      `INSERT INTO run (id, tenant_id, pipeline_id, pipeline_name, version, status, trigger, inputs, retry_of, parent_run_id, schedule_id, error, ended_at)
       VALUES ($1, $2, $3, $4, $5, 'failed', $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        run.id,
        run.tenantId,
        run.pipeline.id,
        run.pipeline.name,
        run.pipeline.version,
        run.trigger,
        json(run.inputs),
        run.retryOf ?? null,
        run.parentRunId ?? null,
        run.scheduleId ?? null,
        json(error),
        completed.at,
      ],
    );
    if (!inserted.length) return;
    await this.insertSteps(sql, run, 'skipped');
    await this.appendRunEvent(sql, run.tenantId, run.id, completed);
  }

  private async insertSteps(sql: Sql, run: LedgerRun, status: 'queued' | 'skipped'): Promise<void> {
    await sql(
      `INSERT INTO run_step (run_id, tenant_id, step_id, uses, status, attempt, position)
       SELECT $1, $2, s->>'stepId', s->>'uses', $4, 0, (s->>'position')::int FROM jsonb_array_elements($3::jsonb) AS s`,
      [run.id, run.tenantId, json(run.steps), status],
    );
  }

  async appendRunEvent(sql: Sql, tenantId: string, runId: string, event: RunEvent): Promise<void> {
    await sql(
      `INSERT INTO run_event (run_id, tenant_id, key, type, step_id, data, created_at) VALUES ($1, $2, $3, $4, NULL, $5, $6) ON CONFLICT (run_id, key) DO NOTHING`,
      [runId, tenantId, event.key, event.type, json(event), event.at],
    );
  }

  async insertDispatch(sql: Sql, tenantId: string, input: RunPipelineInput): Promise<void> {
    await sql(`INSERT INTO run_dispatch (run_id, tenant_id, input) VALUES ($1, $2, $3)`, [input.runId, tenantId, json(input)]);
  }

  /** The run's unsent outbox row, locked until the transaction ends; null if sent, gone, or another replica holds it. */
  async lockPending(sql: Sql, runId: string): Promise<PendingDispatch | null> {
    const [row] = await sql<PendingDispatch>(
      `SELECT d.run_id AS "runId", d.tenant_id AS "tenantId", d.input, r.parent_run_id IS NULL AS "topLevel", d.attempts
         FROM run_dispatch d JOIN run r ON r.id = d.run_id
        WHERE d.run_id = $1 AND d.sent_at IS NULL FOR UPDATE OF d SKIP LOCKED`,
      [runId],
    );
    return row ?? null;
  }

  /** Unsent rows due now, oldest first (so that a tenant's runs take its slots in order). */
  async due(sql: Sql, limit: number): Promise<Array<{ runId: string; tenantId: string }>> {
    return sql(
      `SELECT run_id AS "runId", tenant_id AS "tenantId" FROM run_dispatch WHERE sent_at IS NULL AND next_attempt_at <= now() ORDER BY created_at, run_id LIMIT $1`,
      [limit],
    );
  }

  /** Unsent rows by what they wait for, and the age of the oldest: what an operator watches. */
  async backlog(sql: Sql): Promise<DispatchBacklog> {
    const [row] = await sql<DispatchBacklog>(
      `SELECT count(*) FILTER (WHERE last_error IS NOT NULL)::int AS engine,
              count(*) FILTER (WHERE last_error IS NULL AND next_attempt_at > created_at)::int AS slot,
              count(*) FILTER (WHERE last_error IS NULL AND next_attempt_at <= created_at)::int AS dispatch,
              COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS "oldestSeconds"
         FROM run_dispatch WHERE sent_at IS NULL`,
      [],
    );
    return row;
  }

  /** The rest of this transaction commits without waiting for its WAL to reach the disk. */
  async relaxDurability(sql: Sql): Promise<void> {
    await sql('SET LOCAL synchronous_commit = off', []);
  }

  async markSent(sql: Sql, runId: string): Promise<void> {
    await sql(`UPDATE run_dispatch SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE run_id = $1`, [runId]);
  }

  /** Tried again after `delayMs`; `error` says why it was not sent. */
  async postpone(sql: Sql, runId: string, delayMs: number, error: string | null): Promise<void> {
    await sql(
      `UPDATE run_dispatch SET next_attempt_at = now() + make_interval(secs => $2::float8 / 1000), attempts = attempts + CASE WHEN $3::text IS NULL THEN 0 ELSE 1 END, last_error = $3
        WHERE run_id = $1 AND sent_at IS NULL`,
      [runId, delayMs, error],
    );
  }

  /** Withdraws the run's unsent outbox row; false when the dispatcher sent it first. */
  async withdraw(sql: Sql, tenantId: string, runId: string): Promise<boolean> {
    return (
      (await sql(`DELETE FROM run_dispatch WHERE tenant_id = $1 AND run_id = $2 AND sent_at IS NULL RETURNING run_id`, [tenantId, runId]))
        .length > 0
    );
  }

  /** Puts a sent row back in the outbox: its workflow is gone and must be started again. */
  async resend(sql: Sql, tenantId: string, runId: string): Promise<boolean> {
    return (
      (
        await sql(
          `UPDATE run_dispatch SET sent_at = NULL, next_attempt_at = now() WHERE tenant_id = $1 AND run_id = $2 AND sent_at IS NOT NULL RETURNING run_id`,
          [tenantId, runId],
        )
      ).length > 0
    );
  }

  /**
   * Ends a run that has not ended (and its steps that have not), with `run.completed` saying why;
   * false when it had already ended.
   */
  async settle(
    sql: Sql,
    tenantId: string,
    runId: string,
    status: RunPipelineResult['status'],
    outputs: Record<string, unknown> | null,
    error: ErrorInfo | null,
    completed: RunEvent,
    from: readonly RunStatus[] = ['queued', 'running', 'waiting'],
  ): Promise<boolean> {
    const ended = await sql(
      `UPDATE run SET status = $3, outputs = $4, error = $5, ended_at = $6 WHERE tenant_id = $1 AND id = $2 AND status = ANY($7::text[]) RETURNING id`,
      [tenantId, runId, status, json(outputs), json(error), completed.at, from],
    );
    if (!ended.length) return false;
    await sql(
      `UPDATE run_step SET status = CASE WHEN status = 'queued' THEN 'skipped' ELSE 'cancelled' END, ended_at = coalesce(ended_at, $3)
        WHERE tenant_id = $1 AND run_id = $2 AND status IN ('queued', 'running', 'waiting')`,
      [tenantId, runId, completed.at],
    );
    await this.appendRunEvent(sql, tenantId, runId, completed);
    return true;
  }

  /**
   * Runs that should be going: not ended, recorded more than `graceSeconds` ago, not waiting in
   * the outbox, oldest first after `after` (the sweep's cursor).
   */
  async unsettled(sql: Sql, graceSeconds: number, after: string | null, limit: number): Promise<UnsettledRun[]> {
    return sql(
      `SELECT r.id, r.tenant_id AS "tenantId", d.run_id IS NOT NULL AS dispatched, r.parent_run_id AS "parentRunId", r.created_at AS "createdAt"
         FROM run r LEFT JOIN run_dispatch d ON d.run_id = r.id
        WHERE r.status IN ('queued', 'running', 'waiting') AND r.created_at < now() - make_interval(secs => $1)
          AND (d.run_id IS NULL OR d.sent_at IS NOT NULL) AND ($2::uuid IS NULL OR r.id > $2::uuid)
        ORDER BY r.id LIMIT $3`,
      [graceSeconds, after, limit],
    );
  }

  async deleteEndedBefore(sql: Sql, plan: string, cutoff: Date, batch: number): Promise<number> {
    const [{ deleted }] = await sql<{ deleted: number }>(
      `WITH gone AS (
         DELETE FROM run WHERE id IN (
           SELECT r.id FROM run r JOIN tenant t ON t.id = r.tenant_id WHERE t.plan = $1 AND r.ended_at < $2 LIMIT $3
         ) RETURNING 1
       ) SELECT count(*)::int AS deleted FROM gone`,
      [plan, cutoff, batch],
    );
    return deleted;
  }
}
