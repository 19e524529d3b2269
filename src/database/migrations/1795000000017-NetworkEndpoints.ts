import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Raw network access by endpoint (issue 17). A plugin's manifest declares `host:port` patterns
 * instead of `rawNetwork: true`; enabling a plugin approves its patterns (`approved_network`, as
 * `approved_egress` approves hosts), and a tenant admin names the concrete endpoints its steps may
 * reach (`network_endpoints`, `PUT /v1/plugins/{name}/network`). A plugin approved before for raw
 * network keeps the pattern `rawNetwork: true` stands for, `*:*`, but no endpoint: its steps reach
 * nothing until an admin names one.
 */
export class NetworkEndpoints1795000000017 implements MigrationInterface {
  name = 'NetworkEndpoints1795000000017';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE tenant_plugin ADD COLUMN approved_network text[] NOT NULL DEFAULT '{}', ADD COLUMN network_endpoints text[] NOT NULL DEFAULT '{}'`,
    );
    await db.query(`UPDATE tenant_plugin SET approved_network = '{*:*}' WHERE approved_raw_network`);
    await db.query('ALTER TABLE tenant_plugin DROP COLUMN approved_raw_network');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE tenant_plugin ADD COLUMN approved_raw_network boolean NOT NULL DEFAULT false');
    await db.query(`UPDATE tenant_plugin SET approved_raw_network = cardinality(approved_network) > 0`);
    await db.query('ALTER TABLE tenant_plugin DROP COLUMN approved_network, DROP COLUMN network_endpoints');
  }
}
