import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import type { KeysetCursor } from '../common/pagination/pagination.js';
import { ApiKeyEntity } from './entities/api-key.entity.js';

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly db: DataSource) {}

  private get repo() {
    return this.db.getRepository(ApiKeyEntity);
  }

  async insert(key: Omit<ApiKeyEntity, 'createdAt' | 'lastUsedAt' | 'revokedAt'>): Promise<ApiKeyEntity> {
    await this.repo.insert(key);
    return this.repo.findOneByOrFail({ id: key.id });
  }

  listActiveByTenant(tenantId: string, limit: number, after?: KeysetCursor): Promise<ApiKeyEntity[]> {
    const query = this.repo.createQueryBuilder('k').where('k.tenant_id = :tenantId AND k.revoked_at IS NULL', { tenantId });
    if (after) query.andWhere('(k.created_at, k.id) < (:createdAt, :id)', after);
    return query
      .orderBy('k.created_at', 'DESC')
      .addOrderBy('k.id', 'DESC')
      .limit(limit + 1)
      .getMany();
  }

  /** Revokes; false when the key is unknown, already revoked or another tenant's. */
  async revoke(tenantId: string, id: string): Promise<boolean> {
    const result = await this.repo.update({ tenantId, id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    return (result.affected ?? 0) > 0;
  }

  /** The keys a member made in the tenant end with their membership. */
  async revokeCreatedBy(tenantId: string, userId: string, tx: EntityManager): Promise<void> {
    await tx.query('UPDATE api_key SET revoked_at = now() WHERE tenant_id = $1 AND created_by = $2 AND revoked_at IS NULL', [
      tenantId,
      userId,
    ]);
  }

  /** The active key with this hash, stamping its last use (at most once a minute). */
  async findActiveByHashAndTouch(keyHash: string): Promise<ApiKeyEntity | null> {
    const touched = await this.repo
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'now()' })
      .where(`key_hash = :keyHash AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, {
        keyHash,
      })
      .returning('id')
      .execute();
    const rows = touched.raw as Array<{ id: string }>;
    return rows.length ? this.repo.findOneBy({ id: rows[0].id }) : this.repo.findOneBy({ keyHash, revokedAt: IsNull() });
  }
}
