import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Schedules: the row is the source of truth, Temporal's Schedule (id `baton-<id>`) its executor,
 * which the reconciler keeps matching the row. Runs a schedule started name it.
 */
export class Schedules1795000000008 implements MigrationInterface {
  name = 'Schedules1795000000008';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE schedule (
        id uuid NOT NULL CONSTRAINT schedule_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT schedule_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        pipeline_name text NOT NULL,
        cron text,
        every text,
        timezone text NOT NULL,
        inputs jsonb NOT NULL,
        overlap text NOT NULL,
        catchup_window text,
        jitter text,
        start_at timestamptz(3),
        end_at timestamptz(3),
        paused boolean NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT schedule_cron_or_every_ck CHECK ((cron IS NULL) <> (every IS NULL))
      );
      CREATE INDEX schedule_tenant_created_idx ON schedule (tenant_id, created_at DESC, id DESC);

      ALTER TABLE run ADD COLUMN schedule_id uuid;
      CREATE INDEX run_tenant_schedule_created_idx ON run (tenant_id, schedule_id, created_at DESC, id DESC) WHERE schedule_id IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX run_tenant_schedule_created_idx; ALTER TABLE run DROP COLUMN schedule_id; DROP TABLE schedule;');
  }
}
