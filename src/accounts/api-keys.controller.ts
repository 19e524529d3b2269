import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Responds } from '../common/openapi/responds.decorator.js';
import { z } from 'zod';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { paginationQuery } from '../common/pagination/pagination.js';
import { uuidParam, ValidBody, ValidParam, ValidQuery } from '../common/validation/zod.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyCreated, ApiKeyPage, CreateApiKeyBody } from './dto/accounts.dto.js';

const ListQuery = z.strictObject(paginationQuery);

@ApiTags('api-keys')
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @ApiOperation({ summary: 'Create an API key' })
  @Responds(201, ApiKeyCreated)
  @Post()
  @Roles('admin')
  create(@CurrentPrincipal() principal: Principal, @ValidBody(CreateApiKeyBody) body: CreateApiKeyBody) {
    return this.keys.create(principal, body);
  }

  @ApiOperation({ summary: 'List API keys' })
  @Responds(200, ApiKeyPage)
  @Get()
  @Roles('admin')
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(ListQuery) query: z.output<typeof ListQuery>) {
    return this.keys.list(principal, query.limit, query.cursor);
  }

  @ApiOperation({ summary: 'Revoke an API key' })
  @Responds(204)
  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  revoke(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.keys.revoke(principal, id);
  }
}
