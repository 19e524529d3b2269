import { Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AdminOnly } from '../common/auth/access.decorators.js';
import { paginationQuery } from '../common/pagination/pagination.js';
import { ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import { AccountsService } from './accounts.service.js';
import { SignupBody, TenantCreated, TenantPage, TenantView } from './dto/accounts.dto.js';

const TenantListQuery = z.strictObject(paginationQuery);
type TenantListQuery = z.output<typeof TenantListQuery>;
const tenantIdParam = z.uuid({ message: 'Must be a tenant id' });

/** The installation operator's tenant administration (BATON_ADMIN_TOKEN), whether or not sign-up is open. */
@ApiTags('admin')
@Controller('v1/admin/tenants')
export class AdminTenantsController {
  constructor(private readonly accounts: AccountsService) {}

  /** A tenant and its owner, as sign-up would make them. */
  @ApiOperation({ summary: 'Create a tenant and its owner' })
  @Responds(201, TenantCreated)
  @Fails(409, '`email_taken`: an account with this address exists')
  @Post()
  @AdminOnly()
  async create(@ValidBody(SignupBody) body: SignupBody, @Res({ passthrough: true }) reply: FastifyReply) {
    const { tenant, user } = await this.accounts.createTenant(body);
    reply.status(201);
    return { tenant, user };
  }

  @ApiOperation({ summary: 'List tenants' })
  @Responds(200, TenantPage)
  @Get()
  @AdminOnly()
  list(@ValidQuery(TenantListQuery) query: TenantListQuery) {
    return this.accounts.listTenants(query.limit, query.cursor);
  }

  /** Every credential of the tenant is refused (403 tenant_suspended) until it is resumed; no data is touched. */
  @ApiOperation({ summary: 'Suspend a tenant' })
  @Responds(200, TenantView)
  @Post(':id/suspend')
  @AdminOnly()
  @HttpCode(200)
  suspend(@ValidParam('id', tenantIdParam) id: string) {
    return this.accounts.setTenantStatus(id, 'suspended');
  }

  @ApiOperation({ summary: 'Resume a suspended tenant' })
  @Responds(200, TenantView)
  @Post(':id/resume')
  @AdminOnly()
  @HttpCode(200)
  resume(@ValidParam('id', tenantIdParam) id: string) {
    return this.accounts.setTenantStatus(id, 'active');
  }
}
