import { Controller, Delete, Get, HttpCode, Patch, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Roles, SessionOptional } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { ValidBody, ValidParam } from '../common/validation/zod.js';
import { AcceptInvitationBody, AddMemberBody, ChangeMemberBody } from './dto/accounts.dto.js';
import { MembersService } from './members.service.js';

const userIdParam = z.uuid({ message: 'Must be a user id' });

@ApiTags('members')
@Controller('v1')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @Get('members')
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal) {
    return this.members.list(principal);
  }

  /** 201 `{ invitation, token }`, whether the address has an account or not: the token is shown once, and mailed. */
  @Post('members')
  @Roles('admin')
  async add(
    @CurrentPrincipal() principal: Principal,
    @ValidBody(AddMemberBody) body: AddMemberBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const added = await this.members.add(principal, body);
    reply.status(201);
    return added;
  }

  /** Never the last owner; nobody changes a member above them or grants a role above their own. Takes effect within seconds. */
  @Patch('members/:userId')
  @Roles('admin')
  change(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('userId', userIdParam) userId: string,
    @ValidBody(ChangeMemberBody) body: ChangeMemberBody,
  ) {
    return this.members.change(principal, userId, body);
  }

  @Delete('members/:userId')
  @Roles('admin')
  @HttpCode(204)
  remove(@CurrentPrincipal() principal: Principal, @ValidParam('userId', userIdParam) userId: string) {
    return this.members.remove(principal, userId);
  }

  /**
   * The invited person. An existing account: signed in as itself (a session), verified; `{ tenantId, role }`.
   * Without an account: with `password`, which makes it; `{ tenantId, role, token, expiresAt }`.
   */
  @Post('invitations/accept')
  @SessionOptional()
  @HttpCode(200)
  accept(@ValidBody(AcceptInvitationBody) body: AcceptInvitationBody, @CurrentPrincipal() principal: Principal | undefined) {
    return this.members.accept(body, principal);
  }
}
