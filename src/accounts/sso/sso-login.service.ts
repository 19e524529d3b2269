import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { hashPassword } from '../../common/auth/password.js';
import { BATON_CONFIG, type RuntimeConfig } from '../../runtime/config/runtime-config.js';
import { SecretsService } from '../../secrets/secrets.service.js';
import { AccessStateCache } from '../access-state.cache.js';
import { AccountsRepository } from '../accounts.repository.js';
import { AccountsService } from '../accounts.service.js';
import { MembersRepository } from '../members.repository.js';
import { describeOidcError, OidcClient, type ClientSettings, type IdentityClaims } from './oidc-client.provider.js';
import { CLIENT_SECRET_LABEL, ssoCallbackPath } from './sso-settings.service.js';
import { SsoRepository, type MemberRole, type SsoSettingsRow } from './sso.repository.js';

/** How long a sign-in may take at the provider. */
const LOGIN_TTL_SECONDS = 600;
/** Binds a sign-in to the browser that started it, so that nobody can hand a victim a callback of their own sign-in. */
export const BROWSER_COOKIE = 'baton_sso';
const RANK: Record<MemberRole, number> = { owner: 4, admin: 3, operator: 2, viewer: 1 };

export type SsoFailureCode =
  | 'sso_unknown'
  | 'sso_state_invalid'
  | 'sso_provider_error'
  | 'sso_token_invalid'
  | 'sso_email_missing'
  | 'sso_domain_refused'
  | 'sso_no_role'
  | 'sso_account_exists'
  | 'sso_unavailable';

/** Why a sign-in with SSO failed; the browser is sent to the console's SSO page with it. */
export class SsoFailure extends Error {
  constructor(
    readonly code: SsoFailureCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Redirect {
  location: string;
  cookie: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

/** The highest role the person's groups map to, else the tenant's default role, else null. */
export function mappedRole(settings: Pick<SsoSettingsRow, 'roleMapping' | 'defaultRole'>, groups: readonly string[]): MemberRole | null {
  let best: MemberRole | null = null;
  for (const group of groups) {
    const role = Object.hasOwn(settings.roleMapping, group) ? settings.roleMapping[group] : undefined;
    if (role && (!best || RANK[role] > RANK[best])) best = role;
  }
  return best ?? settings.defaultRole;
}

/** A claim holding groups: a list of strings, or one string (some providers send a single group so). */
export function groupsOf(claims: Record<string, unknown>, claim: string): string[] {
  const value = claims[claim];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((g): g is string => typeof g === 'string') : [];
}

/**
 * Signing in with a tenant's OpenID Connect provider: the authorization-code flow with PKCE, state
 * and nonce (kept in the database, used once, bound to the browser by a cookie), then the person
 * found or made just in time, their role set from their groups at every sign-in, and a session
 * issued like a password sign-in's, marked as SSO's and bound to this tenant.
 */
@Injectable()
export class SsoLoginService {
  private readonly logger = new Logger(SsoLoginService.name);

  constructor(
    private readonly sso: SsoRepository,
    private readonly oidc: OidcClient,
    private readonly secrets: SecretsService,
    private readonly users: AccountsRepository,
    private readonly members: MembersRepository,
    private readonly accounts: AccountsService,
    private readonly access: AccessStateCache,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'publicUrl'>,
  ) {}

  /** Where the browser goes at the start: the provider's authorization endpoint, with a cookie naming this browser. */
  async start(slug: string): Promise<Redirect> {
    const settings = await this.sso.findBySlug(slug);
    if (!settings) throw new SsoFailure('sso_unknown', `No tenant signs in with SSO as ${slug}`);
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const browser = randomBytes(32).toString('base64url');
    await this.sso.insertLogin(
      digest(state),
      { tenantId: settings.tenantId, browserHash: digest(browser), nonce, codeVerifier },
      new Date(Date.now() + LOGIN_TTL_SECONDS * 1000),
    );
    let url: URL;
    try {
      url = await this.oidc.authorizationUrl(await this.client(settings), {
        redirectUri: this.redirectUri,
        scope: settings.scopes.join(' '),
        state,
        nonce,
        codeVerifier,
      });
    } catch (error) {
      if (error instanceof SsoFailure) throw error;
      this.logger.warn(`SSO sign-in to tenant ${settings.tenantId} cannot start: ${describeOidcError(error)}`);
      throw new SsoFailure('sso_unavailable', `Single sign-on cannot start: ${describeOidcError(error)}`);
    }
    return { location: url.href, cookie: this.cookie(browser, LOGIN_TTL_SECONDS) };
  }

  /** The provider sent the browser back: a session token, or an `SsoFailure` saying why not. */
  async finish(
    query: Record<string, string | undefined>,
    browserCookie: string | undefined,
  ): Promise<{ token: string; expiresAt: string }> {
    const state = query.state;
    const login = state ? await this.sso.consumeLogin(digest(state)) : null;
    if (!login || !browserCookie || digest(browserCookie) !== login.browserHash)
      throw new SsoFailure('sso_state_invalid', 'This sign-in expired, was used already or was started in another browser: start again');
    const settings = await this.sso.findByTenant(login.tenantId);
    if (!settings) throw new SsoFailure('sso_unknown', 'This tenant no longer signs in with SSO');
    if (query.error)
      throw new SsoFailure(
        'sso_provider_error',
        `The identity provider refused: ${query.error}${query.error_description ? ` (${query.error_description})` : ''}`,
      );

    const callbackUrl = new URL(this.redirectUri);
    for (const [name, value] of Object.entries(query)) if (value !== undefined) callbackUrl.searchParams.set(name, value);
    let claims: IdentityClaims;
    try {
      claims = await this.oidc.exchange(await this.client(settings), callbackUrl, {
        state: state!,
        nonce: login.nonce,
        codeVerifier: login.codeVerifier,
      });
    } catch (error) {
      const reason = describeOidcError(error);
      this.logger.warn(`SSO sign-in to tenant ${settings.tenantId} refused: ${reason}`);
      throw new SsoFailure('sso_token_invalid', `The identity provider's answer was refused: ${reason}`);
    }
    return this.signIn(settings, claims);
  }

  private async signIn(settings: SsoSettingsRow, claims: IdentityClaims): Promise<{ token: string; expiresAt: string }> {
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    if (!email.includes('@'))
      throw new SsoFailure('sso_email_missing', 'The identity provider sent no e-mail address: ask for the `email` scope');
    if (settings.allowedDomains.length && !settings.allowedDomains.includes(email.slice(email.lastIndexOf('@') + 1)))
      throw new SsoFailure(
        'sso_domain_refused',
        `${email} is not of a domain this tenant signs in with (${settings.allowedDomains.join(', ')})`,
      );
    const role = mappedRole(settings, groupsOf(claims, settings.groupsClaim));
    if (!role)
      throw new SsoFailure('sso_no_role', `None of your groups gives a role in this tenant (claim ${settings.groupsClaim}); ask its owner`);

    const tenantId = settings.tenantId;
    const userId = await this.members.inTenantLock(tenantId, async (tx) => {
      let id = await this.sso.findIdentity(tenantId, settings.issuer, claims.sub, tx);
      if (!id) {
        const account = await this.users.findUserByEmail(email, tx);
        if (account) {
          // An account made elsewhere joins only by an invitation it accepted: a provider's word is not
          // proof of someone else's mailbox, and the account may belong to other tenants.
          if (!(await this.members.find(tenantId, account.id, tx)))
            throw new SsoFailure(
              'sso_account_exists',
              `${email} already has a Baton account: ask an admin of this tenant to invite it, accept, then sign in with SSO`,
            );
          id = account.id;
        } else {
          id = randomUUID();
          // No password anyone knows: a reset link to the mailbox is the only way to set one.
          const passwordHash = await hashPassword(randomBytes(32).toString('base64url'));
          if (!(await this.users.insertUser({ id, email, passwordHash }, tx)))
            throw new SsoFailure('sso_unavailable', 'The account was created meanwhile: sign in again');
        }
      }
      await this.sso.linkIdentity(tenantId, settings.issuer, claims.sub, id, tx);
      const current = await this.members.find(tenantId, id, tx);
      if (!current) await this.members.add(tenantId, id, role, tx);
      else if (current.role !== role) {
        // The provider's groups decide the role at every sign-in, but a tenant never loses its last owner so.
        const lastOwner = current.role === 'owner' && (await this.members.ownerCount(tenantId, tx)) <= 1;
        if (!lastOwner) await this.members.setRole(tenantId, id, role, tx);
      }
      return id;
    });
    this.access.forgetMember(tenantId, userId);
    const granted = (await this.members.role(tenantId, userId))!;
    const stamp = (await this.users.passwordStamp(userId)) ?? 0;
    return this.accounts.issueToken({ sub: userId, tid: tenantId, role: granted, pv: stamp, via: 'sso' });
  }

  /** Where the console takes over: the session (or the failure) in the fragment, which reaches no server or log. */
  consoleUrl(fragment: Record<string, string>): string {
    return `${this.config.publicUrl}/sign-in/sso#${new URLSearchParams(fragment).toString()}`;
  }

  /** Ends the browser's binding cookie. */
  expiredCookie(): string {
    return this.cookie('', 0);
  }

  private get redirectUri(): string {
    return `${this.config.publicUrl}${ssoCallbackPath}`;
  }

  private cookie(value: string, maxAge: number): string {
    const secure = this.config.publicUrl.startsWith('https:') ? '; Secure' : '';
    return `${BROWSER_COOKIE}=${value}; Path=/v1/auth/sso; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
  }

  private async client(settings: SsoSettingsRow): Promise<ClientSettings> {
    let clientSecret: string;
    try {
      clientSecret = await this.secrets.openFor(
        settings.tenantId,
        CLIENT_SECRET_LABEL,
        settings.secretKeyVersion,
        settings.clientSecretSealed,
      );
    } catch (error) {
      this.logger.error(`The SSO client secret of tenant ${settings.tenantId} does not open: ${(error as Error).message}`);
      throw new SsoFailure('sso_unavailable', 'Single sign-on is unavailable on this installation right now');
    }
    return { metadata: settings.serverMetadata as unknown as oidc.ServerMetadata, clientId: settings.clientId, clientSecret };
  }
}
