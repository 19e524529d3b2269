import { Inject, Injectable } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import * as oidc from 'openid-client';
// The one address policy of the installation, reused so that a tenant's issuer is judged exactly like
// a step's request or an alert webhook: its discovery, token and key endpoints all go through it.
import { EgressBroker } from '../../runtime/egress/egress-broker.js';
import { parseCidrs } from '../../runtime/egress/egress-policy.js';
import { installationEndpoints, type EndpointConfig } from '../../runtime/config/installation-endpoints.js';
import { BATON_CONFIG, type RuntimeConfig } from '../../runtime/config/runtime-config.js';

const TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** What the provider's token endpoint proved: the ID token's claims, with the userinfo's where the token lacks them. */
export type IdentityClaims = Record<string, unknown> & { sub: string; iss: string };

export interface ClientSettings {
  metadata: oidc.ServerMetadata;
  clientId: string;
  clientSecret: string;
}

/** openid-client's message with those of its causes (`unexpected JWT claim value encountered: unexpected JWT "aud" …`). */
export function describeOidcError(error: unknown): string {
  const messages: string[] = [];
  for (let e = error; e instanceof Error && messages.length < 4; e = e.cause) if (!messages.includes(e.message)) messages.push(e.message);
  return messages.join(': ') || String(error);
}

/** Refused by the address policy or failing on the way: the message says which and why. */
export class OidcRequestError extends Error {}

/**
 * `openid-client` behind one provider. Issuers are tenant-supplied, so every request it makes
 * (discovery, token, keys, userinfo) goes through the egress broker: to public addresses, or to
 * those in SSO_ALLOW_CIDRS; plain http only to the latter. Redirects are not followed.
 */
@Injectable()
export class OidcClient {
  private readonly broker: EgressBroker;
  private readonly allowed: ReturnType<typeof parseCidrs>;

  constructor(@Inject(BATON_CONFIG) config: Pick<RuntimeConfig, 'SSO_ALLOW_CIDRS'> & EndpointConfig) {
    this.allowed = parseCidrs(config.SSO_ALLOW_CIDRS);
    this.broker = new EgressBroker({
      allowCidrs: config.SSO_ALLOW_CIDRS,
      allowSetting: 'SSO_ALLOW_CIDRS',
      installation: installationEndpoints(config),
      maxRedirects: 0,
      timeoutMs: TIMEOUT_MS,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    });
  }

  /** Why the issuer may not be used (`127.0.0.1:80 is a loopback address`), or null. */
  async refusal(issuer: URL): Promise<string | null> {
    if (issuer.protocol !== 'https:' && issuer.protocol !== 'http:') return `${issuer.protocol} issuers are not allowed; only https`;
    if (issuer.username || issuer.password) return 'credentials in the issuer URL are not allowed';
    const vetted = await this.broker.policy.vetUrl(issuer);
    if (typeof vetted === 'string') return vetted;
    if (issuer.protocol === 'http:' && !vetted.every(({ address }) => this.inAllowedRange(address)))
      return 'an issuer must use https, unless its addresses are in SSO_ALLOW_CIDRS';
    return null;
  }

  /** The provider's metadata (`/.well-known/openid-configuration`), its `issuer` checked to be the one asked for. */
  async discover(issuer: URL, clientId: string, clientSecret: string): Promise<oidc.ServerMetadata> {
    const configuration = await oidc.discovery(issuer, clientId, clientSecret, undefined, {
      [oidc.customFetch]: this.fetch,
      execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      timeout: TIMEOUT_MS / 1000,
    });
    return { ...configuration.serverMetadata() };
  }

  /** Where to send the browser: the code flow with PKCE (S256), `state` and `nonce`. */
  async authorizationUrl(
    settings: ClientSettings,
    params: { redirectUri: string; scope: string; state: string; nonce: string; codeVerifier: string },
  ): Promise<URL> {
    return oidc.buildAuthorizationUrl(this.configuration(settings), {
      redirect_uri: params.redirectUri,
      scope: params.scope,
      response_type: 'code',
      state: params.state,
      nonce: params.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(params.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /**
   * Exchanges the code of `callbackUrl` and checks the ID token as the specification says
   * (signature by the issuer's keys, `iss`, `aud` = our client id, `exp`, `nonce`), and the
   * response's `state` (and `iss`, where the provider sends it). Throws when any of it fails.
   */
  async exchange(
    settings: ClientSettings,
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<IdentityClaims> {
    const configuration = this.configuration(settings);
    const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      pkceCodeVerifier: checks.codeVerifier,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    return { ...(await this.userinfo(configuration, tokens.access_token, claims.sub)), ...claims };
  }

  /** The userinfo's claims, for providers that keep e-mail or groups out of the ID token; none when it has no such endpoint. */
  private async userinfo(configuration: oidc.Configuration, accessToken: string, subject: string): Promise<Record<string, unknown>> {
    if (!configuration.serverMetadata().userinfo_endpoint || !accessToken) return {};
    return { ...(await oidc.fetchUserInfo(configuration, accessToken, subject)) };
  }

  private configuration({ metadata, clientId, clientSecret }: ClientSettings): oidc.Configuration {
    const configuration = new oidc.Configuration(metadata, clientId, clientSecret);
    configuration[oidc.customFetch] = this.fetch;
    configuration.timeout = TIMEOUT_MS / 1000;
    if (new URL(metadata.issuer).protocol === 'http:') oidc.allowInsecureRequests(configuration);
    return configuration;
  }

  private inAllowedRange(address: string): boolean {
    const parsed = ipaddr.process(address);
    return this.allowed.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits));
  }

  private readonly fetch: oidc.CustomFetch = async (url, options) => {
    const target = new URL(url);
    const refused = await this.refusal(target);
    if (refused) throw new OidcRequestError(`${target.origin}: ${refused}`);
    const body = options.body;
    if (body instanceof ReadableStream) throw new OidcRequestError('streamed request bodies are not supported');
    const bytes =
      body === undefined || body === null
        ? undefined
        : typeof body === 'string' || body instanceof URLSearchParams
          ? Buffer.from(body.toString())
          : Buffer.from(body instanceof ArrayBuffer ? new Uint8Array(body) : body);
    const answer = await this.broker.fetch(
      { url, method: options.method, headers: Object.entries(options.headers), body: bytes },
      ['*'],
      options.signal,
    );
    if (!answer.ok) throw new OidcRequestError(answer.message);
    const empty = answer.status === 204 || answer.status === 304;
    return new Response(empty ? null : answer.body, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
  };
}
