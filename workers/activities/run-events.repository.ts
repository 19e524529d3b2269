import type pg from 'pg';
import type { RunEvent } from '../contracts/index.js';

/**
 * Appends run events idempotently (unique `(run_id, key)`) and, in the same transaction,
 * applies each newly inserted event to the `run` / `run_step` projections the API reads.
 * A replayed append inserts nothing and changes nothing.
 */
export class RunEventsRepository {
  constructor(private readonly pool: pg.Pool) {}

  async append(tenantId: string, runId: string, events: RunEvent[]): Promise<number> {
    if (!events.length) return 0;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ key: string }>(
        `INSERT INTO run_event (run_id, tenant_id, key, type, step_id, data, created_at)
         SELECT $1, $2, e->>'key', e->>'type', e->>'stepId', e, (e->>'at')::timestamptz FROM jsonb_array_elements($3::jsonb) AS e
         ON CONFLICT (run_id, key) DO NOTHING RETURNING key`,
        [runId, tenantId, JSON.stringify(events)],
      );
      const inserted = new Set(rows.map((r) => r.key));
      for (const event of events) if (inserted.has(event.key)) await project(client, runId, event);
      await client.query('COMMIT');
      return inserted.size;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

async function project(db: pg.PoolClient, runId: string, event: RunEvent): Promise<void> {
  switch (event.type) {
    case 'run.started':
      await db.query(`UPDATE run SET status = 'running', started_at = COALESCE(started_at, $2) WHERE id = $1 AND status = 'queued'`, [runId, event.at]);
      return;
    case 'run.completed':
      await db.query(`UPDATE run SET status = $2, outputs = $3, error = $4, ended_at = $5, started_at = COALESCE(started_at, $5) WHERE id = $1`, [runId, event.status, json(event.outputs), json(event.error), event.at]);
      return;
    case 'step.started':
      await db.query(
        `UPDATE run_step SET status = 'running', attempt = GREATEST(attempt, $3), started_at = COALESCE(started_at, $4) WHERE run_id = $1 AND step_id = $2 AND status IN ('queued', 'running')`,
        [runId, event.stepId, event.attempt, event.at],
      );
      return;
    case 'step.attempt_failed':
      await db.query(`UPDATE run_step SET error = $3 WHERE run_id = $1 AND step_id = $2 AND status = 'running'`, [runId, event.stepId, json(event.error)]);
      return;
    case 'step.succeeded':
      await db.query(
        `UPDATE run_step SET status = 'succeeded', attempt = GREATEST(attempt, $3), outputs = $4, error = NULL, ended_at = $5 WHERE run_id = $1 AND step_id = $2`,
        [runId, event.stepId, event.attempt, json(event.outputs), event.at],
      );
      return;
    case 'step.failed':
      await db.query(
        `UPDATE run_step SET status = $3, attempt = GREATEST(attempt, COALESCE($4, 0)), error = $5, ended_at = $6 WHERE run_id = $1 AND step_id = $2`,
        [runId, event.stepId, event.status, event.attempt ?? null, json(event.error), event.at],
      );
      return;
    case 'step.skipped':
      await db.query(`UPDATE run_step SET status = 'skipped', ended_at = $3 WHERE run_id = $1 AND step_id = $2`, [runId, event.stepId, event.at]);
      return;
    case 'step.log':
    case 'step.metric':
      return;
  }
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));
