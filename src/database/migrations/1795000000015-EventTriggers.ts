import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event triggers: start a pipeline when a step emits a domain event (`model.drift_detected`), once
 * per event (delivery `event:<run_event id>`), optionally only for events of one source pipeline,
 * and at most once per `cooldown_seconds` (`last_fired_at`): a drift check that runs every hour on
 * data that stays drifted should not retrain every hour. Events inside the cooldown are recorded
 * as `skipped` deliveries, so that a user can see why nothing ran.
 *
 * Deliveries gain what a user reads in `GET /v1/triggers/{id}/deliveries`: the outcome and the run
 * that caused them (a completion's or an event's run); a run started by a trigger finds its
 * delivery by `run_id` (`triggeredBy` in `GET /v1/runs/{id}`).
 */
export class EventTriggers1795000000015 implements MigrationInterface {
  name = 'EventTriggers1795000000015';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE trigger
        ADD COLUMN event_type text,
        ADD COLUMN cooldown_seconds int CONSTRAINT trigger_cooldown_ck CHECK (cooldown_seconds > 0),
        ADD COLUMN last_fired_at timestamptz(3),
        DROP CONSTRAINT trigger_type_ck,
        ADD CONSTRAINT trigger_type_ck CHECK (type IN ('webhook', 'pipeline', 'event')),
        DROP CONSTRAINT trigger_source_ck,
        ADD CONSTRAINT trigger_source_ck CHECK ((type = 'pipeline') = (on_status IS NOT NULL) AND (type <> 'pipeline' OR source_pipeline IS NOT NULL) AND (type <> 'webhook' OR source_pipeline IS NULL)),
        ADD CONSTRAINT trigger_event_ck CHECK ((type = 'event') = (event_type IS NOT NULL) AND (type = 'event' OR cooldown_seconds IS NULL));
      CREATE INDEX trigger_event_idx ON trigger (tenant_id, event_type) WHERE type = 'event';

      ALTER TABLE trigger_delivery
        ADD COLUMN source_run_id uuid,
        ADD COLUMN outcome text NOT NULL DEFAULT 'started' CONSTRAINT trigger_delivery_outcome_ck CHECK (outcome IN ('started', 'failed', 'skipped'));
      UPDATE trigger_delivery SET outcome = 'failed' WHERE run_id IS NULL AND error IS NOT NULL;
      UPDATE trigger_delivery SET source_run_id = substr(delivery_id, 5)::uuid
       WHERE delivery_id ~ '^run:[0-9a-f-]{36}$' AND trigger_id IN (SELECT id FROM trigger WHERE type = 'pipeline');
      CREATE INDEX trigger_delivery_trigger_created_idx ON trigger_delivery (trigger_id, created_at DESC, delivery_id DESC);
      CREATE INDEX trigger_delivery_run_idx ON trigger_delivery (run_id) WHERE run_id IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX trigger_delivery_run_idx;
      DROP INDEX trigger_delivery_trigger_created_idx;
      ALTER TABLE trigger_delivery DROP COLUMN outcome, DROP COLUMN source_run_id;
      DELETE FROM trigger WHERE type = 'event';
      DROP INDEX trigger_event_idx;
      ALTER TABLE trigger
        DROP CONSTRAINT trigger_event_ck,
        DROP CONSTRAINT trigger_source_ck,
        ADD CONSTRAINT trigger_source_ck CHECK ((type = 'pipeline') = (source_pipeline IS NOT NULL AND on_status IS NOT NULL)),
        DROP CONSTRAINT trigger_type_ck,
        ADD CONSTRAINT trigger_type_ck CHECK (type IN ('webhook', 'pipeline')),
        DROP COLUMN last_fired_at, DROP COLUMN cooldown_seconds, DROP COLUMN event_type;
    `);
  }
}
