import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RunLineage, StepLineage, StepRun } from './openlineage.js';

export interface PipelineSummaryRow {
  /** The row over all the pipelines (`pipeline` null), or one pipeline's. */
  total: boolean;
  pipeline: string | null;
  runs: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  active: number;
  durationMs: [number, number, number] | null;
  queueWaitMs: [number, number] | null;
  slaBreaches: number;
  failuresByStep: Record<string, number> | null;
}

export interface StepTypeRow {
  uses: string;
  calls: number;
  failures: number;
  retries: number;
  p95Ms: number | null;
}

/**
 * Per pipeline, the runs of tenant $1 created since $2 (only pipeline $3's, unless null), and the
 * same over all of them in one more row (`total`), its percentiles over all those runs (exported for
 * the benchmark's EXPLAIN).
 */
export const PIPELINE_SUMMARY_SQL = `WITH runs AS (
         SELECT r.id, r.pipeline_name, r.status, r.created_at, r.started_at, r.ended_at, (v.definition->>'sla')::interval AS sla
           FROM run r
           JOIN pipeline_version v ON v.pipeline_id = r.pipeline_id AND v.version = r.version
          WHERE r.tenant_id = $1 AND r.created_at >= $2 AND ($3::text IS NULL OR r.pipeline_name = $3)
       ), step_failures AS MATERIALIZED ( -- once, not once per pipeline by the subquery below
         SELECT pipeline_name, jsonb_object_agg(step_id, n) AS failures_by_step
           -- The tenant's failed steps come from run_step_failed_idx (migration 11), not a scan of all steps.
           FROM (SELECT runs.pipeline_name, s.step_id, count(*)::int AS n
                   FROM run_step s JOIN runs ON runs.id = s.run_id
                  WHERE s.tenant_id = $1 AND s.status IN ('failed', 'timed_out')
                  GROUP BY 1, 2) per_step
          GROUP BY pipeline_name
       )
       SELECT GROUPING(runs.pipeline_name) = 1 AS total,
              runs.pipeline_name AS pipeline,
              count(*)::int AS runs,
              count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
              count(*) FILTER (WHERE status IN ('failed', 'timed_out'))::int AS failed,
              count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
              count(*) FILTER (WHERE status IN ('queued', 'running', 'waiting'))::int AS active,
              percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - started_at) * 1000)
                FILTER (WHERE ended_at IS NOT NULL AND started_at IS NOT NULL) AS "durationMs",
              percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at) * 1000)
                FILTER (WHERE started_at IS NOT NULL) AS "queueWaitMs",
              count(*) FILTER (WHERE sla IS NOT NULL AND started_at IS NOT NULL AND coalesce(ended_at, now()) - started_at > sla)::int AS "slaBreaches",
              (SELECT failures_by_step FROM step_failures sf WHERE sf.pipeline_name = runs.pipeline_name) AS "failuresByStep"
         FROM runs
        -- The empty grouping set gives the totals row even when no run matched.
        GROUP BY GROUPING SETS ((runs.pipeline_name), ())
        ORDER BY GROUPING(runs.pipeline_name), runs.pipeline_name`;

/**
 * Aggregates computed in PostgreSQL over a tenant's runs created in a window (the keyset index on
 * (tenant_id, created_at) bounds the scan); nothing is loaded into Node row by row.
 */
@Injectable()
export class ObservabilityRepository {
  constructor(private readonly db: DataSource) {}

  pipelineSummary(tenantId: string, since: Date, pipeline?: string): Promise<PipelineSummaryRow[]> {
    return this.db.query(PIPELINE_SUMMARY_SQL, [tenantId, since, pipeline ?? null]);
  }
  stepTypes(tenantId: string, since: Date): Promise<StepTypeRow[]> {
    return this.db.query(
      `SELECT split_part(s.uses, '@', 1) AS uses,
              count(*)::int AS calls,
              count(*) FILTER (WHERE s.status IN ('failed', 'timed_out'))::int AS failures,
              coalesce(sum(greatest(s.attempt - 1, 0)), 0)::int AS retries,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM s.ended_at - s.started_at) * 1000)
                FILTER (WHERE s.ended_at IS NOT NULL AND s.started_at IS NOT NULL) AS "p95Ms"
         FROM run r JOIN run_step s ON s.run_id = r.id
        WHERE r.tenant_id = $1 AND r.created_at >= $2 AND s.started_at IS NOT NULL
        GROUP BY 1
        ORDER BY 1`,
      [tenantId, since],
    );
  }

  /** Newest first; a step retried counts once, with the datasets of all its attempts. */
  lineage(tenantId: string, dataset: { name: string; namespace?: string }, limit: number): Promise<StepLineage[]> {
    return this.db.query(
      stepLineage(
        `SELECT DISTINCT run_id, step_id FROM run_event
                    WHERE tenant_id = $1 AND type = 'step.lineage' AND data->>'name' = $2 AND ($3::text IS NULL OR data->>'namespace' = $3)`,
        'ORDER BY at DESC LIMIT $4',
      ),
      [tenantId, dataset.name, dataset.namespace ?? null, limit],
    );
  }

  /** An ended run and every step of it that ran (with what each read and wrote), in the order they started; null when gone. */
  async runLineage(tenantId: string, runId: string): Promise<RunLineage | null> {
    const [run]: Array<Omit<RunLineage, 'steps' | 'parent'> & { parentRunId: string | null; parentPipeline: string | null }> =
      await this.db.query(
        `SELECT r.id AS "runId", r.pipeline_name AS pipeline, r.version, r.status, r.trigger, r.error,
                coalesce(r.started_at, r.created_at) AS "startedAt", r.ended_at AS "endedAt",
                p.id AS "parentRunId", p.pipeline_name AS "parentPipeline"
           FROM run r LEFT JOIN run p ON p.id = r.parent_run_id AND p.tenant_id = r.tenant_id
          WHERE r.tenant_id = $1 AND r.id = $2 AND r.ended_at IS NOT NULL`,
        [tenantId, runId],
      );
    if (!run) return null;
    const steps: StepRun[] = await this.db.query(
      `WITH lineage AS (
         SELECT step_id,
                jsonb_agg(DISTINCT jsonb_build_object('namespace', data->>'namespace', 'name', data->>'name')) FILTER (WHERE data->>'direction' = 'input') AS inputs,
                jsonb_agg(DISTINCT jsonb_build_object('namespace', data->>'namespace', 'name', data->>'name')) FILTER (WHERE data->>'direction' = 'output') AS outputs
           FROM run_event WHERE tenant_id = $1 AND run_id = $2 AND type = 'step.lineage'
          GROUP BY step_id)
       SELECT s.step_id AS "stepId", s.uses, s.status, s.attempt, s.started_at AS "startedAt", s.ended_at AS "endedAt", s.error,
              l.inputs, l.outputs
         FROM run_step s LEFT JOIN lineage l ON l.step_id = s.step_id
        WHERE s.tenant_id = $1 AND s.run_id = $2 AND s.started_at IS NOT NULL
        ORDER BY s.started_at, s.position`,
      [tenantId, runId],
    );
    const { parentRunId, parentPipeline, ...rest } = run;
    return { ...rest, parent: parentRunId ? { runId: parentRunId, pipeline: parentPipeline! } : null, steps };
  }

  /**
   * Takes note of runs that ended within `lookBack` and were not seen yet: each is due for
   * forwarding (its run and step events). Returns how many were new.
   */
  async noteEndedRuns(lookBack: string, batch: number): Promise<number> {
    const [, count]: [unknown, number] = await this.db.query(
      `INSERT INTO lineage_forwarding (run_id, tenant_id, pending)
       SELECT r.id, r.tenant_id, true
         FROM run r
        WHERE r.ended_at > now() - $1::interval AND NOT EXISTS (SELECT 1 FROM lineage_forwarding f WHERE f.run_id = r.id)
        ORDER BY r.ended_at
        LIMIT $2
       ON CONFLICT (run_id) DO NOTHING`,
      [lookBack, batch],
    );
    return count;
  }

  dueForwardings(batch: number): Promise<Array<{ runId: string; tenantId: string; attempts: number }>> {
    return this.db.query(
      `SELECT run_id AS "runId", tenant_id AS "tenantId", attempts FROM lineage_forwarding
        WHERE pending AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1`,
      [batch],
    );
  }

  async forwarded(runId: string): Promise<void> {
    await this.db.query(
      `UPDATE lineage_forwarding SET pending = false, forwarded_at = now(), attempts = attempts + 1, last_error = NULL WHERE run_id = $1`,
      [runId],
    );
  }

  /** A failed attempt: tried again after `retryInMs`, or given up (`retryInMs` null). */
  async forwardFailed(runId: string, error: string, retryInMs: number | null): Promise<void> {
    await this.db.query(
      `UPDATE lineage_forwarding SET attempts = attempts + 1, last_error = $2, pending = $3, next_attempt_at = now() + $4 * interval '1 millisecond' WHERE run_id = $1`,
      [runId, error.slice(0, 2000), retryInMs !== null, retryInMs ?? 0],
    );
  }
}

/** The datasets step `s` read or wrote (`direction`) over all its attempts, as the step named them; null when none. */
function datasetsOf(direction: 'input' | 'output'): string {
  return `(SELECT jsonb_agg(DISTINCT jsonb_build_object('namespace', e.data->>'namespace', 'name', e.data->>'name'))
             FROM run_event e
            WHERE e.run_id = s.run_id AND e.tenant_id = s.tenant_id AND e.step_id = s.step_id
              AND e.type = 'step.lineage' AND e.data->>'direction' = '${direction}')`;
}

/**
 * Per step of the runs `touching` selects (`run_id`, `step_id`, using $1 as the tenant): what it
 * read and wrote over all its attempts, how it ran, and when it last recorded lineage.
 */
function stepLineage(touching: string, tail: string): string {
  return `WITH touching AS (${touching})
    SELECT t.run_id AS "runId", r.pipeline_name AS pipeline, t.step_id AS "stepId", s.uses, s.status, s.attempt,
           coalesce(s.started_at, r.started_at, r.created_at) AS "startedAt", s.ended_at AS "endedAt", s.error,
           (SELECT max(e.created_at) FROM run_event e
             WHERE e.run_id = t.run_id AND e.tenant_id = $1 AND e.step_id = t.step_id AND e.type = 'step.lineage') AS at,
           ${datasetsOf('input')} AS inputs, ${datasetsOf('output')} AS outputs
      FROM touching t
      JOIN run r ON r.id = t.run_id AND r.tenant_id = $1
      JOIN run_step s ON s.run_id = t.run_id AND s.step_id = t.step_id
     ${tail}`;
}
