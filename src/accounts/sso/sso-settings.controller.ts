import { Controller, Delete, Get, HttpCode, Put, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../../common/auth/principal.js';
import { Fails, Responds } from '../../common/openapi/responds.decorator.js';
import { ValidBody } from '../../common/validation/zod.js';
import { PutSsoBody, SsoView } from '../dto/sso.dto.js';
import { SsoSettingsService } from './sso-settings.service.js';

/** The tenant's single sign-on (OpenID Connect), the owner's alone: it decides who gets in, and as what. */
@ApiTags('sso')
@Controller('v1/tenant')
export class SsoSettingsController {
  constructor(private readonly settings: SsoSettingsService) {}

  @ApiOperation({ summary: "The tenant's single sign-on settings (never the client secret)" })
  @Responds(200, SsoView)
  @Fails(404, '`sso_not_configured`')
  @Get('sso')
  @Roles('owner')
  get(@CurrentPrincipal() principal: Principal) {
    return this.settings.get(principal);
  }

  /** The issuer's discovery document is read (through the address policy) before anything is saved. */
  @ApiOperation({ summary: 'Set up or change single sign-on' })
  @Responds(201, SsoView, { description: 'Set up' })
  @Responds(200, SsoView, { description: 'Changed' })
  @Fails(400, '`client_secret_required`: a new client id or issuer needs its secret')
  @Fails(409, '`sso_slug_taken`; `sso_unproven`: no owner has signed in with SSO through this issuer yet, so password sign-in stays on')
  @Fails(422, '`issuer_refused` (the address policy refuses it) or `issuer_discovery_failed`, naming `issuer`')
  @Put('sso')
  @Roles('owner')
  async put(
    @CurrentPrincipal() principal: Principal,
    @ValidBody(PutSsoBody) body: PutSsoBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { created, settings } = await this.settings.put(principal, body);
    reply.status(created ? 201 : 200);
    return settings;
  }

  @ApiOperation({ summary: 'Remove single sign-on' })
  @Responds(204)
  @Fails(404, '`sso_not_configured`')
  @Fails(409, '`password_login_off`: turn password sign-in back on first')
  @Delete('sso')
  @Roles('owner')
  @HttpCode(204)
  delete(@CurrentPrincipal() principal: Principal) {
    return this.settings.delete(principal);
  }
}
