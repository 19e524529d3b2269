import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../common/auth/password.js';
import { hashSecretToken, newSecretToken } from '../common/auth/secret-token.js';
import type { Principal } from '../common/auth/principal.js';
import { roleSatisfies, type Role } from '../common/auth/roles.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { invitationMail } from '../mail/mail-messages.js';
import { MailService } from '../mail/mail.service.js';
import { NotFoundError } from '../common/errors/baton-error.js';
import { AccountsError } from './accounts.errors.js';
import { AccountsRepository } from './accounts.repository.js';
import { AccountsService } from './accounts.service.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import type { AcceptInvitationBody, AddMemberBody, ChangeMemberBody } from './dto/accounts.dto.js';
import { MembersRepository, type MemberRow } from './members.repository.js';
import { AccessStateCache } from './access-state.cache.js';
import { SsoRepository } from './sso/sso.repository.js';

const INVITATION_TTL_DAYS = 7;
const toMember = (m: MemberRow) => ({ userId: m.userId, email: m.email, role: m.role, joinedAt: m.createdAt.toISOString() });

@Injectable()
export class MembersService {
  constructor(
    private readonly members: MembersRepository,
    private readonly users: AccountsRepository,
    private readonly keys: ApiKeysRepository,
    private readonly accounts: AccountsService,
    private readonly access: AccessStateCache,
    private readonly mail: MailService,
    private readonly sso: SsoRepository,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'publicUrl'>,
  ) {}

  async list(principal: Principal) {
    return { items: (await this.members.list(principal.tenantId)).map(toMember), nextCursor: null };
  }

  /**
   * Always an invitation, mailed, whose token is also shown once to the inviter (an installation
   * may have no mail): nobody joins a tenant without consenting, and the answer is the same
   * whether the address has an account or not.
   */
  async add(principal: Principal, body: AddMemberBody) {
    this.assertGrantable(principal, body.role);
    const member = await this.members.findByEmail(principal.tenantId, body.email);
    if (member)
      throw new AccountsError(
        'already_member',
        `${body.email} is a member already; change the role with PATCH /v1/members/${member.userId}`,
      );
    const tenant = (await this.users.findTenant(principal.tenantId))!;
    const token = newSecretToken('bi_');
    const invitation = {
      id: randomUUID(),
      tenantId: principal.tenantId,
      email: body.email,
      role: body.role,
      tokenHash: hashSecretToken(token),
      createdBy: principal.userId ?? null,
      expiresAt: new Date(Date.now() + INVITATION_TTL_DAYS * 86_400_000),
    };
    const mailId = await this.members.transaction(async (tx) => {
      await this.members.invite(invitation, tx);
      return this.mail.queue(
        invitationMail(this.config.publicUrl, body.email, token, {
          tenantName: tenant.name,
          role: body.role,
          validDays: INVITATION_TTL_DAYS,
        }),
        tx,
      );
    });
    this.mail.dispatch(mailId);
    return { invitation: { id: invitation.id, email: body.email, role: body.role, expiresAt: invitation.expiresAt.toISOString() }, token };
  }

  async invitations(principal: Principal) {
    const rows = await this.members.openInvitations(principal.tenantId);
    return {
      items: rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString(), expiresAt: row.expiresAt.toISOString() })),
    };
  }

  /** The link stops working at once; the invited person is not told. */
  async revokeInvitation(principal: Principal, id: string): Promise<void> {
    if (!(await this.members.revokeInvitation(principal.tenantId, id))) throw new NotFoundError(`Invitation ${id}`);
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

  /** With the membership go the API keys the member made in the tenant and the invitations they sent that are still open. */
  async remove(principal: Principal, userId: string): Promise<void> {
    await this.members.inTenantLock(principal.tenantId, async (tx) => {
      const target = await this.requireMember(principal, userId, tx);
      this.assertGrantable(principal, target.role);
      if (target.role === 'owner' && (await this.members.ownerCount(principal.tenantId, tx)) <= 1) {
        throw new AccountsError('last_owner', 'A tenant keeps at least one owner: the last one cannot be removed');
      }
      await this.members.remove(principal.tenantId, userId, tx);
      await this.keys.revokeCreatedBy(principal.tenantId, userId, tx);
      await this.members.revokeInvitationsBy(principal.tenantId, userId, tx);
    });
    this.access.forgetMember(principal.tenantId, userId);
  }

  /**
   * The token plus proof of the address's owner: an existing account accepts signed in as itself,
   * with its address verified; someone without one makes it with a password (the token came to
   * their mailbox, so the address counts as verified). A session is issued only for that password.
   */
  async accept(body: AcceptInvitationBody, principal: Principal | undefined) {
    const passwordHash = body.password ? await hashPassword(body.password) : undefined;
    return this.members.transaction(async (tx) => {
      const invitation = await this.members.acceptInvitation(hashSecretToken(body.token), tx);
      if (!invitation)
        throw new AccountsError('invitation_invalid', 'This invitation does not exist, was used already, was withdrawn, or has expired');
      const joined = { tenantId: invitation.tenantId, role: invitation.role };
      const account = await this.users.findUserByEmail(invitation.email, tx);
      if (account) {
        if (principal?.kind !== 'user')
          throw new AccountsError(
            'sign_in_required',
            `${invitation.email} has a Baton account: sign in as it, then accept with this token`,
          );
        if (principal.userId !== account.id)
          throw new AccountsError(
            'invitation_not_yours',
            `This invitation is for ${invitation.email}, not for the account you are signed in as`,
          );
        if (!account.emailVerifiedAt)
          throw new AccountsError(
            'email_unverified',
            'Confirm your e-mail address first (the link mailed at sign-up, or POST /v1/account/verify/resend)',
          );
        if (!(await this.members.add(invitation.tenantId, account.id, invitation.role, tx)))
          throw new AccountsError('already_member', 'You are a member of this tenant already');
        return joined;
      }
      if (!passwordHash)
        throw new AccountsError('password_required', 'Choose a password (at least 10 characters) for your new account', [
          { path: 'password', message: 'Required for a new account' },
        ]);
      const userId = randomUUID();
      if (!(await this.users.insertUser({ id: userId, email: invitation.email, passwordHash }, tx, true)))
        throw new AccountsError('invitation_invalid', 'Retry: the account was created meanwhile');
      await this.members.add(invitation.tenantId, userId, invitation.role, tx);
      // A tenant that signs in with SSO only gets no password session: the newcomer signs in with SSO.
      if ((await this.sso.passwordLoginOff([invitation.tenantId])).has(invitation.tenantId)) return joined;
      return { ...joined, ...(await this.accounts.issueToken({ sub: userId, tid: invitation.tenantId, role: invitation.role, pv: 0 })) };
    });
  }

  private async requireMember(principal: Principal, userId: string, tx: Parameters<MembersRepository['find']>[2]): Promise<MemberRow> {
    const member = await this.members.find(principal.tenantId, userId, tx);
    if (!member) throw new AccountsError('member_not_found', `User ${userId} is not a member of this tenant`);
    return member;
  }

  private assertGrantable(principal: Principal, role: Role): void {
    if (!roleSatisfies(principal.role, role))
      throw new AccountsError('role_not_grantable', `Only an ${role} or above may grant or change the ${role} role`);
  }
}
