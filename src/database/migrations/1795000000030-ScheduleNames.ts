import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A schedule may have a name, unique in its tenant: what a `kind: Schedule` document of
 * `baton apply` is matched by (schedules without one are not the folder's to change or prune).
 */
export class ScheduleNames1795000000030 implements MigrationInterface {
  name = 'ScheduleNames1795000000030';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE schedule ADD COLUMN name text;
      CREATE UNIQUE INDEX schedule_tenant_name_uq ON schedule (tenant_id, name) WHERE name IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX schedule_tenant_name_uq; ALTER TABLE schedule DROP COLUMN name;');
  }
}
