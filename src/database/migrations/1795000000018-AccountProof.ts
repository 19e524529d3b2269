import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Membership needs consent and proof (issue 17).
 *
 * - `user_account.email_verified_at`: set once the address is proven (a verification link, an
 *   invitation accepted by a new account, a password reset). Accounts made before this migration
 *   never proved theirs and start unverified.
 * - `user_account.password_changed_at`: sessions carry the value they were issued under; a reset or
 *   a change ends every older session.
 * - `account_token`: one-time e-mailed tokens (verification, password reset), only their SHA-256 kept.
 * - `invitation.revoked_at`: the open invitations of a removed member end with them.
 * - `mail`: the outbox SMTP sends from (body dropped once sent), or, with no SMTP, the mailbox the
 *   operator reads with `baton mail`.
 */
export class AccountProof1795000000018 implements MigrationInterface {
  name = 'AccountProof1795000000018';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE user_account ADD COLUMN email_verified_at timestamptz(3), ADD COLUMN password_changed_at timestamptz(3);
      ALTER TABLE invitation ADD COLUMN revoked_at timestamptz(3);
      CREATE INDEX invitation_open_by_creator_idx ON invitation (tenant_id, created_by) WHERE accepted_at IS NULL AND revoked_at IS NULL;
      CREATE INDEX api_key_active_by_creator_idx ON api_key (tenant_id, created_by) WHERE revoked_at IS NULL;
      CREATE TABLE account_token (
        id uuid NOT NULL CONSTRAINT account_token_pk PRIMARY KEY,
        user_id uuid NOT NULL CONSTRAINT account_token_user_fk REFERENCES user_account (id) ON DELETE CASCADE,
        purpose text NOT NULL CONSTRAINT account_token_purpose_ck CHECK (purpose IN ('verify_email', 'reset_password')),
        email text NOT NULL,
        token_hash text NOT NULL CONSTRAINT account_token_hash_uq UNIQUE,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        used_at timestamptz(3)
      );
      CREATE INDEX account_token_open_idx ON account_token (user_id, purpose) WHERE used_at IS NULL;
      CREATE TABLE mail (
        id uuid NOT NULL CONSTRAINT mail_pk PRIMARY KEY,
        kind text NOT NULL,
        to_address text NOT NULL,
        subject text NOT NULL,
        body text,
        link text,
        status text NOT NULL CONSTRAINT mail_status_ck CHECK (status IN ('pending', 'sent', 'failed', 'kept')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        sent_at timestamptz(3)
      );
      CREATE INDEX mail_due_idx ON mail (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX mail_created_idx ON mail (created_at DESC, id DESC);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE mail; DROP TABLE account_token;
      DROP INDEX api_key_active_by_creator_idx;
      ALTER TABLE invitation DROP COLUMN revoked_at;
      ALTER TABLE user_account DROP COLUMN email_verified_at, DROP COLUMN password_changed_at;
    `);
  }
}
