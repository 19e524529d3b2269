import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single sign-on with OpenID Connect, per tenant: the owner's settings (the client secret sealed
 * with the tenant's data key, like its secrets), the logins under way (state, nonce and PKCE
 * verifier, each used once) and the provider identities linked to accounts.
 */
export class TenantSso1795000000028 implements MigrationInterface {
  name = 'TenantSso1795000000028';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE tenant_sso (
        tenant_id uuid NOT NULL CONSTRAINT tenant_sso_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        slug text NOT NULL,
        issuer text NOT NULL,
        client_id text NOT NULL,
        secret_key_version int NOT NULL,
        client_secret_sealed bytea NOT NULL,
        scopes text[] NOT NULL,
        groups_claim text NOT NULL,
        role_mapping jsonb NOT NULL,
        default_role text,
        allowed_domains text[] NOT NULL,
        password_login boolean NOT NULL DEFAULT true,
        server_metadata jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT tenant_sso_pk PRIMARY KEY (tenant_id),
        CONSTRAINT tenant_sso_slug_key UNIQUE (slug),
        CONSTRAINT tenant_sso_data_key_fk FOREIGN KEY (tenant_id, secret_key_version) REFERENCES tenant_data_key (tenant_id, version)
      );
      CREATE TABLE sso_login (
        state_hash text NOT NULL,
        tenant_id uuid NOT NULL CONSTRAINT sso_login_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        browser_hash text NOT NULL,
        nonce text NOT NULL,
        code_verifier text NOT NULL,
        expires_at timestamptz(3) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT sso_login_pk PRIMARY KEY (state_hash)
      );
      CREATE INDEX sso_login_expires_idx ON sso_login (expires_at);
      CREATE TABLE sso_identity (
        tenant_id uuid NOT NULL CONSTRAINT sso_identity_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        issuer text NOT NULL,
        subject text NOT NULL,
        user_id uuid NOT NULL CONSTRAINT sso_identity_user_fk REFERENCES user_account (id) ON DELETE CASCADE,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_login_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT sso_identity_pk PRIMARY KEY (tenant_id, issuer, subject)
      );
      CREATE INDEX sso_identity_user_idx ON sso_identity (tenant_id, user_id);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE sso_identity; DROP TABLE sso_login; DROP TABLE tenant_sso;');
  }
}
