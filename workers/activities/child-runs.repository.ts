import type pg from 'pg';
import type { LedgerRun } from '../../src/runtime/ledger/run-ledger.js';
import { runStepRows } from '../contracts/graph.js';
import type { PinnedStep, PipelineDefinition, RunTrigger } from '../contracts/index.js';

export interface PinnedVersion {
  pipelineId: string;
  name: string;
  versionId: string;
  version: number;
  definition: PipelineDefinition;
  pins: Record<string, PinnedStep>;
}

/** A run the worker starts itself, as the run ledger records it. */
export function ledgerRun(
  run: { id: string; tenantId: string; trigger: Extract<RunTrigger, 'pipeline' | 'schedule'>; parentRunId?: string; scheduleId?: string },
  pinned: PinnedVersion,
  inputs: Record<string, unknown>,
): LedgerRun {
  return {
    ...run,
    pipeline: { id: pinned.pipelineId, name: pinned.name, version: pinned.version },
    inputs,
    steps: runStepRows(pinned.definition),
  };
}

/** What a schedule's fire needs to know: whose it is, what it runs, and whether it may run now. */
export interface ScheduleToRun {
  pipelineName: string;
  /** The release tag it starts (`name@tag`), or null for the latest version. */
  pipelineTag: string | null;
  inputs: Record<string, unknown>;
  tenantStatus: string;
}

/**
 * What the runs the worker starts itself (a `pipeline/run` step's child run, a schedule's fire)
 * read before the run ledger records them: a pipeline version of the tenant, the schedule, and
 * the run as an earlier attempt of the activity recorded it.
 */
export class ChildRunsRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * Keeps a schedule's fire that started no run, with why (`fire.skipped` alerts the tenant), once
   * per fire; the schedule's skips older than 30 days go at the same time.
   */
  async recordSkip(skip: { runId: string; tenantId: string; scheduleId: string; pipelineName: string; reason: string }): Promise<void> {
    await this.pool.query(
      `WITH pruned AS (DELETE FROM schedule_skip WHERE schedule_id = $3 AND created_at < now() - interval '30 days')
       INSERT INTO schedule_skip (run_id, tenant_id, schedule_id, pipeline_name, reason) VALUES ($1, $2, $3, $4, left($5, 2000))
       ON CONFLICT (run_id) DO NOTHING`,
      [skip.runId, skip.tenantId, skip.scheduleId, skip.pipelineName, skip.reason],
    );
  }

  /** An active pipeline of the tenant by name, at `version` or its latest; null if either is missing. */
  findPinnedVersion(tenantId: string, name: string, version?: number): Promise<PinnedVersion | null> {
    return this.findOnePinned(`p.name = $2 AND p.deleted_at IS NULL AND v.version = COALESCE($3, p.latest_version)`, [
      tenantId,
      name,
      version ?? null,
    ]);
  }

  /**
   * The version and inputs a child run was recorded with, if it was: an activity retried after its
   * insert reuses them. `refused` is why admission refused it, when it was recorded as refused.
   */
  async findRecorded(
    tenantId: string,
    runId: string,
  ): Promise<{ pipeline: PinnedVersion; inputs: Record<string, unknown>; refused: string | null } | null> {
    const { rows } = await this.pool.query<{
      pipeline_id: string;
      version: number;
      inputs: Record<string, unknown>;
      refused: string | null;
    }>(
      `SELECT pipeline_id, version, inputs, CASE WHEN error->>'admission' = 'refused' THEN error->>'message' END AS refused FROM run WHERE tenant_id = $1 AND id = $2`,
      [tenantId, runId],
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

  /** An active pipeline of the tenant at the version its release tag points to; null if the pipeline or the tag is missing. */
  findTaggedVersion(tenantId: string, name: string, tag: string): Promise<PinnedVersion | null> {
    return this.findOnePinned(
      `p.name = $2 AND p.deleted_at IS NULL AND v.version = (SELECT t.version FROM pipeline_tag t WHERE t.pipeline_id = p.id AND t.tag = $3)`,
      [tenantId, name, tag],
    );
  }

  async findSchedule(tenantId: string, scheduleId: string): Promise<ScheduleToRun | null> {
    const { rows } = await this.pool.query<ScheduleToRun>(
      `SELECT s.pipeline_name AS "pipelineName", s.pipeline_tag AS "pipelineTag", s.inputs, t.status AS "tenantStatus" FROM schedule s JOIN tenant t ON t.id = s.tenant_id WHERE s.tenant_id = $1 AND s.id = $2`,
      [tenantId, scheduleId],
    );
    return rows[0] ?? null;
  }
}
