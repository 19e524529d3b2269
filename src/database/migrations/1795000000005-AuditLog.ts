import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who did what, to what, when and from where: one row per mutating API call a tenant's credential
 * made, refused ones included. Request bodies are never kept (they carry secret values).
 * Read newest first per tenant, hence the index.
 */
export class AuditLog1795000000005 implements MigrationInterface {
  name = 'AuditLog1795000000005';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit_event (
        id uuid NOT NULL CONSTRAINT audit_event_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT audit_event_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        actor_kind text NOT NULL,
        actor_id uuid,
        actor_role text NOT NULL,
        action text NOT NULL,
        target jsonb NOT NULL,
        status int NOT NULL,
        source_ip text,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX audit_event_tenant_created_idx ON audit_event (tenant_id, created_at DESC, id DESC);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE audit_event;');
  }
}
