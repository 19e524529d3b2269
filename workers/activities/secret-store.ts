import type pg from 'pg';
import { openSecret, unwrapDataKey, type MasterKeyring } from '../contracts/secret-envelope.js';

export class SecretMissingError extends Error {
  constructor(readonly names: string[]) {
    super(`Secret${names.length > 1 ? 's' : ''} ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} not set for this tenant`);
  }
}

/** Opens a tenant's secrets in the worker, just before a step runs; values live only in memory. */
export class SecretStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly keyring: MasterKeyring,
  ) {}

  get available(): boolean {
    return this.keyring.length > 0;
  }

  /**
   * The values of `names` (each must be set) and of those `optional` names the tenant has set: a
   * pipeline's references must resolve, a step's declared secrets are handed in only when present.
   */
  async resolve(tenantId: string, names: string[], optional: string[] = []): Promise<Record<string, string>> {
    const { rows } = await this.pool.query<{ name: string; key_version: number; sealed: Buffer; master_key_id: string; wrapped: Buffer }>(
      `SELECT s.name, s.key_version, s.sealed, k.master_key_id, k.wrapped
         FROM secret s JOIN tenant_data_key k ON k.tenant_id = s.tenant_id AND k.version = s.key_version
        WHERE s.tenant_id = $1 AND s.name = ANY($2)`,
      [tenantId, [...names, ...optional]],
    );
    const missing = names.filter((name) => !rows.some((row) => row.name === name));
    if (missing.length) throw new SecretMissingError(missing);
    return Object.fromEntries(
      rows.map((row) => {
        const dataKey = unwrapDataKey(this.keyring, {
          tenantId,
          version: row.key_version,
          masterKeyId: row.master_key_id,
          wrapped: row.wrapped,
        });
        return [row.name, openSecret(dataKey, tenantId, row.name, row.key_version, row.sealed)];
      }),
    );
  }
}
