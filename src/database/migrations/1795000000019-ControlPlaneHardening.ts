import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Control-plane hardening (issue 17):
 *
 * - Fan-out budget: a run started by another run records the run at the top of its tree
 *   (`root_run_id`; null on a top run), and a top run counts the child runs and `forEach` items
 *   its tree caused (`fan_out_used`). Both are added without a table rewrite (a constant default);
 *   no foreign key, so deleting runs past retention never has to look for their descendants.
 *
 * - Webhook signing secrets were derived from the session key (JWT_SECRET); they now come from
 *   WEBHOOK_SIGNING_KEY. Triggers and notification channels that exist keep their old secret
 *   (`secret_from_session_key`) until it is rotated, so that senders and receivers keep working
 *   through the upgrade; rows created from now on never use the session key.
 *
 * - Idempotency records no longer keep a credential a response carried: those of the past lose
 *   the fields that held one (an API key's `key`, a trigger's or channel's `secret`, an
 *   invitation's `token`) and say so, and an index on `created_at` serves their expiry.
 */
export class ControlPlaneHardening1795000000019 implements MigrationInterface {
  name = 'ControlPlaneHardening1795000000019';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE run ADD COLUMN root_run_id uuid, ADD COLUMN fan_out_used int NOT NULL DEFAULT 0;

      ALTER TABLE trigger ADD COLUMN secret_from_session_key boolean NOT NULL DEFAULT true;
      ALTER TABLE trigger ALTER COLUMN secret_from_session_key SET DEFAULT false;
      ALTER TABLE notification_channel ADD COLUMN secret_from_session_key boolean NOT NULL DEFAULT true;
      ALTER TABLE notification_channel ALTER COLUMN secret_from_session_key SET DEFAULT false;

      ALTER TABLE idempotency_record ADD COLUMN credential_withheld boolean NOT NULL DEFAULT false;
      UPDATE idempotency_record SET body = body - 'key' - 'secret' - 'token', credential_withheld = true
       WHERE jsonb_typeof(body) = 'object' AND body ?| array['key', 'secret', 'token'];
      CREATE INDEX idempotency_record_created_idx ON idempotency_record (created_at);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX idempotency_record_created_idx;
      ALTER TABLE idempotency_record DROP COLUMN credential_withheld;
      ALTER TABLE notification_channel DROP COLUMN secret_from_session_key;
      ALTER TABLE trigger DROP COLUMN secret_from_session_key;
      ALTER TABLE run DROP COLUMN fan_out_used, DROP COLUMN root_run_id;
    `);
  }
}
