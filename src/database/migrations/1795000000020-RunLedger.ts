import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One run ledger (issue 18):
 *
 * - `run_dispatch` is the transactional outbox of runs the control plane starts itself (the API,
 *   retries, triggers): written in the transaction that records the run, read by the dispatcher,
 *   which starts the workflow (workflow id = run id, so a second start is a no-op) and sets
 *   `sent_at`. A row without `sent_at` is a run acknowledged and not yet handed to Temporal. Runs a
 *   workflow starts (schedule fires, child runs) have none: their parent workflow starts them.
 *   The input is `json`, not `jsonb`: the workflow gets the pipeline exactly as it was saved, keys
 *   in their order (a CSV's columns follow them), as it did when the API handed it over directly.
 *
 * - `run.admitted_at` is when a top-level run took one of its plan's concurrent-run slots; the
 *   plan's `concurrentRuns` counts active runs that have one. A run past the limit waits, queued,
 *   without one. Runs active before this migration hold theirs.
 */
export class RunLedger1795000000020 implements MigrationInterface {
  name = 'RunLedger1795000000020';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE run_dispatch (
        run_id uuid NOT NULL,
        tenant_id uuid NOT NULL,
        input json NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
        sent_at timestamptz(3),
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        CONSTRAINT run_dispatch_pk PRIMARY KEY (run_id),
        CONSTRAINT run_dispatch_run_fk FOREIGN KEY (run_id) REFERENCES run (id) ON DELETE CASCADE
      );
      CREATE INDEX run_dispatch_pending_idx ON run_dispatch (next_attempt_at) WHERE sent_at IS NULL;

      ALTER TABLE run ADD COLUMN admitted_at timestamptz(3);
      UPDATE run SET admitted_at = created_at WHERE status IN ('queued', 'running', 'waiting');
      CREATE INDEX run_active_top_idx ON run (tenant_id) WHERE parent_run_id IS NULL AND status IN ('queued', 'running', 'waiting');
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX run_active_top_idx;
      ALTER TABLE run DROP COLUMN admitted_at;
      DROP TABLE run_dispatch;
    `);
  }
}
