import type { Sql } from '../database/sql.js';

export interface TenantStanding {
  status: string;
  plan: string | null;
  pastDueSince: Date | null;
}

export interface AdmissionUsage {
  /** Top-level runs started this period. */
  runs: number;
  /** Step-seconds of this period's runs that ended and were counted. */
  stepSeconds: number;
  /** Top-level runs holding a concurrent-run slot now (running, waiting, or queued after taking one). */
  activeRuns: number;
}

export interface FanOutCharge {
  /** The run at the top of the tree, whose budget pays; null when the run was not found. */
  rootRunId: string | null;
  /** What the tree has used after the charge, or null when the budget could not take it. */
  used: number | null;
  /** What it had used before. */
  before: number;
}

const isoDate = (d: Date) => d.toISOString().slice(0, 10);

/** Top-level runs of tenant $1 that hold a concurrent-run slot: active, and admitted. */
export const SLOTS_TAKEN = `SELECT count(*) FROM run WHERE tenant_id = $1 AND parent_run_id IS NULL AND status IN ('queued', 'running', 'waiting') AND admitted_at IS NOT NULL`;

/** What admitting a run reads and writes; every query takes the tenant id first. */
export class RunAdmissionRepository {
  /** The tenant's status, plan and payment state, read in the run's transaction. */
  async standing(sql: Sql, tenantId: string): Promise<TenantStanding | null> {
    const [row] = await sql<TenantStanding>(
      `SELECT t.status, t.plan, a.past_due_since AS "pastDueSince" FROM tenant t LEFT JOIN billing_account a ON a.tenant_id = t.id WHERE t.id = $1`,
      [tenantId],
    );
    return row ?? null;
  }

  /**
   * Serialises starts of top-level runs of one tenant until the transaction ends, so that two
   * concurrent starts cannot both take the last allowed concurrent run.
   */
  async lockRunStarts(sql: Sql, tenantId: string): Promise<void> {
    await sql(`SELECT pg_advisory_xact_lock(hashtextextended('baton:run-start:' || $1, 0))`, [tenantId]);
  }

  /** This period's counters and the top-level runs active now. */
  async usage(sql: Sql, tenantId: string, periodStart: Date): Promise<AdmissionUsage> {
    const [row] = await sql<{ runs: number; stepSeconds: string; activeRuns: number }>(
      `SELECT coalesce(u.runs, 0) AS runs, coalesce(u.step_seconds, 0)::bigint AS "stepSeconds",
              (${SLOTS_TAKEN})::int AS "activeRuns"
         FROM (SELECT 1) one LEFT JOIN billing_usage u ON u.tenant_id = $1 AND u.period_start = $2`,
      [tenantId, isoDate(periodStart)],
    );
    return { runs: row.runs, activeRuns: row.activeRuns, stepSeconds: Number(row.stepSeconds) };
  }

  async slotsTaken(sql: Sql, tenantId: string): Promise<number> {
    const [row] = await sql<{ taken: number }>(`SELECT (${SLOTS_TAKEN})::int AS taken`, [tenantId]);
    return row.taken;
  }

  async holdsSlot(sql: Sql, tenantId: string, runId: string): Promise<boolean> {
    return (await sql(`SELECT 1 FROM run WHERE tenant_id = $1 AND id = $2 AND admitted_at IS NOT NULL`, [tenantId, runId])).length > 0;
  }

  async markAdmitted(sql: Sql, tenantId: string, runId: string): Promise<void> {
    await sql(`UPDATE run SET admitted_at = now() WHERE tenant_id = $1 AND id = $2 AND admitted_at IS NULL`, [tenantId, runId]);
  }

  /** One more top-level run this period; in the run's own transaction, so a run not recorded is not counted. */
  async countRunStart(sql: Sql, tenantId: string, periodStart: Date): Promise<void> {
    await sql(
      `INSERT INTO billing_usage (tenant_id, period_start, runs) VALUES ($1, $2, 1)
       ON CONFLICT (tenant_id, period_start) DO UPDATE SET runs = billing_usage.runs + 1 RETURNING runs`,
      [tenantId, isoDate(periodStart)],
    );
  }

  /**
   * Adds `units` to what the tree of runs that `runId` belongs to has caused, unless that would
   * pass `budget`. One conditional update of the root's row: concurrent charges queue on its lock.
   */
  async chargeFanOut(sql: Sql, tenantId: string, runId: string, units: number, budget: number): Promise<FanOutCharge> {
    const [row] = await sql<{ rootRunId: string; used: number | null; before: number }>(
      `WITH root AS (SELECT coalesce(root_run_id, id) AS id FROM run WHERE tenant_id = $1 AND id = $2),
            charged AS (
              UPDATE run r SET fan_out_used = r.fan_out_used + $3 FROM root
               WHERE r.tenant_id = $1 AND r.id = root.id AND r.fan_out_used + $3 <= $4
              RETURNING r.fan_out_used
            )
       SELECT root.id AS "rootRunId", (SELECT fan_out_used FROM charged) AS used,
              (SELECT fan_out_used FROM run WHERE tenant_id = $1 AND id = root.id) AS before
         FROM root`,
      [tenantId, runId, units, budget],
    );
    return row ? { rootRunId: row.rootRunId, used: row.used, before: row.before } : { rootRunId: null, used: null, before: 0 };
  }
}
