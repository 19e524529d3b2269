import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { KeysetCursor } from '../common/pagination/pagination.js';
import { containsPattern } from '../runtime/database/sql.js';

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

/** What the audit log may be narrowed to: one actor, words of the action, refused or succeeded calls, a time window. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  outcome?: 'succeeded' | 'refused';
  from?: string;
  to?: string;
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

  /** Newest first, narrowed by `filter`; `limit + 1` rows so the caller can tell whether there is a next page. */
  list(tenantId: string, limit: number, filter: AuditFilter, after?: KeysetCursor): Promise<AuditRow[]> {
    const params: unknown[] = [tenantId, limit + 1];
    const where: string[] = [];
    const bind = (value: unknown) => `$${params.push(value)}`;
    if (after) where.push(`(created_at, id) < (${bind(after.createdAt)}, ${bind(after.id)})`);
    if (filter.actor) where.push(`actor_id = ${bind(filter.actor)}`);
    if (filter.action) where.push(`action ILIKE ${bind(containsPattern(filter.action))}`);
    if (filter.outcome) where.push(filter.outcome === 'refused' ? 'status >= 400' : 'status < 400');
    if (filter.from) where.push(`created_at >= ${bind(filter.from)}`);
    if (filter.to) where.push(`created_at < ${bind(filter.to)}`);
    return this.db.query(
      `SELECT id, tenant_id AS "tenantId", actor_kind AS "actorKind", actor_id AS "actorId", actor_role AS "actorRole", action, target, status,
              source_ip AS "sourceIp", created_at AS "createdAt"
         FROM audit_event WHERE tenant_id = $1 ${where.map((w) => `AND ${w}`).join(' ')} ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
  }
}
