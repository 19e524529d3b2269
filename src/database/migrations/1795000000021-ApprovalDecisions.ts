import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Decisions on approval steps count once (issue 18): the first decision for a step is recorded
 * here before it is signalled to the workflow, so a concurrent second one finds it and is refused
 * with the winner. `delivered_at` stays null until the signal went through; a sweep re-signals
 * decisions left undelivered by a process that died between the two.
 */
export class ApprovalDecisions1795000000021 implements MigrationInterface {
  name = 'ApprovalDecisions1795000000021';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE approval_decision (
        tenant_id uuid NOT NULL,
        run_id uuid NOT NULL,
        step_id text NOT NULL,
        decision jsonb NOT NULL,
        decided_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        CONSTRAINT approval_decision_pk PRIMARY KEY (tenant_id, run_id, step_id),
        CONSTRAINT approval_decision_run_fk FOREIGN KEY (run_id) REFERENCES run (id) ON DELETE CASCADE
      );
      CREATE INDEX approval_decision_undelivered_idx ON approval_decision (decided_at) WHERE delivered_at IS NULL;
      CREATE INDEX approval_decision_run_idx ON approval_decision (run_id);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE approval_decision`);
  }
}
