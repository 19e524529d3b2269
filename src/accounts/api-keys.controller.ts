import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { paginationQuery } from '../common/pagination/pagination.js';
import { uuidParam, ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import { ApiKeysService } from './api-keys.service.js';
import { CreateApiKeyBody } from './dto/accounts.dto.js';

const ListQuery = z.strictObject(paginationQuery);

@ApiTags('api-keys')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Roles('admin')
  create(@CurrentPrincipal() principal: Principal, @ValidBody(CreateApiKeyBody) body: CreateApiKeyBody) {
    return this.keys.create(principal, body);
  }

  @Get()
  @Roles('admin')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(ListQuery) query: z.output<typeof ListQuery>) {
    return this.keys.list(principal, query.limit, query.cursor);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  revoke(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.keys.revoke(principal, id);
  }
}
