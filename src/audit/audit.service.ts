import { Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../common/auth/principal.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { AuditRepository, type AuditRow } from './audit.repository.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const toView = (row: AuditRow) => ({
  id: row.id,
  at: row.createdAt.toISOString(),
  actor: { kind: row.actorKind, id: row.actorId, role: row.actorRole },
  action: row.action,
  target: row.target,
  status: row.status,
  sourceIp: row.sourceIp,
});

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(private readonly audit: AuditRepository) {}

  /**
   * Records a finished mutating call made with a tenant credential, refused ones too, before its
   * response leaves: a caller never sees an answer the log does not hold. The route pattern and its
   * parameters name the action and target; bodies are never kept.
   */
  async recordCall(request: FastifyRequest, status: number): Promise<void> {
    const principal = (request as FastifyRequest & { user?: Principal }).user;
    if (!MUTATING.has(request.method) || !principal?.tenantId) return;
    const route = request.routeOptions?.url ?? request.url.split('?')[0];
    try {
      await this.audit.insert({
        tenantId: principal.tenantId,
        actorKind: principal.kind,
        actorId: principal.kind === 'user' ? (principal.userId ?? null) : (principal.apiKeyId ?? null),
        actorRole: principal.role,
        action: `${request.method} ${route}`,
        target: { ...(request.params as Record<string, string> | undefined) },
        status,
        sourceIp: request.ip ?? null,
      });
    } catch (error) {
      this.logger.error(`Could not record ${request.method} ${route} in the audit log: ${(error as Error).message}`);
    }
  }

  async list(principal: Principal, limit: number, cursor?: string) {
    return toPage(await this.audit.list(principal.tenantId, limit, decodeCursor(cursor)), limit, toView);
  }
}
