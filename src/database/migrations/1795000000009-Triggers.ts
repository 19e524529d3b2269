import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Triggers: inbound webhooks (HMAC-signed; the secret is derived from the installation's key and
 * the trigger's id and secret version, so none is stored) and run-completion triggers. Each
 * delivery (a webhook's delivery id, or `run:<id>` of the run that ended) starts at most one run.
 */
export class Triggers1795000000009 implements MigrationInterface {
  name = 'Triggers1795000000009';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE trigger (
        id uuid NOT NULL CONSTRAINT trigger_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT trigger_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        pipeline_name text NOT NULL,
        type text NOT NULL CONSTRAINT trigger_type_ck CHECK (type IN ('webhook', 'pipeline')),
        inputs_expression text,
        source_pipeline text,
        on_status text CONSTRAINT trigger_on_status_ck CHECK (on_status IN ('succeeded', 'failed', 'finished')),
        secret_version int NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT trigger_source_ck CHECK ((type = 'pipeline') = (source_pipeline IS NOT NULL AND on_status IS NOT NULL))
      );
      CREATE INDEX trigger_tenant_created_idx ON trigger (tenant_id, created_at DESC, id DESC);
      CREATE INDEX trigger_source_idx ON trigger (tenant_id, source_pipeline) WHERE type = 'pipeline';

      CREATE TABLE trigger_delivery (
        trigger_id uuid NOT NULL CONSTRAINT trigger_delivery_trigger_fk REFERENCES trigger (id) ON DELETE CASCADE,
        delivery_id text NOT NULL,
        run_id uuid,
        error text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT trigger_delivery_pk PRIMARY KEY (trigger_id, delivery_id)
      );
      CREATE INDEX trigger_delivery_created_idx ON trigger_delivery (created_at);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE trigger_delivery; DROP TABLE trigger;');
  }
}
