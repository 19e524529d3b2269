import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IdempotencyRecordEntity } from './idempotency-record.entity.js';

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly db: DataSource) {}

  /** Claims the key; returns the existing record when someone claimed it before. */
  async claim(tenantId: string, key: string, requestHash: string): Promise<IdempotencyRecordEntity | null> {
    const inserted = await this.db.query(
      `INSERT INTO idempotency_record (tenant_id, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key`,
      [tenantId, key, requestHash],
    );
    if (inserted.length) return null;
    return this.db.getRepository(IdempotencyRecordEntity).findOneByOrFail({ tenantId, key });
  }

  async complete(tenantId: string, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.db.getRepository(IdempotencyRecordEntity).update({ tenantId, key }, { statusCode, body: body as object });
  }

  async release(tenantId: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_record WHERE tenant_id = $1 AND key = $2 AND status_code IS NULL`, [tenantId, key]);
  }
}
