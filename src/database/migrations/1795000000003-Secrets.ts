import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenant secrets, envelope-encrypted: versioned data keys per tenant, each wrapped by a master key
 * (identified, never stored), and secrets sealed with a data key. No plaintext is ever stored.
 */
export class Secrets1795000000003 implements MigrationInterface {
  name = 'Secrets1795000000003';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE tenant_data_key (
        tenant_id uuid NOT NULL CONSTRAINT tenant_data_key_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        version int NOT NULL,
        master_key_id text NOT NULL,
        wrapped bytea NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT tenant_data_key_pk PRIMARY KEY (tenant_id, version)
      );
      CREATE TABLE secret (
        tenant_id uuid NOT NULL CONSTRAINT secret_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        name text NOT NULL,
        version int NOT NULL,
        key_version int NOT NULL,
        sealed bytea NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT secret_pk PRIMARY KEY (tenant_id, name),
        CONSTRAINT secret_data_key_fk FOREIGN KEY (tenant_id, key_version) REFERENCES tenant_data_key (tenant_id, version)
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE secret; DROP TABLE tenant_data_key;');
  }
}
