import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Sql } from '../../runtime/database/sql.js';
import { IdempotencyRecordEntity } from './idempotency-record.entity.js';

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Claims the key. Returns null when this request now owns it (new, expired after `ttlSeconds`,
   * or an unfinished claim older than the lease, left by a process that died mid-request);
   * otherwise the record that holds it.
   */
  async claim(
    tenantId: string,
    key: string,
    requestHash: string,
    leaseSeconds: number,
    ttlSeconds: number,
  ): Promise<IdempotencyRecordEntity | 'vanished' | null> {
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

  /** The record that holds the key, unless it expired after `ttlSeconds`. */
  find(tenantId: string, key: string, ttlSeconds: number): Promise<IdempotencyRecordEntity | null> {
    return this.db
      .getRepository(IdempotencyRecordEntity)
      .createQueryBuilder('r')
      .where('r.tenant_id = :tenantId AND r.key = :key', { tenantId, key })
      .andWhere(`r.created_at >= now() - make_interval(secs => :ttl)`, { ttl: ttlSeconds })
      .getOne();
  }

  /**
   * Writes the finished record on the transaction of the request's effect (`sql`), so that the
   * two commit together. False when the key is held (by a record a concurrent request committed
   * first: this insert waited for it), unless that record expired after `ttlSeconds`.
   */
  async recordWithin(
    sql: Sql,
    record: { tenantId: string; key: string; requestHash: string; statusCode: number; body: unknown; credentialWithheld: boolean },
    ttlSeconds: number,
  ): Promise<boolean> {
    const rows = await sql(
      `INSERT INTO idempotency_record (tenant_id, key, request_hash, status_code, body, credential_withheld) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, key) DO UPDATE SET request_hash = excluded.request_hash, status_code = excluded.status_code, body = excluded.body,
         credential_withheld = excluded.credential_withheld, created_at = now()
       WHERE idempotency_record.created_at < now() - make_interval(secs => $7)
       RETURNING key`,
      [
        record.tenantId,
        record.key,
        record.requestHash,
        record.statusCode,
        JSON.stringify(record.body),
        record.credentialWithheld,
        ttlSeconds,
      ],
    );
    return rows.length > 0;
  }

  /** Forgets the record on the transaction that undoes its effect. */
  async forgetWithin(sql: Sql, tenantId: string, key: string): Promise<void> {
    await sql('DELETE FROM idempotency_record WHERE tenant_id = $1 AND key = $2', [tenantId, key]);
  }

  async complete(tenantId: string, key: string, statusCode: number, body: unknown, credentialWithheld: boolean): Promise<void> {
    await this.db
      .getRepository(IdempotencyRecordEntity)
      .update({ tenantId, key }, { statusCode, body: body as object, credentialWithheld });
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
