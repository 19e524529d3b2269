import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A schedule's fire that started no run because its pipeline (or release tag) is gone or its
 * inputs no longer fit the pipeline is kept, with why, by the worker that skipped it, so that the
 * alert `fire.skipped` tells the tenant (a trigger's keeps it in `trigger_delivery` already).
 */
export class FireSkipAlerts1795000000029 implements MigrationInterface {
  name = 'FireSkipAlerts1795000000029';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE schedule_skip (
        -- The fire's run id: a retried activity keeps its fire once.
        run_id uuid NOT NULL CONSTRAINT schedule_skip_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT schedule_skip_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        schedule_id uuid NOT NULL CONSTRAINT schedule_skip_schedule_fk REFERENCES schedule (id) ON DELETE CASCADE,
        pipeline_name text NOT NULL,
        reason text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX schedule_skip_created_idx ON schedule_skip (created_at);
      CREATE INDEX schedule_skip_schedule_idx ON schedule_skip (schedule_id, created_at);
      -- What the alert detector looks at among a trigger's deliveries: those that started no run.
      CREATE INDEX trigger_delivery_failed_idx ON trigger_delivery (created_at) WHERE outcome = 'failed';
      ALTER TABLE alert DROP CONSTRAINT alert_type_ck,
        ADD CONSTRAINT alert_type_ck CHECK (type IN ('run.failed', 'run.recovered', 'sla.at_risk', 'sla.breached', 'quality.failed',
                                                     'model.drift_detected', 'usage.warning', 'usage.exceeded', 'fire.skipped'));
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DELETE FROM alert WHERE type = 'fire.skipped';
      ALTER TABLE alert DROP CONSTRAINT alert_type_ck,
        ADD CONSTRAINT alert_type_ck CHECK (type IN ('run.failed', 'run.recovered', 'sla.at_risk', 'sla.breached', 'quality.failed',
                                                     'model.drift_detected', 'usage.warning', 'usage.exceeded'));
      DROP INDEX trigger_delivery_failed_idx;
      DROP TABLE schedule_skip;
    `);
  }
}
