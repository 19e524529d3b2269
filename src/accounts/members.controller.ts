import { Controller, Delete, Get, HttpCode, Patch, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Fails, Responds } from '../common/openapi/responds.decorator.js';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Roles, SessionOptional } from '../common/auth/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../common/auth/principal.js';
import { uuidParam, ValidBody, ValidParam } from '../common/validation/zod.js';
import {
  PendingInvitationList,
  AcceptInvitationBody,
  AddMemberBody,
  ChangeMemberBody,
  InvitationAccepted,
  MemberInvited,
  MemberList,
  MemberView,
} from './dto/accounts.dto.js';
import { MembersService } from './members.service.js';

const userIdParam = z.uuid({ message: 'Must be a user id' });

@ApiTags('members')
@Controller('v1')
export class MembersController {
  constructor(private readonly members: MembersService) {}

  @ApiOperation({ summary: 'List the members of the tenant' })
  @Responds(200, MemberList)
  @Get('members')
  @Roles('viewer')
  list(@CurrentPrincipal() principal: Principal) {
    return this.members.list(principal);
  }

  /** 201 `{ invitation, token }`, whether the address has an account or not: the token is shown once, and mailed. */
  @ApiOperation({ summary: 'Invite someone to the tenant' })
  @Responds(201, MemberInvited)
  @Fails(409, '`already_member`: the address is a member already')
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
  @ApiOperation({ summary: "Change a member's role" })
  @Responds(200, MemberView)
  @Fails(409, '`last_owner`: a tenant keeps at least one owner')
  @Patch('members/:userId')
  @Roles('admin')
  change(
    @CurrentPrincipal() principal: Principal,
    @ValidParam('userId', userIdParam) userId: string,
    @ValidBody(ChangeMemberBody) body: ChangeMemberBody,
  ) {
    return this.members.change(principal, userId, body);
  }

  @ApiOperation({ summary: 'Remove a member' })
  @Responds(204)
  @Fails(409, '`last_owner`: a tenant keeps at least one owner')
  @Delete('members/:userId')
  @Roles('admin')
  @HttpCode(204)
  remove(@CurrentPrincipal() principal: Principal, @ValidParam('userId', userIdParam) userId: string) {
    return this.members.remove(principal, userId);
  }

  @ApiOperation({ summary: 'List the invitations still open' })
  @Responds(200, PendingInvitationList)
  @Get('invitations')
  @Roles('admin')
  invitations(@CurrentPrincipal() principal: Principal) {
    return this.members.invitations(principal);
  }

  @ApiOperation({ summary: 'Revoke an open invitation' })
  @Responds(204)
  @Delete('invitations/:id')
  @Roles('admin')
  @HttpCode(204)
  revokeInvitation(@CurrentPrincipal() principal: Principal, @ValidParam('id', uuidParam) id: string) {
    return this.members.revokeInvitation(principal, id);
  }

  /**
   * The invited person. An existing account: signed in as itself (a session), verified; `{ tenantId, role }`.
   * Without an account: with `password`, which makes it; `{ tenantId, role, token, expiresAt }`.
   */
  @ApiOperation({ summary: 'Accept an invitation' })
  @Responds(200, InvitationAccepted)
  @Fails(401, '`sign_in_required`: the address has an account; sign in as it')
  @Fails(403, '`invitation_not_yours` or `email_unverified`')
  @Fails(409, '`already_member`')
  @Post('invitations/accept')
  @SessionOptional()
  @HttpCode(200)
  accept(@ValidBody(AcceptInvitationBody) body: AcceptInvitationBody, @CurrentPrincipal() principal: Principal | undefined) {
    return this.members.accept(body, principal);
  }
}
