import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { PackageManifest } from '../../plugins/sdk/src/package/package-manifest.js';
import type { SignatureFile } from '../../plugins/sdk/src/package/signing.js';

export interface PublisherRow {
  name: string;
  tenantId: string | null;
  verified: boolean;
}

export interface PublisherKeyRow {
  id: string;
  publisher: string;
  publicKey: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface PluginVersionRow {
  name: string;
  version: string;
  digest: string;
  manifest: PackageManifest;
  signature: SignatureFile;
  keyId: string;
  publisher: string;
  verified: boolean;
  yankedAt: Date | null;
  createdAt: Date;
}

export interface TenantPluginRow {
  plugin: string;
  enabled: boolean;
  approvedEgress: string[];
  approvedSecrets: string[];
  /** The manifests' `network` patterns the tenant approved. */
  approvedNetwork: string[];
  /** The concrete `host:port` endpoints the plugin's steps may open connections to. */
  networkEndpoints: string[];
}

export interface NewPluginVersion {
  manifest: PackageManifest;
  manifestBytes: Buffer;
  signature: SignatureFile;
  keyId: string;
  bundle: Buffer;
}

const VERSION_COLUMNS = `v.name, v.version, v.digest, v.manifest, v.signature, v.key_id AS "keyId", p.publisher, pub.verified,
  v.yanked_at AS "yankedAt", v.created_at AS "createdAt"`;
const VERSION_FROM = 'plugin_version v JOIN plugin p ON p.name = v.name JOIN publisher pub ON pub.name = p.publisher';
const KEY_COLUMNS = 'id, publisher, public_key AS "publicKey", created_at AS "createdAt", revoked_at AS "revokedAt"';

@Injectable()
export class PluginRegistryRepository {
  constructor(private readonly db: DataSource) {}

  async publisherOfTenant(tenantId: string): Promise<PublisherRow | null> {
    const rows: PublisherRow[] = await this.db.query('SELECT name, tenant_id AS "tenantId", verified FROM publisher WHERE tenant_id = $1', [
      tenantId,
    ]);
    return rows[0] ?? null;
  }

  async publisher(name: string, tx: EntityManager | DataSource = this.db): Promise<PublisherRow | null> {
    const rows: PublisherRow[] = await tx.query('SELECT name, tenant_id AS "tenantId", verified FROM publisher WHERE name = $1', [name]);
    return rows[0] ?? null;
  }

  /** False when the name is taken (by anyone, the installation included). */
  async createPublisher(name: string, tenantId: string | null, verified: boolean): Promise<boolean> {
    const rows = await this.db.query(
      'INSERT INTO publisher (name, tenant_id, verified) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING name',
      [name, tenantId, verified],
    );
    return rows.length === 1;
  }

  /** False when this key is already registered (to whichever publisher). */
  async addKey(id: string, publisher: string, publicKey: string): Promise<boolean> {
    const rows = await this.db.query(
      'INSERT INTO publisher_key (id, publisher, public_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id',
      [id, publisher, publicKey],
    );
    return rows.length === 1;
  }

  async key(id: string): Promise<PublisherKeyRow | null> {
    const rows: PublisherKeyRow[] = await this.db.query(`SELECT ${KEY_COLUMNS} FROM publisher_key WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  keys(publisher: string): Promise<PublisherKeyRow[]> {
    return this.db.query(`SELECT ${KEY_COLUMNS} FROM publisher_key WHERE publisher = $1 ORDER BY created_at, id`, [publisher]);
  }

  /** True when the key existed, belonged to the publisher and was not yet revoked. */
  async revokeKey(id: string, publisher: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query(
      'UPDATE publisher_key SET revoked_at = now() WHERE id = $1 AND publisher = $2 AND revoked_at IS NULL',
      [id, publisher],
    );
    return count === 1;
  }

  /**
   * Inserts a version under a lock on its plugin name, after `check` has seen the name's owner and
   * existing versions in the same transaction, so two uploads of one version cannot both pass.
   */
  async insertVersion(
    version: NewPluginVersion,
    check: (owner: string | null, existing: PluginVersionRow[]) => void,
  ): Promise<PluginVersionRow> {
    const { manifest } = version;
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('baton.plugin:' || $1))`, [manifest.name]);
      const owner: Array<{ publisher: string }> = await tx.query('SELECT publisher FROM plugin WHERE name = $1', [manifest.name]);
      check(owner[0]?.publisher ?? null, await this.versionsIn(tx, manifest.name));
      await tx.query('INSERT INTO plugin (name, publisher) VALUES ($1, $2) ON CONFLICT DO NOTHING', [manifest.name, manifest.publisher]);
      await tx.query('INSERT INTO plugin_bundle (digest, content, manifest) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        manifest.bundle.digest,
        version.bundle,
        JSON.stringify(manifest),
      ]);
      await tx.query(
        `INSERT INTO plugin_version (name, version, digest, manifest, manifest_bytes, signature, key_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          manifest.name,
          manifest.version,
          manifest.bundle.digest,
          JSON.stringify(manifest),
          version.manifestBytes,
          JSON.stringify(version.signature),
          version.keyId,
        ],
      );
      return (await this.versionsIn(tx, manifest.name)).find((v) => v.version === manifest.version)!;
    });
  }

  /**
   * The installation's own plugins only: a rebuilt first-party bundle under an unchanged version
   * replaces what new pipeline versions pin. The old bundle stays stored, so old pins still run.
   */
  async replaceFirstPartyVersion(version: NewPluginVersion): Promise<void> {
    const { manifest } = version;
    await this.db.transaction(async (tx) => {
      await tx.query('INSERT INTO plugin_bundle (digest, content, manifest) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        manifest.bundle.digest,
        version.bundle,
        JSON.stringify(manifest),
      ]);
      await tx.query(
        `UPDATE plugin_version SET digest = $3, manifest = $4, manifest_bytes = $5, signature = $6, key_id = $7, created_at = now() WHERE name = $1 AND version = $2`,
        [
          manifest.name,
          manifest.version,
          manifest.bundle.digest,
          JSON.stringify(manifest),
          version.manifestBytes,
          JSON.stringify(version.signature),
          version.keyId,
        ],
      );
    });
  }

  /** True when the version existed and was not yet yanked. */
  async yank(name: string, version: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query(
      'UPDATE plugin_version SET yanked_at = now() WHERE name = $1 AND version = $2 AND yanked_at IS NULL',
      [name, version],
    );
    return count === 1;
  }

  allVersions(): Promise<PluginVersionRow[]> {
    return this.db.query(`SELECT ${VERSION_COLUMNS} FROM ${VERSION_FROM} ORDER BY v.name, v.created_at`);
  }

  versions(name: string): Promise<PluginVersionRow[]> {
    return this.versionsIn(this.db, name);
  }

  async manifestBytes(name: string, version: string): Promise<Buffer | null> {
    const rows: Array<{ manifest_bytes: Buffer }> = await this.db.query(
      'SELECT manifest_bytes FROM plugin_version WHERE name = $1 AND version = $2',
      [name, version],
    );
    return rows[0]?.manifest_bytes ?? null;
  }

  tenantPlugins(tenantId: string): Promise<TenantPluginRow[]> {
    return this.db.query(
      `SELECT plugin, enabled, approved_egress AS "approvedEgress", approved_secrets AS "approvedSecrets", approved_network AS "approvedNetwork", network_endpoints AS "networkEndpoints"
       FROM tenant_plugin WHERE tenant_id = $1`,
      [tenantId],
    );
  }

  async setTenantPlugin(tenantId: string, row: TenantPluginRow): Promise<void> {
    await this.db.query(
      `INSERT INTO tenant_plugin (tenant_id, plugin, enabled, approved_egress, approved_secrets, approved_network, network_endpoints) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, plugin) DO UPDATE SET enabled = excluded.enabled, approved_egress = excluded.approved_egress,
         approved_secrets = excluded.approved_secrets, approved_network = excluded.approved_network, network_endpoints = excluded.network_endpoints, updated_at = now()`,
      [tenantId, row.plugin, row.enabled, row.approvedEgress, row.approvedSecrets, row.approvedNetwork, row.networkEndpoints],
    );
  }

  private versionsIn(tx: EntityManager | DataSource, name: string): Promise<PluginVersionRow[]> {
    return tx.query(`SELECT ${VERSION_COLUMNS} FROM ${VERSION_FROM} WHERE v.name = $1 ORDER BY v.created_at`, [name]);
  }
}
