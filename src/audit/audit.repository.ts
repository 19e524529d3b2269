import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { KeysetCursor } from '../common/pagination/pagination.js';

export interface AuditEntry {
  tenantId: string;
  actorKind: 'user' | 'api_key' | 'installation';
  actorId: string | null;
  actorRole: string;
  action: string;
  target: Record<string, unknown>;
  status: number;
  sourceIp: string | null;
}

export interface AuditRow extends AuditEntry {
  id: string;
  createdAt: Date;
}

@Injectable()
export class AuditRepository {
  constructor(private readonly db: DataSource) {}

  async insert(entry: AuditEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_event (id, tenant_id, actor_kind, actor_id, actor_role, action, target, status, source_ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        randomUUID(),
        entry.tenantId,
        entry.actorKind,
        entry.actorId,
        entry.actorRole,
        entry.action,
        JSON.stringify(entry.target),
        entry.status,
        entry.sourceIp,
      ],
    );
  }

  /** Newest first; `limit + 1` rows so the caller can tell whether there is a next page. */
  list(tenantId: string, limit: number, after?: KeysetCursor): Promise<AuditRow[]> {
    const params: unknown[] = [tenantId, limit + 1];
    const keyset = after ? `AND (created_at, id) < ($3, $4)` : '';
    if (after) params.push(after.createdAt, after.id);
    return this.db.query(
      `SELECT id, tenant_id AS "tenantId", actor_kind AS "actorKind", actor_id AS "actorId", actor_role AS "actorRole", action, target, status,
              source_ip AS "sourceIp", created_at AS "createdAt"
         FROM audit_event WHERE tenant_id = $1 ${keyset} ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
  }
}
