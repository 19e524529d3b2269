import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1795000000000 implements MigrationInterface {
  name = 'Foundation1795000000000';

  async up(db: QueryRunner): Promise<void> {
    // created_at is kept to the millisecond, as JavaScript dates are: keyset cursors built from
    // a row's created_at must compare equal to the stored value, or rows would be skipped.
    await db.query(`
      CREATE TABLE tenant (
        id uuid CONSTRAINT tenant_pk PRIMARY KEY,
        name text NOT NULL,
        plan text NOT NULL,
        status text NOT NULL CONSTRAINT tenant_status_ck CHECK (status IN ('active', 'suspended')),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE TABLE user_account (
        id uuid CONSTRAINT user_account_pk PRIMARY KEY,
        email text NOT NULL CONSTRAINT user_account_email_uq UNIQUE,
        password_hash text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE TABLE membership (
        tenant_id uuid NOT NULL CONSTRAINT membership_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        user_id uuid NOT NULL CONSTRAINT membership_user_fk REFERENCES user_account (id) ON DELETE CASCADE,
        role text NOT NULL CONSTRAINT membership_role_ck CHECK (role IN ('owner', 'admin', 'operator', 'viewer', 'publisher')),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT membership_pk PRIMARY KEY (tenant_id, user_id)
      );
      CREATE INDEX membership_user_idx ON membership (user_id);
      CREATE TABLE api_key (
        id uuid CONSTRAINT api_key_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT api_key_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        name text NOT NULL,
        role text NOT NULL CONSTRAINT api_key_role_ck CHECK (role IN ('owner', 'admin', 'operator', 'viewer', 'publisher')),
        prefix text NOT NULL,
        key_hash text NOT NULL CONSTRAINT api_key_hash_uq UNIQUE,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX api_key_tenant_idx ON api_key (tenant_id, created_at DESC);

      CREATE TABLE pipeline (
        id uuid CONSTRAINT pipeline_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT pipeline_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        name text NOT NULL,
        latest_version int NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      -- A deleted pipeline frees its name; its versions stay for the runs that pinned them.
      CREATE UNIQUE INDEX pipeline_tenant_name_uq ON pipeline (tenant_id, name) WHERE deleted_at IS NULL;
      CREATE TABLE pipeline_version (
        id uuid CONSTRAINT pipeline_version_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT pipeline_version_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        pipeline_id uuid NOT NULL CONSTRAINT pipeline_version_pipeline_fk REFERENCES pipeline (id) ON DELETE CASCADE,
        version int NOT NULL,
        -- json, not jsonb: the definition keeps the step order the user wrote.
        definition json NOT NULL,
        pins jsonb NOT NULL,
        checksum text NOT NULL,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT pipeline_version_uq UNIQUE (pipeline_id, version)
      );

      CREATE TABLE run (
        id uuid CONSTRAINT run_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT run_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        pipeline_id uuid NOT NULL CONSTRAINT run_pipeline_fk REFERENCES pipeline (id) ON DELETE CASCADE,
        pipeline_name text NOT NULL,
        version int NOT NULL,
        status text NOT NULL CONSTRAINT run_status_ck CHECK (status IN ('queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out')),
        trigger text NOT NULL,
        inputs jsonb NOT NULL,
        outputs jsonb,
        error jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        started_at timestamptz,
        ended_at timestamptz
      );
      -- Keyset pagination, newest first, always within one tenant.
      CREATE INDEX run_tenant_created_idx ON run (tenant_id, created_at DESC, id DESC);
      CREATE INDEX run_tenant_pipeline_created_idx ON run (tenant_id, pipeline_name, created_at DESC, id DESC);
      CREATE INDEX run_tenant_status_created_idx ON run (tenant_id, status, created_at DESC, id DESC);

      CREATE TABLE run_step (
        run_id uuid NOT NULL CONSTRAINT run_step_run_fk REFERENCES run (id) ON DELETE CASCADE,
        step_id text NOT NULL,
        tenant_id uuid NOT NULL,
        uses text NOT NULL,
        status text NOT NULL,
        attempt int NOT NULL DEFAULT 0,
        position int NOT NULL,
        started_at timestamptz,
        ended_at timestamptz,
        outputs jsonb,
        error jsonb,
        CONSTRAINT run_step_pk PRIMARY KEY (run_id, step_id)
      );
      CREATE TABLE run_event (
        id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT run_event_pk PRIMARY KEY,
        run_id uuid NOT NULL CONSTRAINT run_event_run_fk REFERENCES run (id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL,
        key text NOT NULL,
        type text NOT NULL,
        step_id text,
        data jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        -- Activities run at least once: the key makes every append idempotent.
        CONSTRAINT run_event_key_uq UNIQUE (run_id, key)
      );

      CREATE TABLE plugin_version (
        name text NOT NULL,
        version text NOT NULL,
        digest text NOT NULL,
        manifest jsonb NOT NULL,
        source text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT plugin_version_pk PRIMARY KEY (name, version)
      );

      CREATE TABLE idempotency_record (
        tenant_id uuid NOT NULL CONSTRAINT idempotency_record_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        key text NOT NULL,
        request_hash text NOT NULL,
        status_code int,
        body jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT idempotency_record_pk PRIMARY KEY (tenant_id, key)
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE idempotency_record; DROP TABLE plugin_version; DROP TABLE run_event; DROP TABLE run_step;
      DROP TABLE run; DROP TABLE pipeline_version; DROP TABLE pipeline; DROP TABLE api_key;
      DROP TABLE membership; DROP TABLE user_account; DROP TABLE tenant;
    `);
  }
}
