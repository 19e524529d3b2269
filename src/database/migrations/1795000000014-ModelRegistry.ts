import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Model registry: a tenant's models (a name unique per tenant), their versions (numbered 1, 2, ...
 * per model, each with the metrics, params and training dataset reference a step registered, the
 * run and step that produced it and its artifact), and every stage change (registration, promote,
 * rollback) so that rollback knows which version was in production before.
 *
 * One production version per model is the partial unique index `model_version_one_production_uq`:
 * a promote that would leave two fails instead of racing (the service also locks the model row).
 * A registration from a step is idempotent by `(tenant_id, idempotency_key)`: a retried attempt of
 * the same step registers nothing new.
 */
export class ModelRegistry1795000000014 implements MigrationInterface {
  name = 'ModelRegistry1795000000014';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE IF NOT EXISTS model (
        id uuid NOT NULL CONSTRAINT model_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT model_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        name text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT model_tenant_name_uq UNIQUE (tenant_id, name)
      );
      -- GET /v1/models: newest first per tenant.
      CREATE INDEX IF NOT EXISTS model_tenant_created_idx ON model (tenant_id, created_at DESC, id DESC);

      CREATE TABLE IF NOT EXISTS model_version (
        id uuid NOT NULL CONSTRAINT model_version_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT model_version_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        model_id uuid NOT NULL CONSTRAINT model_version_model_fk REFERENCES model (id) ON DELETE CASCADE,
        version int NOT NULL CONSTRAINT model_version_version_ck CHECK (version > 0),
        stage text NOT NULL DEFAULT 'none' CONSTRAINT model_version_stage_ck CHECK (stage IN ('none', 'staging', 'production', 'archived')),
        metrics jsonb NOT NULL DEFAULT '{}',
        params jsonb NOT NULL DEFAULT '{}',
        -- Lineage: the training dataset reference the step passed (an artifact ref, a table name...).
        dataset jsonb,
        algorithm text,
        task text,
        -- Retention may delete the run; the version stays, naming the run it came from.
        run_id uuid,
        step_id text,
        artifact text NOT NULL,
        -- The step attempt chain that registered it (ctx.idempotencyKey): a retry registers nothing new.
        idempotency_key text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT model_version_model_version_uq UNIQUE (model_id, version)
      );
      CREATE UNIQUE INDEX IF NOT EXISTS model_version_one_production_uq ON model_version (model_id) WHERE stage = 'production';
      CREATE UNIQUE INDEX IF NOT EXISTS model_version_idempotency_uq ON model_version (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

      CREATE TABLE IF NOT EXISTS model_stage_change (
        id uuid NOT NULL CONSTRAINT model_stage_change_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT model_stage_change_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        model_id uuid NOT NULL CONSTRAINT model_stage_change_model_fk REFERENCES model (id) ON DELETE CASCADE,
        version_id uuid NOT NULL CONSTRAINT model_stage_change_version_fk REFERENCES model_version (id) ON DELETE CASCADE,
        version int NOT NULL,
        from_stage text,
        to_stage text NOT NULL,
        reason text NOT NULL CONSTRAINT model_stage_change_reason_ck CHECK (reason IN ('registered', 'promote', 'rollback')),
        -- Who: a user or API key of the tenant, or a step of a run.
        actor_kind text NOT NULL CONSTRAINT model_stage_change_actor_ck CHECK (actor_kind IN ('user', 'api_key', 'step')),
        actor_id text,
        run_id uuid,
        step_id text,
        comment text,
        created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
      );
      -- A model's history, newest first; rollback reads the production entries.
      CREATE INDEX IF NOT EXISTS model_stage_change_model_created_idx ON model_stage_change (model_id, created_at DESC, id DESC);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE IF EXISTS model_stage_change; DROP TABLE IF EXISTS model_version; DROP TABLE IF EXISTS model;');
  }
}
