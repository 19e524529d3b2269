import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A trigger may have a name, unique in its tenant: what `baton apply` matches a trigger of a Git
 * folder by, so that it can edit it in place (`PATCH`) and a webhook keeps its URL and secret.
 *
 * `listens_since`: when an edit last changed what the trigger listens to (`source`, `on`, `event`).
 * Runs that ended and events emitted before then do not fire it, as they would not fire a trigger
 * made then; without it, an edit would fire on the look-back window's past runs and events.
 */
export class TriggerNames1795000000031 implements MigrationInterface {
  name = 'TriggerNames1795000000031';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE trigger ADD COLUMN name text, ADD COLUMN listens_since timestamptz(3);
      CREATE UNIQUE INDEX trigger_tenant_name_uq ON trigger (tenant_id, name) WHERE name IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX trigger_tenant_name_uq; ALTER TABLE trigger DROP COLUMN listens_since, DROP COLUMN name;');
  }
}
