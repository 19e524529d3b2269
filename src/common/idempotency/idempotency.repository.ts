import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdempotencyRecordEntity } from './idempotency-record.entity.js';

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Claims the key. Returns null when this request now owns it (new, expired after `ttlSeconds`,
   * or an unfinished claim older than the lease, left by a process that died mid-request);
   * otherwise the record that holds it.
   */
  async claim(tenantId: string, key: string, requestHash: string, leaseSeconds: number, ttlSeconds: number): Promise<IdempotencyRecordEntity | 'vanished' | null> {
    const claimed = await this.db.query(
      `INSERT INTO idempotency_record (tenant_id, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, key) DO UPDATE SET request_hash = excluded.request_hash, created_at = now(), status_code = NULL, body = NULL, credential_withheld = false
       WHERE (idempotency_record.status_code IS NULL AND idempotency_record.created_at < now() - make_interval(secs => $4))
          OR idempotency_record.created_at < now() - make_interval(secs => $5)
       RETURNING key`,
      [tenantId, key, requestHash, leaseSeconds, ttlSeconds],
    );
    if (claimed.length) return null;
    return (await this.db.getRepository(IdempotencyRecordEntity).findOneBy({ tenantId, key })) ?? 'vanished';
  }

  async complete(tenantId: string, key: string, statusCode: number, body: unknown, credentialWithheld: boolean): Promise<void> {
    await this.db.getRepository(IdempotencyRecordEntity).update({ tenantId, key }, { statusCode, body: body as object, credentialWithheld });
  }

  async release(tenantId: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_record WHERE tenant_id = $1 AND key = $2 AND status_code IS NULL`, [tenantId, key]);
  }

  /** Deletes up to `batch` records (of any tenant) made before `before`; returns how many. */
  async deleteOlderThan(before: Date, batch: number): Promise<number> {
    const [, count]: [unknown, number] = await this.db.query(
      `DELETE FROM idempotency_record WHERE ctid IN (SELECT ctid FROM idempotency_record WHERE created_at < $1 LIMIT $2)`,
      [before, batch],
    );
    return count;
  }
}
