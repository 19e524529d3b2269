import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  newDataKey,
  openSecret,
  sealSecret,
  unwrapDataKey,
  wrapDataKey,
  type MasterKeyring,
} from '../../workers/contracts/secret-envelope.js';
import type { Principal } from '../common/auth/principal.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import type { PutSecretBody } from './dto/secrets.dto.js';
import { SecretsError } from './secrets.errors.js';
import { SecretsRepository, type SecretSummary } from './secrets.repository.js';

const toSecretResponse = (s: SecretSummary) => ({
  name: s.name,
  version: s.version,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

const ROTATION_BATCH = 100;

@Injectable()
export class SecretsService {
  private readonly keyring: MasterKeyring;

  constructor(
    private readonly secrets: SecretsRepository,
    @Inject(BATON_CONFIG) config: Pick<RuntimeConfig, 'masterKeys'>,
  ) {
    this.keyring = config.masterKeys;
  }

  get available(): boolean {
    return this.keyring.length > 0;
  }

  /** Seals the value with the tenant's current data key (made on first use); values are never returned. */
  async put(principal: Principal, name: string, { value }: PutSecretBody) {
    this.requireKeys();
    const { tenantId } = principal;
    const saved = await this.secrets.inTenantLock(tenantId, async (tx) => {
      const { key, version } = await this.currentKey(tx, tenantId);
      return this.secrets.upsertSecret(tx, {
        tenantId,
        name,
        keyVersion: version,
        sealed: sealSecret(key, tenantId, name, version, value),
      });
    });
    return { created: saved.created, secret: toSecretResponse(saved) };
  }

  /**
   * Seals a value another feature keeps (an SSO client secret) with the tenant's current data key,
   * under a label of its own (`sso:client_secret`, which no secret's name can be). Its data key is
   * kept like every data key, so a rotation leaves it readable.
   */
  async sealFor(tenantId: string, label: string, value: string): Promise<{ keyVersion: number; sealed: Buffer }> {
    this.requireKeys();
    return this.secrets.inTenantLock(tenantId, async (tx) => {
      const { key, version } = await this.currentKey(tx, tenantId);
      return { keyVersion: version, sealed: sealSecret(key, tenantId, label, version, value) };
    });
  }

  /** Opens what `sealFor` sealed; throws when the keys or the label do not match. */
  async openFor(tenantId: string, label: string, keyVersion: number, sealed: Buffer): Promise<string> {
    this.requireKeys();
    return this.secrets.inTenantLock(tenantId, async (tx) => {
      const wrapped = await this.secrets.dataKey(tx, tenantId, keyVersion);
      if (!wrapped) throw new Error(`data key ${keyVersion} of tenant ${tenantId} is missing`);
      return openSecret(unwrapDataKey(this.keyring, wrapped), tenantId, label, keyVersion, sealed);
    });
  }

  /** Whether the tenant has a secret of this name (it may be read later with `valueOf`). */
  exists(tenantId: string, name: string): Promise<boolean> {
    return this.secrets.exists(tenantId, name);
  }

  /**
   * The value of the tenant's secret `name`, for a feature that uses one inside the API at the moment
   * it needs it (a notification channel's webhook URL); null when the tenant has none of that name.
   */
  async valueOf(tenantId: string, name: string): Promise<string | null> {
    this.requireKeys();
    const found = await this.secrets.findSealed(tenantId, name);
    if (!found) return null;
    return openSecret(unwrapDataKey(this.keyring, found.dataKey), tenantId, name, found.secret.keyVersion, found.secret.sealed);
  }

  async list(principal: Principal) {
    return { items: (await this.secrets.listByTenant(principal.tenantId)).map(toSecretResponse), nextCursor: null };
  }

  async delete(principal: Principal, name: string): Promise<void> {
    if (!(await this.secrets.delete(principal.tenantId, name))) throw new SecretsError('secret_not_found', `Secret ${name} was not found`);
  }

  /**
   * `baton secrets rotate`: re-wraps every data key still wrapped by a previous master key with the
   * current one and, with `dataKeys`, gives every tenant a new data key and re-seals its secrets
   * with it. Each key and secret changes in its own transaction: an interrupted rotation resumes
   * where it stopped when run again; a second master-key rotation changes nothing, a second
   * `dataKeys` rotation gives each tenant yet another data key. Old data keys are kept.
   */
  async rotate({ dataKeys = false } = {}): Promise<{ rewrapped: number; newDataKeys: number; resealed: number }> {
    this.requireKeys();
    const current = this.keyring[0];
    let rewrapped = 0;
    for (let batch; (batch = await this.secrets.dataKeysWrappedByOtherThan(current.id, ROTATION_BATCH)).length;) {
      for (const wrapped of batch) {
        await this.secrets.inTenantLock(wrapped.tenantId, (tx) =>
          this.secrets.rewrapDataKey(
            tx,
            wrapDataKey(this.keyring, wrapped.tenantId, wrapped.version, unwrapDataKey(this.keyring, wrapped)),
          ),
        );
        rewrapped++;
      }
    }
    let newDataKeys = 0;
    let resealed = 0;
    for (const tenantId of dataKeys ? await this.secrets.tenantsWithDataKeys() : []) {
      await this.secrets.inTenantLock(tenantId, async (tx) => {
        const latest = (await this.secrets.currentDataKey(tx, tenantId))!;
        // A rotation that stopped after making the new key and before re-sealing everything makes no third.
        if (!(await this.secrets.secretsBehindCurrentDataKey(tx, tenantId)).length) {
          const { wrapped } = newDataKey(this.keyring, tenantId, latest.version + 1);
          await this.secrets.insertDataKey(tx, wrapped);
          newDataKeys++;
        }
      });
      resealed += await this.resealBehind(tenantId);
    }
    return { rewrapped, newDataKeys, resealed };
  }

  private async resealBehind(tenantId: string): Promise<number> {
    return this.secrets.inTenantLock(tenantId, async (tx) => {
      const { key, version } = await this.currentKey(tx, tenantId);
      const behind = await this.secrets.secretsBehindCurrentDataKey(tx, tenantId);
      for (const secret of behind) {
        const old = unwrapDataKey(this.keyring, (await this.secrets.dataKey(tx, tenantId, secret.keyVersion))!);
        const value = openSecret(old, tenantId, secret.name, secret.keyVersion, secret.sealed);
        await this.secrets.reseal(tx, {
          tenantId,
          name: secret.name,
          keyVersion: version,
          sealed: sealSecret(key, tenantId, secret.name, version, value),
        });
      }
      return behind.length;
    });
  }

  private async currentKey(tx: EntityManager, tenantId: string): Promise<{ key: Buffer; version: number }> {
    const wrapped = await this.secrets.currentDataKey(tx, tenantId);
    if (wrapped) return { key: unwrapDataKey(this.keyring, wrapped), version: wrapped.version };
    const created = newDataKey(this.keyring, tenantId, 1);
    await this.secrets.insertDataKey(tx, created.wrapped);
    return { key: created.key, version: 1 };
  }

  private requireKeys(): void {
    if (!this.available)
      throw new SecretsError(
        'secrets_unavailable',
        'This installation has no secrets store: set SECRETS_MASTER_KEY on the API and the workers',
      );
  }
}
