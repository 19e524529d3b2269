import { Controller, Delete, Get, HttpCode, Put, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { ValidBody, ValidParam } from '../common/validation/zod.js';
import { PutSecretBody, secretNameParam } from './dto/secrets.dto.js';
import { SecretsService } from './secrets.service.js';

@ApiTags('secrets')
@Controller('v1/secrets')
export class SecretsController {
  constructor(private readonly secrets: SecretsService) {}

  /** Creates (201) or replaces (200) a secret; the value is encrypted at once and never returned. */
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
  @Get()
  @Roles('operator')
  list(@CurrentPrincipal() principal: Principal) {
    return this.secrets.list(principal);
  }

  @Delete(':name')
  @Roles('admin')
  @HttpCode(204)
  delete(@CurrentPrincipal() principal: Principal, @ValidParam('name', secretNameParam) name: string) {
    return this.secrets.delete(principal, name);
  }
}
