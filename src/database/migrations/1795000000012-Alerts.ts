import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts: a tenant's notification channels (signed webhooks; the signing secret is derived from the
 * installation's key and the channel's id and secret version, so none is stored), the alerts found
 * in its runs (each recorded once, by a unique key such as `run:<id>:run.failed`), one delivery per
 * alert and subscribed channel, and every attempt of each delivery.
 *
 * The detector's two indexes on `run` and `run_event` are built CONCURRENTLY, outside a transaction,
 * as migration 11 builds its own, so that an installation upgrading with millions of rows keeps
 * recording runs meanwhile. The new tables are made in one statement (one implicit transaction),
 * and everything is `IF NOT EXISTS`, so that a migration stopped half-way can simply run again.
 */
export class Alerts1795000000012 implements MigrationInterface {
  name = 'Alerts1795000000012';
  transaction = false;

  /** Each bounds one scan of the detector to what may still raise an alert. */
  private readonly indexes: Array<[name: string, definition: string]> = [
    // SLA: the runs going now.
    ['run_active_started_idx', `ON run (started_at) WHERE status IN ('running', 'waiting')`],
    // A step's quality failure, a drift event: a few event types among many.
    ['run_event_alert_idx', `ON run_event (created_at) WHERE type IN ('step.failed', 'step.item_failed', 'model.drift_detected')`],
  ];

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE IF NOT EXISTS notification_channel (
        id uuid NOT NULL CONSTRAINT notification_channel_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT notification_channel_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        name text,
        type text NOT NULL CONSTRAINT notification_channel_type_ck CHECK (type IN ('webhook')),
        url text NOT NULL,
        events text[] NOT NULL CONSTRAINT notification_channel_events_ck CHECK (cardinality(events) > 0),
        enabled boolean NOT NULL DEFAULT true,
        secret_version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX IF NOT EXISTS notification_channel_tenant_created_idx ON notification_channel (tenant_id, created_at DESC, id DESC);

      CREATE TABLE IF NOT EXISTS alert (
        id uuid NOT NULL CONSTRAINT alert_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT alert_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        -- What happened to what, once: 'run:<id>:run.failed', 'run:<id>:step:<step>:quality.failed'...
        key text NOT NULL CONSTRAINT alert_key_uq UNIQUE,
        type text NOT NULL CONSTRAINT alert_type_ck CHECK (type IN ('run.failed', 'sla.breached', 'quality.failed', 'model.drift_detected')),
        pipeline_name text NOT NULL,
        -- Retention deletes a run with its alerts.
        run_id uuid NOT NULL CONSTRAINT alert_run_fk REFERENCES run (id) ON DELETE CASCADE,
        step_id text,
        message text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        occurred_at timestamptz(3) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      -- GET /v1/alerts: newest first per tenant, optionally of one type or pipeline; ?run= by run.
      CREATE INDEX IF NOT EXISTS alert_tenant_created_idx ON alert (tenant_id, created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS alert_tenant_type_created_idx ON alert (tenant_id, type, created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS alert_tenant_pipeline_created_idx ON alert (tenant_id, pipeline_name, created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS alert_run_idx ON alert (run_id);

      CREATE TABLE IF NOT EXISTS alert_delivery (
        id uuid NOT NULL CONSTRAINT alert_delivery_pk PRIMARY KEY,
        tenant_id uuid NOT NULL,
        alert_id uuid NOT NULL CONSTRAINT alert_delivery_alert_fk REFERENCES alert (id) ON DELETE CASCADE,
        channel_id uuid NOT NULL CONSTRAINT alert_delivery_channel_fk REFERENCES notification_channel (id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'pending' CONSTRAINT alert_delivery_status_ck CHECK (status IN ('pending', 'delivered', 'failed')),
        -- Attempts claimed so far; a claim also moves next_attempt_at past the attempt's timeout (a lease).
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
        last_error text,
        delivered_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT alert_delivery_alert_channel_uq UNIQUE (alert_id, channel_id)
      );
      -- The sender's queue: only pending deliveries are in it.
      CREATE INDEX IF NOT EXISTS alert_delivery_due_idx ON alert_delivery (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX IF NOT EXISTS alert_delivery_channel_idx ON alert_delivery (channel_id);

      CREATE TABLE IF NOT EXISTS alert_delivery_attempt (
        delivery_id uuid NOT NULL CONSTRAINT alert_delivery_attempt_delivery_fk REFERENCES alert_delivery (id) ON DELETE CASCADE,
        attempt int NOT NULL,
        status_code int,
        error text,
        duration_ms int NOT NULL,
        at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT alert_delivery_attempt_pk PRIMARY KEY (delivery_id, attempt)
      );
    `);
    for (const [name, definition] of this.indexes) {
      // An index a failed concurrent build left behind is invalid: dropped and built again.
      await db.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
      await db.query(`CREATE INDEX CONCURRENTLY ${name} ${definition}`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const [name] of [...this.indexes].reverse()) await db.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
    await db.query(`
      DROP TABLE alert_delivery_attempt; DROP TABLE alert_delivery; DROP TABLE alert; DROP TABLE notification_channel;
    `);
  }
}
