import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { BATON_CONFIG, type RuntimeConfig } from '../../runtime/config/runtime-config.js';
import { SecretsService } from '../../secrets/secrets.service.js';
import { AccessStateCache } from '../access-state.cache.js';
import { AccountsError } from '../accounts.errors.js';
import type { PutSsoBody } from '../dto/sso.dto.js';
import { describeOidcError, OidcClient } from './oidc-client.provider.js';
import { SsoRepository, type SsoSettingsRow } from './sso.repository.js';

/** The label the client secret is sealed under; no secret's name can be it. */
export const CLIENT_SECRET_LABEL = 'sso:client_secret';

export const ssoCallbackPath = '/v1/auth/sso/callback';

/** A tenant owner's single-sign-on settings: saved only once the issuer has been found and vetted. */
@Injectable()
export class SsoSettingsService {
  constructor(
    private readonly sso: SsoRepository,
    private readonly oidc: OidcClient,
    private readonly secrets: SecretsService,
    private readonly access: AccessStateCache,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'publicUrl'>,
  ) {}

  async get(principal: Principal) {
    return this.toView(await this.require(principal.tenantId));
  }

  async put(principal: Principal, body: PutSsoBody): Promise<{ created: boolean; settings: ReturnType<SsoSettingsService['toView']> }> {
    const { tenantId } = principal;
    const existing = await this.sso.findByTenant(tenantId);
    const clientSecret =
      body.clientSecret ??
      (existing && existing.clientId === body.clientId && existing.issuer === body.issuer
        ? await this.secrets.openFor(tenantId, CLIENT_SECRET_LABEL, existing.secretKeyVersion, existing.clientSecretSealed)
        : undefined);
    if (clientSecret === undefined)
      throw new AccountsError('client_secret_required', 'Give the client secret: it is needed with a new client or issuer', [
        { path: 'clientSecret', message: 'Required with a new client id or issuer' },
      ]);

    const issuer = new URL(body.issuer);
    const refused = await this.oidc.refusal(issuer);
    if (refused)
      throw new AccountsError('issuer_refused', `This issuer cannot be used: ${refused}`, [{ path: 'issuer', message: refused }]);
    let serverMetadata: Record<string, unknown>;
    try {
      serverMetadata = { ...(await this.oidc.discover(issuer, body.clientId, clientSecret)) };
    } catch (error) {
      const reason = describeOidcError(error);
      throw new AccountsError('issuer_discovery_failed', `The issuer's OpenID configuration could not be read: ${reason}`, [
        { path: 'issuer', message: reason },
      ]);
    }
    if (!body.passwordLogin && !(await this.sso.ownerSignedInThrough(tenantId, String(serverMetadata.issuer)))) {
      throw new AccountsError(
        'sso_unproven',
        'Password sign-in stays on until an owner of this tenant has signed in with SSO through this issuer: save with passwordLogin true, sign in with SSO as an owner, then turn it off',
        [{ path: 'passwordLogin', message: 'No owner has signed in through this issuer yet' }],
      );
    }

    const { keyVersion, sealed } = await this.secrets.sealFor(tenantId, CLIENT_SECRET_LABEL, clientSecret);
    const saved = await this.sso.upsert(tenantId, {
      slug: body.slug,
      // As the provider names itself: ID tokens are checked against this, and identities are kept by it.
      issuer: String(serverMetadata.issuer),
      clientId: body.clientId,
      secretKeyVersion: keyVersion,
      clientSecretSealed: sealed,
      scopes: ['openid', ...body.scopes.filter((s) => s !== 'openid')],
      groupsClaim: body.groupsClaim,
      roleMapping: body.roleMapping,
      defaultRole: body.defaultRole,
      allowedDomains: [...new Set(body.allowedDomains)],
      passwordLogin: body.passwordLogin,
      serverMetadata,
    });
    if (!saved)
      throw new AccountsError('sso_slug_taken', `Another tenant signs in as ${body.slug}; choose another slug`, [
        { path: 'slug', message: 'Taken' },
      ]);
    this.access.forgetSso(tenantId);
    return { created: saved.created, settings: this.toView(saved.row) };
  }

  /** Refused while password sign-in is off: the members would have no way in left. */
  async delete(principal: Principal): Promise<void> {
    const existing = await this.require(principal.tenantId);
    if (!existing.passwordLogin)
      throw new AccountsError(
        'password_login_off',
        'Turn password sign-in back on (PUT /v1/tenant/sso with passwordLogin true) before removing SSO',
      );
    await this.sso.delete(principal.tenantId);
    this.access.forgetSso(principal.tenantId);
  }

  loginUrl(slug: string): string {
    return `${this.config.publicUrl}/v1/auth/sso/${slug}/login`;
  }

  private async require(tenantId: string): Promise<SsoSettingsRow> {
    const settings = await this.sso.findByTenant(tenantId);
    if (!settings)
      throw new AccountsError('sso_not_configured', 'This tenant has no single sign-on; an owner sets it with PUT /v1/tenant/sso');
    return settings;
  }

  private toView(row: SsoSettingsRow) {
    return {
      slug: row.slug,
      issuer: row.issuer,
      clientId: row.clientId,
      clientSecretSet: true as const,
      scopes: row.scopes,
      groupsClaim: row.groupsClaim,
      roleMapping: row.roleMapping,
      defaultRole: row.defaultRole,
      allowedDomains: row.allowedDomains,
      passwordLogin: row.passwordLogin,
      redirectUri: `${this.config.publicUrl}${ssoCallbackPath}`,
      loginUrl: this.loginUrl(row.slug),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}
