import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A retried run points at the run it retries, so a chain of attempts can be followed. */
export class RunRetryOf1795000000001 implements MigrationInterface {
  name = 'RunRetryOf1795000000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE run ADD COLUMN retry_of uuid CONSTRAINT run_retry_of_fk REFERENCES run (id) ON DELETE SET NULL;
      CREATE INDEX run_retry_of_idx ON run (retry_of) WHERE retry_of IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX run_retry_of_idx; ALTER TABLE run DROP COLUMN retry_of;`);
  }
}
