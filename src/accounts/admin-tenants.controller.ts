import { Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AdminOnly } from '../common/auth/access.decorators.js';
import { paginationQuery } from '../common/pagination/pagination.js';
import { ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import { AccountsService } from './accounts.service.js';
import { SignupBody } from './dto/accounts.dto.js';

const TenantListQuery = z.strictObject(paginationQuery);
type TenantListQuery = z.output<typeof TenantListQuery>;
const tenantIdParam = z.uuid({ message: 'Must be a tenant id' });

/** The installation operator's tenant administration (BATON_ADMIN_TOKEN), whether or not sign-up is open. */
@ApiTags('admin')
@Controller('v1/admin/tenants')
export class AdminTenantsController {
  constructor(private readonly accounts: AccountsService) {}

  /** A tenant and its owner, as sign-up would make them. */
  @Post()
  @AdminOnly()
  async create(@ValidBody(SignupBody) body: SignupBody, @Res({ passthrough: true }) reply: FastifyReply) {
    const { tenant, user } = await this.accounts.createTenant(body);
    reply.status(201);
    return { tenant, user };
  }

  @Get()
  @AdminOnly()
  list(@ValidQuery(TenantListQuery) query: TenantListQuery) {
    return this.accounts.listTenants(query.limit, query.cursor);
  }

  /** Every credential of the tenant is refused (403 tenant_suspended) until it is resumed; no data is touched. */
  @Post(':id/suspend')
  @AdminOnly()
  @HttpCode(200)
  suspend(@ValidParam('id', tenantIdParam) id: string) {
    return this.accounts.setTenantStatus(id, 'suspended');
  }

  @Post(':id/resume')
  @AdminOnly()
  @HttpCode(200)
  resume(@ValidParam('id', tenantIdParam) id: string) {
    return this.accounts.setTenantStatus(id, 'active');
  }
}
