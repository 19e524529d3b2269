import { Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../common/auth/principal.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { AuditRepository, type AuditFilter, type AuditRow } from './audit.repository.js';

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

/**
 * Who acted on which tenant: a tenant credential on its own tenant, or the installation operator
 * on the tenant an admin route changed (recorded in that tenant's log, so its admins see it).
 */
function actorOf(request: FastifyRequest, route: string, params: Record<string, string>, status: number) {
  const principal = (request as FastifyRequest & { user?: Principal }).user;
  if (principal?.tenantId) {
    return {
      tenantId: principal.tenantId,
      actorKind: principal.kind,
      actorId: principal.kind === 'user' ? (principal.userId ?? null) : (principal.apiKeyId ?? null),
      actorRole: principal.role,
    };
  }
  // Only what the operator really did: a refused call names no tenant that surely exists.
  if (route.startsWith(ADMIN_TENANT_ROUTE) && params.id && status < 300)
    return { tenantId: params.id, actorKind: 'installation' as const, actorId: null, actorRole: 'installation' };
  return null;
}

const ADMIN_TENANT_ROUTE = '/v1/admin/tenants/:id';

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
    if (!MUTATING.has(request.method)) return;
    const route = request.routeOptions?.url ?? request.url.split('?')[0];
    const params = { ...(request.params as Record<string, string> | undefined) };
    const actor = actorOf(request, route, params, status);
    if (!actor) return;
    try {
      await this.audit.insert({ ...actor, action: `${request.method} ${route}`, target: params, status, sourceIp: request.ip ?? null });
    } catch (error) {
      this.logger.error(`Could not record ${request.method} ${route} in the audit log: ${(error as Error).message}`);
    }
  }

  async list(principal: Principal, limit: number, filter: AuditFilter, cursor?: string) {
    return toPage(await this.audit.list(principal.tenantId, limit, filter, decodeCursor(cursor)), limit, toView);
  }
}
