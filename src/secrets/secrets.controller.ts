import { Controller, Delete, Get, HttpCode, Put, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Responds } from '../common/openapi/responds.decorator.js';
import type { FastifyReply } from 'fastify';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { ValidBody, ValidParam } from '../common/validation/zod.js';
import { PutSecretBody, secretNameParam, SecretList, SecretView } from './dto/secrets.dto.js';
import { SecretsService } from './secrets.service.js';

@ApiTags('secrets')
@Controller('v1/secrets')
export class SecretsController {
  constructor(private readonly secrets: SecretsService) {}

  /** Creates (201) or replaces (200) a secret; the value is encrypted at once and never returned. */
  @ApiOperation({ summary: 'Create or replace a secret' })
  @Responds(201, SecretView, { description: 'Created' })
  @Responds(200, SecretView, { description: 'Replaced' })
  @Put(':name')
  @Roles('admin')
  async put(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('name', secretNameParam) name: string,
    @ValidBody(PutSecretBody) body: PutSecretBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { created, secret } = await this.secrets.put(principal, name, body);
    reply.status(created ? 201 : 200);
    return secret;
  }

  /** Names and versions only. */
  @ApiOperation({ summary: 'List secrets (names and versions)' })
  @Responds(200, SecretList)
  @Get()
  @Roles('operator')
  list(@CurrentPrincipal() principal: Principal) {
    return this.secrets.list(principal);
  }

  @ApiOperation({ summary: 'Delete a secret' })
  @Responds(204)
  @Delete(':name')
  @Roles('admin')
  @HttpCode(204)
  delete(@CurrentPrincipal() principal: Principal, @ValidParam('name', secretNameParam) name: string) {
    return this.secrets.delete(principal, name);
  }
}
