import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword } from '../common/auth/password.js';
import { hashSecretToken } from '../common/auth/secret-token.js';
import type { Principal } from '../common/auth/principal.js';
import { roleSatisfies, type Role } from '../common/auth/roles.js';
import { AccountsError } from './accounts.errors.js';
import { AccountsRepository } from './accounts.repository.js';
import { AccountsService } from './accounts.service.js';
import type { AcceptInvitationBody, AddMemberBody, ChangeMemberBody } from './dto/accounts.dto.js';
import { MembersRepository, type MemberRow } from './members.repository.js';
import { AccessStateCache } from './access-state.cache.js';

const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const toMember = (m: MemberRow) => ({ userId: m.userId, email: m.email, role: m.role, joinedAt: m.createdAt.toISOString() });

@Injectable()
export class MembersService {
  constructor(
    private readonly members: MembersRepository,
    private readonly users: AccountsRepository,
    private readonly accounts: AccountsService,
    private readonly access: AccessStateCache,
  ) {}

  async list(principal: Principal) {
    return { items: (await this.members.list(principal.tenantId)).map(toMember), nextCursor: null };
  }

  /** An existing account joins at once; anyone else gets an invitation whose token is shown once. */
  async add(principal: Principal, body: AddMemberBody) {
    this.assertGrantable(principal, body.role);
    const userId = (await this.users.findUserByEmail(body.email))?.id;
    if (userId) {
      if (!(await this.members.add(principal.tenantId, userId, body.role))) throw new AccountsError('already_member', `${body.email} is a member already; change the role with PATCH /v1/members/${userId}`);
      return { member: toMember((await this.members.find(principal.tenantId, userId))!) };
    }
    const token = `bi_${randomBytes(32).toString('base64url')}`;
    const invitation = { id: randomUUID(), tenantId: principal.tenantId, email: body.email, role: body.role, tokenHash: hashSecretToken(token), createdBy: principal.userId ?? null, expiresAt: new Date(Date.now() + INVITATION_TTL_MS) };
    await this.members.invite(invitation);
    return { invitation: { id: invitation.id, email: body.email, role: body.role, expiresAt: invitation.expiresAt.toISOString() }, token };
  }

  async change(principal: Principal, userId: string, body: ChangeMemberBody) {
    const changed = await this.members.inTenantLock(principal.tenantId, async (tx) => {
      const target = await this.requireMember(principal, userId, tx);
      // Nobody changes someone above them, or lifts anyone above themselves.
      this.assertGrantable(principal, target.role);
      this.assertGrantable(principal, body.role);
      if (target.role === 'owner' && body.role !== 'owner' && (await this.members.ownerCount(principal.tenantId, tx)) <= 1) {
        throw new AccountsError('last_owner', 'A tenant keeps at least one owner: make someone else owner first');
      }
      await this.members.setRole(principal.tenantId, userId, body.role, tx);
      return (await this.members.find(principal.tenantId, userId, tx))!;
    });
    this.access.forgetMember(principal.tenantId, userId);
    return toMember(changed);
  }

  async remove(principal: Principal, userId: string): Promise<void> {
    await this.members.inTenantLock(principal.tenantId, async (tx) => {
      const target = await this.requireMember(principal, userId, tx);
      this.assertGrantable(principal, target.role);
      if (target.role === 'owner' && (await this.members.ownerCount(principal.tenantId, tx)) <= 1) {
        throw new AccountsError('last_owner', 'A tenant keeps at least one owner: the last one cannot be removed');
      }
      await this.members.remove(principal.tenantId, userId, tx);
    });
    this.access.forgetMember(principal.tenantId, userId);
  }

  /** Public: the token is the credential. Makes the account if needed, then the membership; once. */
  async accept(body: AcceptInvitationBody) {
    const joined = await this.members.transaction(async (tx) => {
      const invitation = await this.members.acceptInvitation(hashSecretToken(body.token), tx);
      if (!invitation) throw new AccountsError('invitation_invalid', 'This invitation does not exist, was used already, or has expired');
      let userId = (await this.users.findUserByEmail(invitation.email))?.id;
      if (!userId) {
        if (!body.password) throw new AccountsError('password_required', 'Choose a password (at least 10 characters) for your new account');
        userId = randomUUID();
        const created = await this.users.insertUser({ id: userId, email: invitation.email, passwordHash: await hashPassword(body.password) }, tx);
        if (!created) throw new AccountsError('invitation_invalid', 'Retry: the account was created meanwhile');
      }
      await this.members.add(invitation.tenantId, userId, invitation.role, tx);
      return { userId, tenantId: invitation.tenantId, role: invitation.role };
    });
    return this.accounts.issueToken({ sub: joined.userId, tid: joined.tenantId, role: joined.role });
  }

  private async requireMember(principal: Principal, userId: string, tx: Parameters<MembersRepository['find']>[2]): Promise<MemberRow> {
    const member = await this.members.find(principal.tenantId, userId, tx);
    if (!member) throw new AccountsError('member_not_found', `User ${userId} is not a member of this tenant`);
    return member;
  }

  private assertGrantable(principal: Principal, role: Role): void {
    if (!roleSatisfies(principal.role, role)) throw new AccountsError('role_not_grantable', `Only an ${role} or above may grant or change the ${role} role`);
  }
}
