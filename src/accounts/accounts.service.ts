import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import type { SessionClaims } from '../common/auth/jwt.strategy.js';
import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, verifyPassword } from '../common/auth/password.js';
import type { Principal } from '../common/auth/principal.js';
import { NotFoundError } from '../common/errors/baton-error.js';
import { EntitlementsService } from '../billing/entitlements.service.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { AccountsError } from './accounts.errors.js';
import { AccountsRepository, type MembershipView } from './accounts.repository.js';
import { AccessStateCache } from './access-state.cache.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import type { LoginBody, SignupBody } from './dto/accounts.dto.js';
import { MailService } from '../mail/mail.service.js';
import { toTenantResponse, toUserResponse } from './account-responses.js';
import { EmailProofService } from './email-proof.service.js';
import { SsoRepository } from './sso/sso.repository.js';

/**
 * The named tenant (id or name), else the oldest membership of a tenant that takes passwords.
 * A tenant whose owner turned password sign-in off is refused by name, never skipped silently.
 */
function pickMembership(
  memberships: MembershipView[],
  tenant: string | undefined,
  passwordOff: ReadonlyMap<string, string>,
): MembershipView {
  if (!tenant) {
    if (!memberships[0]) throw new AccountsError('invalid_credentials', 'Email or password is wrong');
    const open = memberships.find((m) => !passwordOff.has(m.tenant.id));
    if (!open) throw passwordLoginDisabled(memberships[0].tenant, passwordOff.get(memberships[0].tenant.id)!);
    return open;
  }
  const matches = memberships.filter((m) => m.tenant.id === tenant || m.tenant.name === tenant);
  if (matches.length > 1)
    throw new AccountsError('tenant_ambiguous', 'You belong to several tenants with this name; pass `tenant` as an id');
  if (!matches[0]) throw new AccountsError('invalid_credentials', 'Email or password is wrong');
  if (passwordOff.has(matches[0].tenant.id)) throw passwordLoginDisabled(matches[0].tenant, passwordOff.get(matches[0].tenant.id)!);
  return matches[0];
}

function passwordLoginDisabled(tenant: { name: string }, slug: string): AccountsError {
  return new AccountsError(
    'password_login_disabled',
    `${tenant.name} signs in with SSO only: use "Sign in with SSO" with ${slug} (GET /v1/auth/sso/${slug}/login)`,
  );
}

@Injectable()
export class AccountsService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly jwt: JwtService,
    private readonly accessState: AccessStateCache,
    private readonly entitlements: EntitlementsService,
    private readonly emailProof: EmailProofService,
    private readonly mail: MailService,
    private readonly sso: SsoRepository,
    @Inject(BATON_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  async signup(body: SignupBody) {
    if (!this.config.SIGNUP_ENABLED) throw new AccountsError('signup_disabled', 'Sign-up is disabled on this installation');
    const { tenant, user, ownerId } = await this.createTenant(body);
    // Unverified, the account works in its own new tenant at once; it joins no other until it is verified.
    const { token } = await this.issueToken({ sub: ownerId, tid: tenant.id, role: 'owner', pv: 0 });
    return { tenant, user, token };
  }

  /** A tenant with its owner (sign-up, or the installation operator); the owner is mailed a verification link. */
  async createTenant(body: SignupBody) {
    const owner = { id: randomUUID(), email: body.email, passwordHash: await hashPassword(body.password) };
    let mailId: string | undefined;
    const created = await this.accounts.createTenantWithOwner(
      { id: randomUUID(), name: body.tenantName, plan: this.entitlements.initialPlanName() },
      owner,
      async (tx) => void (mailId = await this.emailProof.queueVerification(owner, tx)),
    );
    if (!created) throw new AccountsError('email_taken', 'An account with this email already exists; log in and ask to be invited');
    this.mail.dispatch(mailId!);
    return { tenant: toTenantResponse(created.tenant), user: toUserResponse(created.user), ownerId: created.user.id };
  }

  async listTenants(limit: number, cursor?: string) {
    return toPage(await this.accounts.listTenants(limit, decodeCursor(cursor)), limit, toTenantResponse);
  }

  async setTenantStatus(tenantId: string, status: 'active' | 'suspended') {
    const tenant = await this.accounts.setTenantStatus(tenantId, status);
    if (!tenant) throw new NotFoundError(`Tenant ${tenantId}`);
    this.accessState.forget(tenantId);
    return toTenantResponse(tenant);
  }

  async login(body: LoginBody) {
    const user = await this.accounts.findUserByEmail(body.email);
    const passwordOk = await verifyPassword(body.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !passwordOk) throw new AccountsError('invalid_credentials', 'Email or password is wrong');
    const memberships = await this.accounts.findMembershipsOfUser(user.id);
    const chosen = pickMembership(memberships, body.tenant, await this.sso.passwordLoginOff(memberships.map((m) => m.tenant.id)));
    if (needsRehash(user.passwordHash))
      await this.accounts.replacePasswordHash(user.id, user.passwordHash, await hashPassword(body.password));
    return this.issueToken({ sub: user.id, tid: chosen.tenant.id, role: chosen.role, pv: user.passwordChangedAt?.getTime() ?? 0 });
  }

  async me(principal: Principal) {
    const tenant = await this.accounts.findTenant(principal.tenantId);
    if (!tenant) throw new NotFoundError('Tenant');
    const user = principal.userId ? await this.accounts.findUserById(principal.userId) : null;
    // An SSO session is bound to its tenant: the person's other tenants are none of its provider's business.
    const memberships = (user ? await this.accounts.findMembershipsOfUser(user.id) : []).filter(
      (m) => principal.via !== 'sso' || m.tenant.id === principal.tenantId,
    );
    return {
      user: user ? toUserResponse(user) : null,
      tenants: memberships.map((m) => ({ id: m.tenant.id, name: m.tenant.name, role: m.role })),
      apiKeyId: principal.apiKeyId ?? null,
      tenant: toTenantResponse(tenant),
      role: principal.role,
      // The plan in force (a tenant on a plan no longer configured has the default one).
      plan: (await this.entitlements.planOf(tenant.id)).name,
    };
  }

  /**
   * A session in another of the signed-in person's tenants, without asking for the password again:
   * the new session keeps the password stamp of the one it came from, so a password change ends both.
   * A tenant the person does not belong to is answered as one that does not exist.
   */
  async switchTenant(principal: Principal, tenantId: string) {
    if (principal.kind !== 'user' || !principal.userId)
      throw new AccountsError('session_required', 'Only a person signed in switches tenants, not an API key');
    if (principal.via === 'sso')
      throw new AccountsError('sso_session_bound', 'A session from single sign-on stays in its tenant: sign in to the other one');
    const membership = (await this.accounts.findMembershipsOfUser(principal.userId)).find((m) => m.tenant.id === tenantId);
    if (!membership) throw new NotFoundError(`Tenant ${tenantId}`);
    const ssoOnly = (await this.sso.passwordLoginOff([tenantId])).get(tenantId);
    if (ssoOnly) throw passwordLoginDisabled(membership.tenant, ssoOnly);
    return this.issueToken({ sub: principal.userId, tid: tenantId, role: membership.role, pv: principal.passwordStamp ?? 0 });
  }

  async issueToken(claims: SessionClaims): Promise<{ token: string; expiresAt: string }> {
    const token = await this.jwt.signAsync(claims, { expiresIn: this.config.JWT_TTL as never, algorithm: 'HS256' });
    const { exp } = this.jwt.decode<{ exp: number }>(token);
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }
}
