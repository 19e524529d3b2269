import type pg from 'pg';
import {
  eventKeyPrefix,
  RUN_EVENTS_CHANNEL,
  TERMINAL_RUN_STATUSES,
  type RunEvent,
  type RunPipelineResult,
  type RunStartAnswer,
  type RunStatus,
} from '../../../workers/contracts/index.js';
import { inTransaction } from '../database/pg-transaction.js';

/** Told, after commit, of a run's start or end that a newly appended event recorded (the operator metrics). */
export interface RunProjectionObserver {
  runDequeued(tenantId: string, trigger: string, waitSeconds: number): void;
  runFinished(tenantId: string, status: string): void;
}

type RunFact = { kind: 'started'; trigger: string; waitSeconds: number } | { kind: 'finished'; status: string };

/**
 * Appends run events idempotently (unique `(run_id, key)`) and, in the same transaction,
 * applies each newly inserted event to the `run` / `run_step` projections the API reads.
 * A replayed append inserts nothing and changes nothing.
 */
export class RunEventsRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly observer?: RunProjectionObserver,
  ) {}

  /**
   * Starts the run (appends `run.started`) only while fewer than `limit` runs of its pipeline are
   * running or waiting (`full` otherwise). A per-pipeline advisory lock makes the count and the
   * start one step. `ended`: the run ended before it started (see `start`).
   */
  async admit(tenantId: string, runId: string, limit: number, event: RunEvent): Promise<RunStartAnswer | 'full'> {
    return this.inTransaction(tenantId, async (client, facts) => {
      const run = await lockRun(client, tenantId, runId);
      if (run.ended) return { ended: run.ended };
      if (run.status !== 'queued') return {};
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('baton.run-admission:' || $1))`, [run.pipelineId]);
      const active = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM run WHERE tenant_id = $1 AND pipeline_id = $2 AND status IN ('running', 'waiting')`,
        [tenantId, run.pipelineId],
      );
      if (active.rows[0].n >= limit) return 'full';
      await this.appendIn(client, tenantId, runId, [event], facts);
      return {};
    });
  }

  /**
   * Appends the first events of a run's workflow (`run.started` among them) unless the run ended
   * before its workflow started: the control plane gave it up while the engine's reply to the start
   * was lost. Locked against that, so one of the two wins: the workflow's start (and the control
   * plane then leaves the run be) or the run's end (and the workflow runs nothing).
   */
  async start(tenantId: string, runId: string, events: RunEvent[]): Promise<RunStartAnswer> {
    return this.inTransaction(tenantId, async (client, facts) => {
      const run = await lockRun(client, tenantId, runId);
      if (run.ended) return { ended: run.ended };
      await this.appendIn(client, tenantId, runId, events, facts);
      return {};
    });
  }

  /**
   * Appends `events`, and when any is new, calls `admit` in the same transaction: if it throws,
   * nothing is appended. A replayed append admits nothing a second time.
   */
  async appendAdmitted(
    tenantId: string,
    runId: string,
    events: RunEvent[],
    admit: (client: pg.PoolClient) => Promise<void>,
  ): Promise<number> {
    return this.inTransaction(tenantId, async (client, facts) => {
      const inserted = await this.appendIn(client, tenantId, runId, events, facts);
      if (inserted) await admit(client);
      return inserted;
    });
  }

  async append(tenantId: string, runId: string, events: RunEvent[]): Promise<number> {
    if (!events.length) return 0;
    return this.inTransaction(tenantId, (client, facts) => this.appendIn(client, tenantId, runId, events, facts));
  }

  /** `work` in one transaction; what it learnt about runs is reported to the observer once committed. */
  private async inTransaction<T>(tenantId: string, work: (client: pg.PoolClient, facts: RunFact[]) => Promise<T>): Promise<T> {
    const facts: RunFact[] = [];
    const result = await inTransaction(this.pool, (client) => work(client, facts));
    for (const fact of facts) {
      if (fact.kind === 'started') this.observer?.runDequeued(tenantId, fact.trigger, fact.waitSeconds);
      else this.observer?.runFinished(tenantId, fact.status);
    }
    return result;
  }

  private async appendIn(client: pg.PoolClient, tenantId: string, runId: string, events: RunEvent[], facts: RunFact[]): Promise<number> {
    const { rows } = await client.query<{ key: string }>(
      `INSERT INTO run_event (run_id, tenant_id, key, type, step_id, data, created_at)
       SELECT $1, $2, e->>'key', e->>'type', e->>'stepId', e, (e->>'at')::timestamptz FROM jsonb_array_elements($3::jsonb) AS e
       ON CONFLICT (run_id, key) DO NOTHING RETURNING key`,
      [runId, tenantId, JSON.stringify(events)],
    );
    const inserted = new Set(rows.map((r) => r.key));
    // A batch of a fan-out's items counts its successes in one statement, not one per item.
    let successes: { stepId: string; items: number[] } | undefined;
    const countSuccesses = async () => {
      if (successes) await countItemSuccesses(client, tenantId, runId, successes.stepId, successes.items);
      successes = undefined;
    };
    for (const event of events) {
      if (!inserted.has(event.key) || projectsNothing(event)) continue;
      if (event.type === 'step.item_succeeded') {
        if (successes && successes.stepId !== event.stepId) await countSuccesses();
        successes ??= { stepId: event.stepId, items: [] };
        successes.items.push(event.item);
        continue;
      }
      await countSuccesses();
      const fact = await project(client, tenantId, runId, event);
      if (fact) facts.push(fact);
    }
    await countSuccesses();
    // Delivered at commit: API replicas streaming this run fetch what is new.
    if (inserted.size) await client.query('SELECT pg_notify($1, $2)', [RUN_EVENTS_CHANNEL, runId]);
    return inserted.size;
  }
}

/** The run's row, locked until the transaction ends, and how it ended if it has. */
async function lockRun(
  db: pg.PoolClient,
  tenantId: string,
  runId: string,
): Promise<{ pipelineId: string; status: RunStatus; ended?: RunPipelineResult }> {
  const { rows } = await db.query<{
    pipelineId: string;
    status: RunStatus;
    outputs: Record<string, unknown> | null;
    error: RunPipelineResult['error'];
  }>('SELECT pipeline_id AS "pipelineId", status, outputs, error FROM run WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, runId]);
  const run = rows[0];
  if (!run) throw new Error(`run ${runId} not found`);
  if (!TERMINAL_RUN_STATUSES.includes(run.status)) return run;
  return { ...run, ended: { status: run.status as RunPipelineResult['status'], outputs: run.outputs, error: run.error } };
}

/**
 * Applies one newly appended event to the projections. Updates are guarded by status so that a
 * late event (a zombie attempt finishing after the step's final failure) cannot undo a later fact.
 */
async function project(db: pg.PoolClient, tenantId: string, runId: string, event: RunEvent): Promise<RunFact | undefined> {
  const run = (set: string, params: unknown[], guard = '') =>
    db.query(`UPDATE run SET ${set} WHERE tenant_id = $1 AND id = $2 ${guard}`, [tenantId, runId, ...params]);
  const step = (stepId: string, set: string, params: unknown[], guard = '') =>
    db.query(`UPDATE run_step SET ${set} WHERE tenant_id = $1 AND run_id = $2 AND step_id = $3 ${guard}`, [
      tenantId,
      runId,
      stepId,
      ...params,
    ]);
  const active = `AND status IN ('queued', 'running', 'waiting')`;
  // Run status follows its waiting steps; two approvals decided at once must not both see the other waiting.
  const lockRun = () => db.query('SELECT 1 FROM run WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, runId]);

  switch (event.type) {
    case 'run.started': {
      const started = await run(
        `status = 'running', started_at = COALESCE(started_at, $3)`,
        [event.at],
        `AND status = 'queued' RETURNING trigger, extract(epoch FROM started_at - created_at)::float8 AS wait`,
      );
      const row = started.rows[0] as { trigger: string; wait: number } | undefined;
      return row && { kind: 'started', trigger: row.trigger, waitSeconds: row.wait };
    }
    case 'run.completed': {
      const ended = await run(`status = $3, outputs = $4, error = $5, ended_at = $6, started_at = COALESCE(started_at, $6)`, [
        event.status,
        json(event.outputs),
        json(event.error),
        event.at,
      ]);
      return ended.rowCount ? { kind: 'finished', status: event.status } : undefined;
    }
    case 'step.started':
      // An item's attempt is an item's: the step row counts items instead (step.item_*).
      if (event.item !== undefined) break;
      await step(
        event.stepId,
        `status = 'running', attempt = GREATEST(attempt, $4), started_at = COALESCE(started_at, $5)`,
        [event.attempt, event.at],
        active,
      );
      break;
    case 'step.attempt_failed':
      if (event.item !== undefined) break;
      await step(event.stepId, `error = $4`, [json(event.error)], `AND status = 'running'`);
      break;
    case 'step.succeeded':
      // Only the attempt the step is on may complete it.
      await step(
        event.stepId,
        `status = 'succeeded', outputs = $4, error = NULL, ended_at = $5`,
        [json(event.outputs), event.at, event.attempt],
        `${active} AND attempt = $6`,
      );
      break;
    case 'step.failed':
      await step(
        event.stepId,
        `status = $4, attempt = GREATEST(attempt, COALESCE($5, 0)), error = $6, ended_at = $7`,
        [event.status, event.attempt ?? null, json(event.error), event.at],
        active,
      );
      break;
    case 'step.child_started':
      if (event.item !== undefined) break;
      await step(
        event.stepId,
        `status = 'running', attempt = GREATEST(attempt, 1), started_at = COALESCE(started_at, $4)`,
        [event.at],
        active,
      );
      break;
    case 'step.fanned_out':
      await step(
        event.stepId,
        `status = 'running', attempt = GREATEST(attempt, 1), started_at = COALESCE(started_at, $4), items_total = $5`,
        [event.at, event.items],
        active,
      );
      break;
    case 'step.item_succeeded':
      await countItemSuccesses(db, tenantId, runId, event.stepId, [event.item]);
      break;
    case 'step.item_failed':
      // Items stopped because another failed are not failures of their own.
      if (event.status === 'cancelled') break;
      await step(
        event.stepId,
        `items_failed = items_failed + 1, items_succeeded = items_succeeded - (SELECT count(*)::int FROM run_event e WHERE e.run_id = $2 AND e.key = $4 || ':succeeded')`,
        [eventKeyPrefix(event.stepId, event.item)],
        active,
      );
      break;
    case 'step.skipped':
      await step(event.stepId, `status = 'skipped', ended_at = $4`, [event.at], active);
      break;
    case 'step.reused':
      await step(
        event.stepId,
        `status = 'succeeded', outputs = $4, started_at = $5, ended_at = $5`,
        [json(event.outputs), event.at],
        active,
      );
      break;
    case 'step.waiting':
      await lockRun();
      await step(event.stepId, `status = 'waiting', started_at = $4`, [event.at], active);
      await run(`status = 'waiting'`, [], `AND status = 'running'`);
      break;
    case 'step.approval_decided': {
      await lockRun();
      const outcome = { approved: event.approved, timedOut: event.timedOut, by: event.by, comment: event.comment };
      await step(
        event.stepId,
        `status = $4, outputs = $5, error = $6, ended_at = $7`,
        [event.approved ? 'succeeded' : 'failed', json(outcome), json(event.error), event.at],
        `AND status = 'waiting'`,
      );
      await run(
        `status = 'running'`,
        [],
        `AND status = 'waiting' AND NOT EXISTS (SELECT 1 FROM run_step s WHERE s.run_id = run.id AND s.status = 'waiting')`,
      );
      break;
    }
    case 'step.log':
    case 'step.metric':
    case 'step.lineage':
    case 'run.sla_breached':
    case 'model.drift_detected':
    case 'model.registered':
    case 'model.promoted':
    case 'model.compared':
      break;
  }
}

/**
 * Events that change no row but their own: an item's starts and attempts (its step counts items),
 * items stopped by another's failure, logs and the like. They need not end a batch of successes.
 */
function projectsNothing(event: RunEvent): boolean {
  switch (event.type) {
    case 'step.started':
    case 'step.attempt_failed':
    case 'step.child_started':
      return event.item !== undefined;
    case 'step.item_failed':
      return event.status === 'cancelled';
    case 'step.log':
    case 'step.metric':
    case 'step.lineage':
      return true;
    default:
      return false;
  }
}

/**
 * Counts newly appended item successes of one step, while it is running. A stale attempt may record
 * an item's success after the workflow failed it for good; the workflow's failure is what counts,
 * whichever of the two events is appended first.
 */
async function countItemSuccesses(db: pg.PoolClient, tenantId: string, runId: string, stepId: string, items: number[]): Promise<void> {
  await db.query(
    `UPDATE run_step SET items_succeeded = items_succeeded + (
       SELECT count(*)::int FROM unnest($4::text[]) AS item(prefix)
        WHERE NOT EXISTS (SELECT 1 FROM run_event e WHERE e.run_id = $2 AND e.key = item.prefix || ':failed' AND e.data->>'status' <> 'cancelled'))
     WHERE tenant_id = $1 AND run_id = $2 AND step_id = $3 AND status IN ('queued', 'running', 'waiting')`,
    [tenantId, runId, stepId, items.map((item) => eventKeyPrefix(stepId, item))],
  );
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
