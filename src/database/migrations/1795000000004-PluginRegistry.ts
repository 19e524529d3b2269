import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The signed plugin registry. Publishers own plugin names and Ed25519 keys; versions are immutable
 * and keep the exact manifest bytes and signature, so anyone can verify them again; bundles are
 * stored once per digest and never deleted, so every pinned digest stays fetchable; each tenant
 * enables plugins and approves what they may reach.
 *
 * The foundation's unsigned first-party rows are dropped: the API republishes the first-party
 * plugins as signed packages at start-up. Pipeline versions pinned to their old digests must be
 * applied again to run (their digests named a folder of files, not a bundle).
 */
export class PluginRegistry1795000000004 implements MigrationInterface {
  name = 'PluginRegistry1795000000004';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE publisher (
        name text NOT NULL CONSTRAINT publisher_pk PRIMARY KEY,
        -- NULL: the installation itself, which publishes the first-party plugins.
        tenant_id uuid CONSTRAINT publisher_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        verified boolean NOT NULL DEFAULT false,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX publisher_tenant_uq ON publisher (tenant_id) WHERE tenant_id IS NOT NULL;

      CREATE TABLE publisher_key (
        id text NOT NULL CONSTRAINT publisher_key_pk PRIMARY KEY,
        publisher text NOT NULL CONSTRAINT publisher_key_publisher_fk REFERENCES publisher (name) ON DELETE CASCADE,
        public_key text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        revoked_at timestamptz(3)
      );
      CREATE INDEX publisher_key_publisher_idx ON publisher_key (publisher);

      CREATE TABLE plugin (
        name text NOT NULL CONSTRAINT plugin_pk PRIMARY KEY,
        publisher text NOT NULL CONSTRAINT plugin_publisher_fk REFERENCES publisher (name) ON DELETE CASCADE,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );

      -- The manifest it was published with travels with the bundle: workers read each step's egress
      -- and the plugin's raw network from it, even for a first-party version since rebuilt.
      CREATE TABLE plugin_bundle (
        digest text NOT NULL CONSTRAINT plugin_bundle_pk PRIMARY KEY,
        content bytea NOT NULL,
        manifest jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );

      DELETE FROM plugin_version;
      ALTER TABLE plugin_version
        DROP COLUMN source,
        ADD COLUMN manifest_bytes bytea NOT NULL,
        ADD COLUMN signature jsonb NOT NULL,
        ADD COLUMN key_id text NOT NULL CONSTRAINT plugin_version_key_fk REFERENCES publisher_key (id),
        ADD COLUMN yanked_at timestamptz(3),
        ADD CONSTRAINT plugin_version_plugin_fk FOREIGN KEY (name) REFERENCES plugin (name) ON DELETE CASCADE,
        ADD CONSTRAINT plugin_version_bundle_fk FOREIGN KEY (digest) REFERENCES plugin_bundle (digest);

      -- No row: a verified publisher's plugin is enabled with all it asks for; anyone else's is off.
      CREATE TABLE tenant_plugin (
        tenant_id uuid NOT NULL CONSTRAINT tenant_plugin_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        plugin text NOT NULL CONSTRAINT tenant_plugin_plugin_fk REFERENCES plugin (name) ON DELETE CASCADE,
        enabled boolean NOT NULL,
        approved_egress text[] NOT NULL DEFAULT '{}',
        approved_secrets text[] NOT NULL DEFAULT '{}',
        approved_raw_network boolean NOT NULL DEFAULT false,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT tenant_plugin_pk PRIMARY KEY (tenant_id, plugin)
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP TABLE tenant_plugin;
      DELETE FROM plugin_version;
      ALTER TABLE plugin_version
        DROP CONSTRAINT plugin_version_bundle_fk, DROP CONSTRAINT plugin_version_plugin_fk,
        DROP COLUMN yanked_at, DROP COLUMN key_id, DROP COLUMN signature, DROP COLUMN manifest_bytes,
        ADD COLUMN source text NOT NULL;
      DROP TABLE plugin_bundle; DROP TABLE plugin; DROP TABLE publisher_key; DROP TABLE publisher;
    `);
  }
}
