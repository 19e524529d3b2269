import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A `forEach` step's row counts its items as they end; a run started by a `pipeline/run` step
 * points at the run that started it, so a tree of runs can be followed both ways.
 */
export class ForEachAndChildRuns1795000000002 implements MigrationInterface {
  name = 'ForEachAndChildRuns1795000000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE run_step
        ADD COLUMN items_total int,
        ADD COLUMN items_succeeded int NOT NULL DEFAULT 0,
        ADD COLUMN items_failed int NOT NULL DEFAULT 0;
      ALTER TABLE run ADD COLUMN parent_run_id uuid CONSTRAINT run_parent_run_fk REFERENCES run (id) ON DELETE SET NULL;
      CREATE INDEX run_parent_run_idx ON run (parent_run_id) WHERE parent_run_id IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX run_parent_run_idx;
      ALTER TABLE run DROP COLUMN parent_run_id;
      ALTER TABLE run_step DROP COLUMN items_total, DROP COLUMN items_succeeded, DROP COLUMN items_failed;
    `);
  }
}
