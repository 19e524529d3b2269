import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OpenLineage forwarding (OPENLINEAGE_URL): one row per ended run the forwarder has seen. Runs
 * with lineage stay `pending` until their events were accepted (retried with backoff, given up
 * after a number of attempts, keeping the last error); runs without lineage are noted as done,
 * so that each pass only looks at runs it has not seen (a primary-key probe per recent run).
 */
export class LineageForwarding1795000000013 implements MigrationInterface {
  name = 'LineageForwarding1795000000013';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE lineage_forwarding (
        run_id uuid CONSTRAINT lineage_forwarding_pk PRIMARY KEY CONSTRAINT lineage_forwarding_run_fk REFERENCES run (id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL,
        pending boolean NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        forwarded_at timestamptz,
        last_error text
      );
      CREATE INDEX lineage_forwarding_due_idx ON lineage_forwarding (next_attempt_at) WHERE pending;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE lineage_forwarding;');
  }
}
