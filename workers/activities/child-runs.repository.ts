import type pg from 'pg';
import { pgSql, type Sql } from '../../src/runtime/run-admission.repository.js';
import type { AdmissionRefused, RunAdmitted } from '../../src/runtime/run-admission.js';
import type { ErrorInfo, PinnedStep, PipelineDefinition, RunEvent, RunTrigger } from '../contracts/index.js';
import { inTransaction } from './pg-transaction.js';

export interface PinnedVersion {
  pipelineId: string;
  name: string;
  versionId: string;
  version: number;
  definition: PipelineDefinition;
  pins: Record<string, PinnedStep>;
}

export interface QueuedChildRun {
  id: string;
  tenantId: string;
  trigger: Extract<RunTrigger, 'pipeline' | 'schedule'>;
  parentRunId: string | null;
  scheduleId: string | null;
  pipeline: PinnedVersion;
  inputs: Record<string, unknown>;
  steps: Array<{ stepId: string; uses: string; position: number }>;
}

/** What a schedule's fire needs to know: whose it is, what it runs, and whether it may run now. */
export interface ScheduleToRun {
  pipelineName: string;
  inputs: Record<string, unknown>;
  tenantStatus: string;
}

/**
 * What the runs the worker starts itself (a `pipeline/run` step's child run, a schedule's fire)
 * read and write: a pipeline version of the tenant, and the run's queued row and step rows, as the
 * control plane records a run started through the API.
 */
export class ChildRunsRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** An active pipeline of the tenant by name, at `version` or its latest; null if either is missing. */
  findPinnedVersion(tenantId: string, name: string, version?: number): Promise<PinnedVersion | null> {
    return this.findOnePinned(`p.name = $2 AND p.deleted_at IS NULL AND v.version = COALESCE($3, p.latest_version)`, [tenantId, name, version ?? null]);
  }

  /**
   * The version and inputs a child run was recorded with, if it was: an activity retried after its
   * insert reuses them. `refused` is why admission refused it, when it was recorded as refused.
   */
  async findRecorded(tenantId: string, runId: string): Promise<{ pipeline: PinnedVersion; inputs: Record<string, unknown>; refused: string | null } | null> {
    const { rows } = await this.pool.query<{ pipeline_id: string; version: number; inputs: Record<string, unknown>; refused: string | null }>(
      `SELECT pipeline_id, version, inputs, CASE WHEN error->>'admission' = 'refused' THEN error->>'message' END AS refused FROM run WHERE tenant_id = $1 AND id = $2`, [tenantId, runId],
    );
    const run = rows[0];
    const pipeline = run && (await this.findOnePinned('p.id = $2 AND v.version = $3', [tenantId, run.pipeline_id, run.version]));
    return run && pipeline ? { pipeline, inputs: run.inputs, refused: run.refused } : null;
  }

  private async findOnePinned(where: string, params: unknown[]): Promise<PinnedVersion | null> {
    const { rows } = await this.pool.query<PinnedVersion>(
      `SELECT p.id AS "pipelineId", p.name, v.id AS "versionId", v.version, v.definition, v.pins
         FROM pipeline p JOIN pipeline_version v ON v.pipeline_id = p.id AND v.tenant_id = p.tenant_id
        WHERE p.tenant_id = $1 AND ${where}`,
      params,
    );
    return rows[0] ?? null;
  }

  async findSchedule(tenantId: string, scheduleId: string): Promise<ScheduleToRun | null> {
    const { rows } = await this.pool.query<ScheduleToRun>(
      `SELECT s.pipeline_name AS "pipelineName", s.inputs, t.status AS "tenantStatus" FROM schedule s JOIN tenant t ON t.id = s.tenant_id WHERE s.tenant_id = $1 AND s.id = $2`,
      [tenantId, scheduleId],
    );
    return rows[0] ?? null;
  }

  /**
   * Records the queued run once, if `admit` (run in the same transaction, before the insert)
   * lets it start: a retried activity finds it already there (false); a refusal records nothing.
   */
  async insertQueued(run: QueuedChildRun, admit: (sql: Sql) => Promise<RunAdmitted>): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const existing = await client.query('SELECT 1 FROM run WHERE tenant_id = $1 AND id = $2', [run.tenantId, run.id]);
      if (existing.rowCount) return false;
      const { rootRunId } = await admit(pgSql(client));
      const inserted = await client.query(
        `INSERT INTO run (id, tenant_id, pipeline_id, pipeline_name, version, status, trigger, inputs, parent_run_id, schedule_id, root_run_id)
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
        [run.id, run.tenantId, run.pipeline.pipelineId, run.pipeline.name, run.pipeline.version, run.trigger, JSON.stringify(run.inputs), run.parentRunId, run.scheduleId, rootRunId],
      );
      // Recorded by a concurrent attempt: roll back what admission counted; the retry finds the run.
      if (!inserted.rowCount) throw new Error(`Run ${run.id} was recorded concurrently`);
      await this.insertSteps(client, run, 'queued');
      return true;
    });
  }

  /**
   * Records a run that admission refused as failed (never started, counted nowhere), with
   * `run.completed` saying why, so that a refused schedule fire shows among the runs.
   */
  async recordRefused(run: QueuedChildRun, refusal: AdmissionRefused): Promise<void> {
    const error: ErrorInfo & { admission: 'refused'; limit?: string } = {
      message: refusal.message, code: refusal.code, admission: 'refused', ...(refusal.detail.limit ? { limit: refusal.detail.limit } : {}),
    };
    const completed: RunEvent = { type: 'run.completed', key: 'run.completed', at: new Date().toISOString(), status: 'failed', outputs: null, error };
    await inTransaction(this.pool, async (client) => {
      const inserted = await client.query(
        `INSERT INTO run (id, tenant_id, pipeline_id, pipeline_name, version, status, trigger, inputs, parent_run_id, schedule_id, error, ended_at)
         VALUES ($1, $2, $3, $4, $5, 'failed', $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
        [run.id, run.tenantId, run.pipeline.pipelineId, run.pipeline.name, run.pipeline.version, run.trigger, JSON.stringify(run.inputs), run.parentRunId, run.scheduleId, JSON.stringify(error), completed.at],
      );
      if (!inserted.rowCount) return;
      await this.insertSteps(client, run, 'skipped');
      await client.query(
        `INSERT INTO run_event (run_id, tenant_id, key, type, step_id, data, created_at) VALUES ($1, $2, $3, $4, NULL, $5, $6) ON CONFLICT (run_id, key) DO NOTHING`,
        [run.id, run.tenantId, completed.key, completed.type, JSON.stringify(completed), completed.at],
      );
    });
  }

  private async insertSteps(client: pg.PoolClient, run: QueuedChildRun, status: 'queued' | 'skipped'): Promise<void> {
    await client.query(
      `INSERT INTO run_step (run_id, tenant_id, step_id, uses, status, attempt, position)
       SELECT $1, $2, s->>'stepId', s->>'uses', $4, 0, (s->>'position')::int FROM jsonb_array_elements($3::jsonb) AS s`,
      [run.id, run.tenantId, JSON.stringify(run.steps), status],
    );
  }
}
