import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invitations of people without an account yet: a one-time token (only its SHA-256 is kept) that
 * makes the account and the membership when accepted, within a week.
 */
export class Invitations1795000000006 implements MigrationInterface {
  name = 'Invitations1795000000006';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE invitation (
        id uuid NOT NULL CONSTRAINT invitation_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT invitation_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        email text NOT NULL,
        role text NOT NULL,
        token_hash text NOT NULL CONSTRAINT invitation_token_uq UNIQUE,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        accepted_at timestamptz(3)
      );
      CREATE INDEX invitation_tenant_idx ON invitation (tenant_id, created_at DESC);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE invitation;');
  }
}
