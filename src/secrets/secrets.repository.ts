import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { WrappedDataKey } from '../../workers/contracts/secret-envelope.js';

export interface SecretSummary {
  name: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SealedSecret {
  tenantId: string;
  name: string;
  keyVersion: number;
  sealed: Buffer;
}

interface DataKeyRow {
  tenant_id: string;
  version: number;
  master_key_id: string;
  wrapped: Buffer;
}

const toDataKey = (row: DataKeyRow): WrappedDataKey => ({
  tenantId: row.tenant_id,
  version: row.version,
  masterKeyId: row.master_key_id,
  wrapped: row.wrapped,
});

@Injectable()
export class SecretsRepository {
  constructor(private readonly db: DataSource) {}

  /** Runs `work` with the tenant's data keys locked, so concurrent writers agree on the current one. */
  inTenantLock<T>(tenantId: string, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('baton.secrets:' || $1))`, [tenantId]);
      return work(tx);
    });
  }

  async currentDataKey(tx: EntityManager, tenantId: string): Promise<WrappedDataKey | null> {
    const rows: DataKeyRow[] = await tx.query('SELECT * FROM tenant_data_key WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1', [
      tenantId,
    ]);
    return rows[0] ? toDataKey(rows[0]) : null;
  }

  async dataKey(tx: EntityManager, tenantId: string, version: number): Promise<WrappedDataKey | null> {
    const rows: DataKeyRow[] = await tx.query('SELECT * FROM tenant_data_key WHERE tenant_id = $1 AND version = $2', [tenantId, version]);
    return rows[0] ? toDataKey(rows[0]) : null;
  }

  async insertDataKey(tx: EntityManager, key: WrappedDataKey): Promise<void> {
    await tx.query('INSERT INTO tenant_data_key (tenant_id, version, master_key_id, wrapped) VALUES ($1, $2, $3, $4)', [
      key.tenantId,
      key.version,
      key.masterKeyId,
      key.wrapped,
    ]);
  }

  async rewrapDataKey(tx: EntityManager, key: WrappedDataKey): Promise<void> {
    await tx.query('UPDATE tenant_data_key SET master_key_id = $3, wrapped = $4 WHERE tenant_id = $1 AND version = $2', [
      key.tenantId,
      key.version,
      key.masterKeyId,
      key.wrapped,
    ]);
  }

  /** Inserts or replaces the sealed value; `created` tells which, `version` counts the replacements. */
  async upsertSecret(tx: EntityManager, secret: SealedSecret): Promise<SecretSummary & { created: boolean }> {
    const rows: Array<{ name: string; version: number; created_at: Date; updated_at: Date; created: boolean }> = await tx.query(
      `INSERT INTO secret (tenant_id, name, version, key_version, sealed) VALUES ($1, $2, 1, $3, $4)
       ON CONFLICT (tenant_id, name) DO UPDATE SET version = secret.version + 1, key_version = $3, sealed = $4, updated_at = now()
       RETURNING name, version, created_at, updated_at, (xmax = 0) AS created`,
      [secret.tenantId, secret.name, secret.keyVersion, secret.sealed],
    );
    const row = rows[0];
    return { name: row.name, version: row.version, createdAt: row.created_at, updatedAt: row.updated_at, created: row.created };
  }

  async exists(tenantId: string, name: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query('SELECT 1 FROM secret WHERE tenant_id = $1 AND name = $2', [tenantId, name]);
    return rows.length > 0;
  }

  /** The secret as sealed and the data key it was sealed with, read together (a rotation re-seals both at once). */
  async findSealed(tenantId: string, name: string): Promise<{ secret: SealedSecret; dataKey: WrappedDataKey } | null> {
    const rows: Array<DataKeyRow & { key_version: number; sealed: Buffer }> = await this.db.query(
      `SELECT s.key_version, s.sealed, k.tenant_id, k.version, k.master_key_id, k.wrapped
         FROM secret s JOIN tenant_data_key k ON k.tenant_id = s.tenant_id AND k.version = s.key_version
        WHERE s.tenant_id = $1 AND s.name = $2`,
      [tenantId, name],
    );
    const row = rows[0];
    return row ? { secret: { tenantId, name, keyVersion: row.key_version, sealed: row.sealed }, dataKey: toDataKey(row) } : null;
  }

  async listByTenant(tenantId: string): Promise<SecretSummary[]> {
    const rows: Array<{ name: string; version: number; created_at: Date; updated_at: Date }> = await this.db.query(
      'SELECT name, version, created_at, updated_at FROM secret WHERE tenant_id = $1 ORDER BY name',
      [tenantId],
    );
    return rows.map((r) => ({ name: r.name, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    const [, affected]: [unknown, number] = await this.db.query('DELETE FROM secret WHERE tenant_id = $1 AND name = $2', [tenantId, name]);
    return affected > 0;
  }

  /** Data keys not wrapped by the current master key, a batch at a time: what a master-key rotation still has to do. */
  async dataKeysWrappedByOtherThan(masterKeyId: string, limit: number): Promise<WrappedDataKey[]> {
    const rows: DataKeyRow[] = await this.db.query(
      'SELECT * FROM tenant_data_key WHERE master_key_id <> $1 ORDER BY tenant_id, version LIMIT $2',
      [masterKeyId, limit],
    );
    return rows.map(toDataKey);
  }

  /** Secrets sealed with an older data key than their tenant's newest. */
  async secretsBehindCurrentDataKey(tx: EntityManager, tenantId: string): Promise<SealedSecret[]> {
    const rows: Array<{ name: string; key_version: number; sealed: Buffer }> = await tx.query(
      `SELECT name, key_version, sealed FROM secret WHERE tenant_id = $1 AND key_version < (SELECT max(version) FROM tenant_data_key WHERE tenant_id = $1)`,
      [tenantId],
    );
    return rows.map((r) => ({ tenantId, name: r.name, keyVersion: r.key_version, sealed: r.sealed }));
  }

  async reseal(tx: EntityManager, secret: SealedSecret): Promise<void> {
    await tx.query('UPDATE secret SET key_version = $3, sealed = $4 WHERE tenant_id = $1 AND name = $2', [
      secret.tenantId,
      secret.name,
      secret.keyVersion,
      secret.sealed,
    ]);
  }

  async tenantsWithDataKeys(): Promise<string[]> {
    const rows: Array<{ tenant_id: string }> = await this.db.query('SELECT DISTINCT tenant_id FROM tenant_data_key ORDER BY tenant_id');
    return rows.map((r) => r.tenant_id);
  }
}
