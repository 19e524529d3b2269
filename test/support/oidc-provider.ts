import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider from 'oidc-provider';

export interface TestAccount {
  email: string;
  groups: string[];
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
}

/** Rewrites the claims of the ID tokens the provider issues, re-signed with its own key: a provider that lies. */
export type Tamper = (claims: Record<string, unknown>) => Record<string, unknown>;

export interface TestOidcProvider {
  issuer: string;
  /** Accounts by id (the login typed on the provider's sign-in form). */
  accounts: Map<string, TestAccount>;
  /** Confidential clients registered with Baton's callback as their redirect URI. */
  clients: TestClient[];
  addAccount(account: TestAccount): string;
  /** Set: the next ID tokens are rewritten; undefined: honest again. */
  tamper: Tamper | undefined;
  stop(): Promise<void>;
}

/**
 * A real OpenID provider (`oidc-provider`) in the test process, on loopback: its development
 * sign-in and consent forms take any account id as the login; the ID tokens carry e-mail and groups.
 */
export async function startOidcProvider(redirectUri: string, clientCount = 2): Promise<TestOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  const accounts = new Map<string, TestAccount>();
  const clients = Array.from({ length: clientCount }, () => ({
    clientId: `client-${randomUUID().slice(0, 8)}`,
    clientSecret: randomUUID(),
  }));

  const state: TestOidcProvider = {
    issuer,
    accounts,
    tamper: undefined,
    clients,
    addAccount(account) {
      const id = `user-${randomUUID().slice(0, 8)}`;
      accounts.set(id, account);
      return id;
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      return account
        ? { accountId: id, claims: () => ({ sub: id, email: account.email, email_verified: true, groups: account.groups }) }
        : undefined;
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'email', 'groups', 'profile'],
    // The scopes' claims in the ID token itself, as Azure AD, Okta and Keycloak can be set to send groups.
    conformIdTokenClaims: false,
    jwks: { keys: [jwk] },
    cookies: { keys: [randomUUID()] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
  });
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === '/token' && state.tamper && body?.id_token) {
      const claims = state.tamper({ ...decodeJwt(body.id_token) });
      body.id_token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
    }
  });
  const handle = provider.callback();
  server.on('request', (request, response) => void handle(request, response));
  return state;
}

/** A browser's cookies for one origin each, as plain HTTP needs them. */
class CookieJar {
  private readonly jar = new Map<string, Map<string, string>>();

  store(url: string, response: Response): void {
    const origin = new URL(url).origin;
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = pair.split('=');
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired) cookies.delete(name.trim());
      else cookies.set(name.trim(), value.join('='));
    }
    this.jar.set(origin, cookies);
  }

  header(url: string): string {
    return [...(this.jar.get(new URL(url).origin) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export interface SsoOutcome {
  /** The console URL Baton sent the browser to at the end. */
  location: string;
  /** Its fragment: `token` and `expiresAt`, or `error` and `detail`. */
  fragment: Record<string, string>;
  /** The callback URL the provider sent the browser to (to replay it). */
  callback?: string;
  /** Baton's browser-binding cookie of this sign-in. */
  batonCookie: string;
}

/**
 * Signs in with SSO as a browser would, without one: follows the redirects by hand, fills the
 * provider's sign-in and consent forms. `beforeCallback` may change the callback URL (an attacker's).
 */
export async function signInWithSso(
  baseUrl: string,
  slug: string,
  accountId: string,
  options: { beforeCallback?: (url: URL) => URL; jar?: CookieJar } = {},
): Promise<SsoOutcome> {
  const jar = options.jar ?? new CookieJar();
  const get = async (url: string) => {
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    jar.store(url, response);
    return response;
  };
  let response = await get(`${baseUrl}/v1/auth/sso/${slug}/login`);
  const batonCookie = jar.header(baseUrl);
  let callback: string | undefined;
  for (let hop = 0; hop < 20; hop++) {
    const location = response.headers.get('location');
    if (response.status === 200 && !location) {
      // The provider's sign-in or consent form.
      const url = response.url;
      const html = await response.text();
      const action = new URL(/action="([^"]+)"/.exec(html)![1], url).href;
      const prompt = /name="prompt" value="(\w+)"/.exec(html)![1];
      const form = new URLSearchParams(prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt });
      response = await fetch(action, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: jar.header(action), 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      jar.store(action, response);
      continue;
    }
    if (!location) throw new Error(`stuck at ${response.status}: ${(await response.text()).slice(0, 300)}`);
    let next = new URL(location, response.url || baseUrl);
    if (next.href.startsWith(`${baseUrl}/v1/auth/sso/callback`)) {
      if (options.beforeCallback) next = options.beforeCallback(next);
      callback = next.href;
    }
    if (next.href.startsWith(`${baseUrl}/sign-in/sso`)) {
      return { location: next.href, fragment: Object.fromEntries(new URLSearchParams(next.hash.slice(1))), callback, batonCookie };
    }
    response = await get(next.href);
  }
  throw new Error('too many redirects');
}

export { CookieJar };
