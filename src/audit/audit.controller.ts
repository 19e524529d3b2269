import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { paginationQuery } from '../common/pagination/pagination.js';
import { ValidQuery } from '../common/validation/zod.js';
import { AuditService } from './audit.service.js';

const AuditLogQuery = z.strictObject(paginationQuery);
type AuditLogQuery = z.output<typeof AuditLogQuery>;

@ApiTags('audit')
@Controller('v1/audit-log')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Every mutating call of this tenant, newest first: actor, action, target, status, time, source IP. */
  @Get()
  @Roles('admin')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(AuditLogQuery) query: AuditLogQuery) {
    return this.audit.list(principal, query.limit, query.cursor);
  }
}
