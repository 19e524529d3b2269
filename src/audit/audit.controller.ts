import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Responds } from '../common/openapi/responds.decorator.js';
import { instant, jsonObject, pageOf } from '../common/openapi/views.js';
import { z } from 'zod';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { paginationQuery } from '../common/pagination/pagination.js';
import { ValidQuery } from '../common/validation/zod.js';
import { AuditService } from './audit.service.js';

const AuditLogQuery = z
  .strictObject({
    ...paginationQuery,
    actor: z.uuid().optional().describe('A user or API key id'),
    action: z.string().min(1).max(200).optional().describe('Words of the action (`POST /v1/pipelines`), case-insensitive'),
    outcome: z.enum(['succeeded', 'refused']).optional().describe('`refused`: answered 4xx or 5xx'),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { path: ['to'], error: '`to` must be after `from`' });
type AuditLogQuery = z.output<typeof AuditLogQuery>;

const AuditPage = pageOf(
  z.strictObject({
    id: z.uuid(),
    at: instant,
    actor: z.strictObject({ kind: z.enum(['user', 'api_key', 'installation']), id: z.string().nullable(), role: z.string() }),
    action: z.string().describe('`METHOD /route/pattern`'),
    target: jsonObject.describe('The route parameters'),
    status: z.int(),
    sourceIp: z.string().nullable(),
  }),
);

@ApiTags('audit')
@Controller('v1/audit-log')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Every mutating call of this tenant, newest first: actor, action, target, status, time, source IP. */
  @ApiOperation({ summary: "Read the tenant's audit log, newest first" })
  @Responds(200, AuditPage)
  @Get()
  @Roles('admin')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(AuditLogQuery) query: AuditLogQuery) {
    const { limit, cursor, ...filter } = query;
    return this.audit.list(principal, limit, filter, cursor);
  }
}
