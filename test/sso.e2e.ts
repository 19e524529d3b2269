import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, newTenant, uniqueName, type TestTenant } from './support/builders.js';
import { verifyKeptAddress } from './support/mailbox.js';
import { signInWithSso, startOidcProvider, type TestOidcProvider } from './support/oidc-provider.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** The failure code Baton sent the browser to the console with. */
const errorOf = (response: Response) => new URLSearchParams(new URL(response.headers.get('location')!).hash.slice(1)).get('error');
const ROLE_MAPPING = { 'baton-owners': 'owner', 'baton-admins': 'admin', engineering: 'operator' };

describe('single sign-on (OpenID Connect)', () => {
  const baseUrl = inject('baseUrl');
  let idp: TestOidcProvider;
  let otherIdp: TestOidcProvider;

  beforeAll(async () => {
    idp = await startOidcProvider(`${baseUrl}/v1/auth/sso/callback`);
    otherIdp = await startOidcProvider(`${baseUrl}/v1/auth/sso/callback`);
  });
  afterAll(async () => {
    await idp?.stop();
    await otherIdp?.stop();
  });

  const settings = (provider: TestOidcProvider, client = 0, extra: Record<string, unknown> = {}) => ({
    slug: uniqueName('acme'),
    issuer: provider.issuer,
    clientId: provider.clients[client].clientId,
    clientSecret: provider.clients[client].clientSecret,
    scopes: ['openid', 'email', 'groups'],
    roleMapping: ROLE_MAPPING,
    ...extra,
  });

  async function ssoTenant(provider = idp, extra: Record<string, unknown> = {}, client = 0): Promise<{ tenant: TestTenant; slug: string }> {
    const tenant = await newTenant();
    const body = settings(provider, client, extra);
    await api().put('/v1/tenant/sso').set(bearer(tenant.token)).send(body).expect(201);
    return { tenant, slug: body.slug };
  }

  it('an owner sets it up; people sign in just in time with the role their groups map to, and password sign-in can then be turned off', async () => {
    const tenant = await newTenant();
    const owner = bearer(tenant.token);
    const ownerId = (await api().get('/v1/me').set(owner).expect(200)).body.user.id;
    const body = settings(idp);

    // Only the owner: an operator's API key reads and changes nothing.
    await tenant.get('/v1/tenant/sso').expect(403);
    await tenant.put('/v1/tenant/sso', body).expect(403);
    await api().get('/v1/tenant/sso').set(owner).expect(404);

    // A first setup needs the secret; no owner has signed in with SSO yet, so passwords stay on.
    const noSecret = await api()
      .put('/v1/tenant/sso')
      .set(owner)
      .send({ ...body, clientSecret: undefined })
      .expect(400);
    expect(noSecret.body.errors).toEqual([expect.objectContaining({ path: 'clientSecret' })]);
    const unproven = await api()
      .put('/v1/tenant/sso')
      .set(owner)
      .send({ ...body, passwordLogin: false })
      .expect(409);
    expect(unproven.body).toMatchObject({ code: 'sso_unproven', errors: [expect.objectContaining({ path: 'passwordLogin' })] });

    const saved = await api().put('/v1/tenant/sso').set(owner).send(body).expect(201);
    expect(saved.body).toMatchObject({
      slug: body.slug,
      issuer: idp.issuer,
      clientId: body.clientId,
      clientSecretSet: true,
      scopes: ['openid', 'email', 'groups'],
      groupsClaim: 'groups',
      roleMapping: ROLE_MAPPING,
      defaultRole: null,
      passwordLogin: true,
      redirectUri: `${baseUrl}/v1/auth/sso/callback`,
      loginUrl: `${baseUrl}/v1/auth/sso/${body.slug}/login`,
    });
    const read = await api().get('/v1/tenant/sso').set(owner).expect(200);
    expect(JSON.stringify([saved.body, read.body])).not.toContain(body.clientSecret);
    // Another tenant cannot take the slug.
    const other = await newTenant();
    const taken = await api().put('/v1/tenant/sso').set(bearer(other.token)).send(body).expect(409);
    expect(taken.body).toMatchObject({ code: 'sso_slug_taken', errors: [expect.objectContaining({ path: 'slug' })] });

    // A newcomer in `engineering` becomes an operator just in time, with a session that works.
    const engineerEmail = `eng-${randomUUID()}@example.test`;
    const engineer = idp.addAccount({ email: engineerEmail, groups: ['engineering', 'unmapped'] });
    const first = await signInWithSso(baseUrl, body.slug, engineer);
    expect(first.fragment).toEqual({ token: expect.any(String), expiresAt: expect.any(String) });
    const me = (await api().get('/v1/me').set(bearer(first.fragment.token)).expect(200)).body;
    expect(me).toMatchObject({
      role: 'operator',
      tenant: { id: tenant.tenantId },
      user: { email: engineerEmail },
      tenants: [{ id: tenant.tenantId }],
    });
    const members = (await api().get('/v1/members').set(owner).expect(200)).body.items;
    expect(members).toContainEqual(expect.objectContaining({ email: engineerEmail, role: 'operator' }));

    // The groups decide the role at every sign-in.
    idp.accounts.get(engineer)!.groups = ['baton-admins'];
    const promoted = await signInWithSso(baseUrl, body.slug, engineer);
    expect((await api().get('/v1/me').set(bearer(promoted.fragment.token)).expect(200)).body.role).toBe('admin');
    // The same person, not a second account.
    expect((await api().get('/v1/me').set(bearer(promoted.fragment.token)).expect(200)).body.user.id).toBe(me.user.id);

    // A person of this tenant and of another one (joined by invitation, verified) keeps signing in to the other with a password.
    const both = await newTenant();
    await verifyKeptAddress(both.email);
    const invited = await api().post('/v1/members').set(owner).send({ email: both.email, role: 'viewer' }).expect(201);
    await api().post('/v1/invitations/accept').set(bearer(both.token)).send({ token: invited.body.token }).expect(200);

    // The owner signs in with SSO (an existing member, linked by address): now passwords may go.
    const ownerAtIdp = idp.addAccount({ email: tenant.email, groups: ['baton-owners'] });
    const ownerSso = await signInWithSso(baseUrl, body.slug, ownerAtIdp);
    const ownerMe = (await api().get('/v1/me').set(bearer(ownerSso.fragment.token)).expect(200)).body;
    expect(ownerMe).toMatchObject({ role: 'owner', user: { id: ownerId } });
    // The secret stays when the issuer and client do.
    const off = await api()
      .put('/v1/tenant/sso')
      .set(owner)
      .send({ ...body, clientSecret: undefined, passwordLogin: false })
      .expect(200);
    expect(off.body.passwordLogin).toBe(false);

    const refused = await api().post('/v1/auth/login').send({ email: tenant.email, password: tenant.password }).expect(403);
    expect(refused.body).toMatchObject({ code: 'password_login_disabled' });
    expect(refused.body.detail).toContain(body.slug);
    // Sessions signed in with a password end; API keys keep working; SSO sessions too.
    await api().get('/v1/me').set(owner).expect(401);
    await tenant.get('/v1/pipelines').expect(200);
    await api().get('/v1/me').set(bearer(ownerSso.fragment.token)).expect(200);
    // The owner cannot remove SSO while it is the only way in.
    expect((await api().delete('/v1/tenant/sso').set(bearer(ownerSso.fragment.token)).expect(409)).body.code).toBe('password_login_off');

    // The member of both: a password sign-in lands in the other tenant; naming this one, or switching to it, is refused.
    const elsewhere = await api().post('/v1/auth/login').send({ email: both.email, password: both.password }).expect(200);
    expect((await api().get('/v1/me').set(bearer(elsewhere.body.token)).expect(200)).body.tenant.id).toBe(both.tenantId);
    await api().post('/v1/auth/login').send({ email: both.email, password: both.password, tenant: tenant.tenantId }).expect(403);
    const switched = await api().post('/v1/auth/switch').set(bearer(elsewhere.body.token)).send({ tenant: tenant.tenantId }).expect(403);
    expect(switched.body.code).toBe('password_login_disabled');

    // An SSO session stays in its tenant, and shows none of the person's others.
    const bothAtIdp = idp.addAccount({ email: both.email, groups: [] });
    await api()
      .put('/v1/tenant/sso')
      .set(bearer(ownerSso.fragment.token))
      .send({ ...body, clientSecret: undefined, passwordLogin: false, defaultRole: 'viewer' })
      .expect(200);
    const bothSso = await signInWithSso(baseUrl, body.slug, bothAtIdp);
    const bothMe = (await api().get('/v1/me').set(bearer(bothSso.fragment.token)).expect(200)).body;
    expect(bothMe).toMatchObject({ role: 'viewer', tenant: { id: tenant.tenantId }, tenants: [{ id: tenant.tenantId }] });
    const bound = await api().post('/v1/auth/switch').set(bearer(bothSso.fragment.token)).send({ tenant: both.tenantId }).expect(403);
    expect(bound.body.code).toBe('sso_session_bound');
  });

  it('refuses issuers the address policy forbids or that do not answer, naming `issuer`', async () => {
    const tenant = await newTenant();
    const put = (issuer: string) =>
      api()
        .put('/v1/tenant/sso')
        .set(bearer(tenant.token))
        .send(settings(idp, 0, { issuer }));
    const port = new URL(idp.issuer).port;
    for (const [issuer, reason] of [
      // Loopback outside SSO_ALLOW_CIDRS (127.0.0.1/32 on the test stack).
      [`http://127.0.0.2:${port}`, /loopback/],
      [`http://[::1]:${port}`, /loopback/],
      [`http://10.0.0.1`, /private/],
      ['http://169.254.169.254/latest', /metadata/],
      // The API itself, on an allowed address.
      [baseUrl, /this installation's own services/],
    ] as const) {
      const answer = await put(issuer).expect(422);
      expect(answer.body, issuer).toMatchObject({
        code: 'issuer_refused',
        errors: [{ path: 'issuer', message: expect.stringMatching(reason) }],
      });
    }
    const nothing = await put('http://127.0.0.1:9').expect(422);
    expect(nothing.body).toMatchObject({ code: 'issuer_discovery_failed', errors: [expect.objectContaining({ path: 'issuer' })] });
    await put('ftp://example.com').expect(400);
  });

  it('refuses a wrong audience, a wrong or replayed nonce, a wrong state, another issuer, and people without a role', async () => {
    const { tenant, slug } = await ssoTenant(idp, { allowedDomains: ['example.test'] });
    const account = idp.addAccount({ email: `p-${randomUUID()}@example.test`, groups: ['engineering'] });
    const refusedWith = (outcome: { fragment: Record<string, string> }, code: string) => {
      expect(outcome.fragment.token, JSON.stringify(outcome.fragment)).toBeUndefined();
      expect(outcome.fragment.error).toBe(code);
      return outcome.fragment.detail;
    };

    try {
      idp.tamper = (claims) => ({ ...claims, aud: 'another-client' });
      expect(refusedWith(await signInWithSso(baseUrl, slug, account), 'sso_token_invalid')).toMatch(/aud/);
      idp.tamper = (claims) => ({ ...claims, nonce: 'not-the-nonce' });
      expect(refusedWith(await signInWithSso(baseUrl, slug, account), 'sso_token_invalid')).toMatch(/nonce/);
      // An ID token naming another tenant's issuer (signed by this provider's key) is not this issuer's.
      idp.tamper = (claims) => ({ ...claims, iss: otherIdp.issuer });
      expect(refusedWith(await signInWithSso(baseUrl, slug, account), 'sso_token_invalid')).toMatch(/iss/);
    } finally {
      idp.tamper = undefined;
    }

    // A sign-in that worked cannot be replayed: the state (and its nonce) were used once.
    const done = await signInWithSso(baseUrl, slug, account);
    expect(done.fragment.token).toEqual(expect.any(String));
    const replay = await fetch(done.callback!, { redirect: 'manual', headers: { cookie: done.batonCookie } });
    expect(errorOf(replay)).toBe('sso_state_invalid');

    // A state of someone else's making, or a callback in a browser that did not start the sign-in.
    const forged = await signInWithSso(baseUrl, slug, account, {
      beforeCallback: (url) => {
        url.searchParams.set('state', 'forged-state');
        return url;
      },
    });
    refusedWith(forged, 'sso_state_invalid');
    let stolen = '';
    await signInWithSso(baseUrl, slug, account, {
      beforeCallback: (url) => {
        stolen = url.href;
        return new URL(`${baseUrl}/v1/auth/sso/callback?state=abandoned`);
      },
    });
    const elsewhere = await fetch(stolen, { redirect: 'manual' });
    expect(errorOf(elsewhere)).toBe('sso_state_invalid');

    // A code another tenant's provider issued, delivered under this tenant's sign-in.
    const { slug: otherSlug } = await ssoTenant(otherIdp);
    const otherAccount = otherIdp.addAccount({ email: `q-${randomUUID()}@example.test`, groups: ['engineering'] });
    let foreignCode = '';
    await signInWithSso(baseUrl, otherSlug, otherAccount, {
      beforeCallback: (url) => {
        foreignCode = url.searchParams.get('code')!;
        url.searchParams.set('state', 'abandoned');
        return url;
      },
    });
    const mixed = await signInWithSso(baseUrl, slug, account, {
      beforeCallback: (url) => {
        url.searchParams.set('code', foreignCode);
        return url;
      },
    });
    refusedWith(mixed, 'sso_token_invalid');

    // Nobody gets in without a mapped group (no default role), from another domain, or as an account made elsewhere.
    refusedWith(
      await signInWithSso(baseUrl, slug, idp.addAccount({ email: `r-${randomUUID()}@example.test`, groups: ['sales'] })),
      'sso_no_role',
    );
    refusedWith(
      await signInWithSso(baseUrl, slug, idp.addAccount({ email: `s-${randomUUID()}@elsewhere.test`, groups: ['baton-admins'] })),
      'sso_domain_refused',
    );
    const stranger = await newTenant();
    refusedWith(
      await signInWithSso(baseUrl, slug, idp.addAccount({ email: stranger.email, groups: ['baton-owners'] })),
      'sso_account_exists',
    );
    // The stranger's own tenant is untouched, and never joined this one.
    expect((await api().get('/v1/me').set(bearer(stranger.token)).expect(200)).body.tenants).toEqual([
      expect.objectContaining({ id: stranger.tenantId }),
    ]);
    expect(
      (await api().get('/v1/members').set(bearer(tenant.token)).expect(200)).body.items.map((m: { email: string }) => m.email),
    ).not.toContain(stranger.email);

    // An unknown slug.
    const unknown = await fetch(`${baseUrl}/v1/auth/sso/no-such-${randomUUID().slice(0, 8)}/login`, { redirect: 'manual' });
    expect(unknown.status).toBe(302);
    expect(errorOf(unknown)).toBe('sso_unknown');
  });
});
