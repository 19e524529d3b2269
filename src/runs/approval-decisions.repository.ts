import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ApprovalDecision } from '../../workers/contracts/index.js';

export interface RecordedDecision {
  tenantId: string;
  runId: string;
  stepId: string;
  decision: ApprovalDecision;
  decidedAt: Date;
  deliveredAt: Date | null;
}

interface Row {
  tenant_id: string;
  run_id: string;
  step_id: string;
  decision: ApprovalDecision;
  decided_at: Date;
  delivered_at: Date | null;
}

const toDecision = (row: Row): RecordedDecision => ({
  tenantId: row.tenant_id,
  runId: row.run_id,
  stepId: row.step_id,
  decision: row.decision,
  decidedAt: row.decided_at,
  deliveredAt: row.delivered_at,
});

/** The one decision per approval step: the first recorded wins. The only writer of `approval_decision`. */
@Injectable()
export class ApprovalDecisionsRepository {
  constructor(private readonly db: DataSource) {}

  /** Records `decision` unless the step has one: `won` says which, `recorded` is the one that counts. */
  async recordFirst(tenantId: string, runId: string, decision: ApprovalDecision): Promise<{ won: boolean; recorded: RecordedDecision }> {
    const inserted: Row[] = await this.db.query(
      `INSERT INTO approval_decision (tenant_id, run_id, step_id, decision) VALUES ($1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT approval_decision_pk DO NOTHING RETURNING *`,
      [tenantId, runId, decision.stepId, decision],
    );
    if (inserted[0]) return { won: true, recorded: toDecision(inserted[0]) };
    const [winner]: Row[] = await this.db.query(`SELECT * FROM approval_decision WHERE tenant_id = $1 AND run_id = $2 AND step_id = $3`, [
      tenantId,
      runId,
      decision.stepId,
    ]);
    // Withdrawn between the two statements (its signal failed): this one may try again.
    if (!winner) return this.recordFirst(tenantId, runId, decision);
    return { won: false, recorded: toDecision(winner) };
  }

  async markDelivered(tenantId: string, runId: string, stepId: string): Promise<void> {
    await this.db.query(
      `UPDATE approval_decision SET delivered_at = now() WHERE tenant_id = $1 AND run_id = $2 AND step_id = $3 AND delivered_at IS NULL`,
      [tenantId, runId, stepId],
    );
  }

  /** A decision that could not be delivered (the engine was unreachable) is taken back, so another may be made. */
  async withdraw(tenantId: string, runId: string, stepId: string): Promise<void> {
    await this.db.query(`DELETE FROM approval_decision WHERE tenant_id = $1 AND run_id = $2 AND step_id = $3 AND delivered_at IS NULL`, [
      tenantId,
      runId,
      stepId,
    ]);
  }

  /**
   * Decisions recorded longer than `olderThanMs` ago and never marked delivered (the process died
   * before or during the signal), with the status their step has now.
   */
  async findUndelivered(olderThanMs: number, limit: number): Promise<Array<RecordedDecision & { stepStatus: string | null }>> {
    const rows: Array<Row & { step_status: string | null }> = await this.db.query(
      `SELECT d.*, s.status AS step_status FROM approval_decision d
       LEFT JOIN run_step s ON s.run_id = d.run_id AND s.step_id = d.step_id
       WHERE d.delivered_at IS NULL AND d.decided_at < now() - make_interval(secs => $1::double precision / 1000)
       ORDER BY d.decided_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((row) => ({ ...toDecision(row), stepStatus: row.step_status }));
  }
}
