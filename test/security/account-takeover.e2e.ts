import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, newTenant, type TestTenant } from '../support/builders.js';
import { Mailbox, tokenOf } from '../support/mailbox.js';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from '../support/processes.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const PUBLIC_URL = 'https://baton.example.test';

/**
 * Issue 17, "account takeover by e-mail": register `cto@victim.example` before the victim does,
 * wait to be invited, and be in. Played on an API beside the stack's that mails through a real
 * SMTP server in this process (SMTP_URL): the victim's mailbox is where the tokens go, and the
 * attacker does not read it.
 */
describe('account takeover by e-mail', () => {
  const mailbox = new Mailbox();
  let mailing: BatonProcess;
  let baseUrl: string;
  const call = () => api(baseUrl);

  beforeAll(async () => {
    await mailbox.start();
    const port = await freePort();
    mailing = spawnBaton('api', {
      ...inject('apiEnv'),
      PORT: String(port),
      PUBLIC_URL,
      SMTP_URL: mailbox.url,
      MAIL_FROM: 'Baton <no-reply@baton.example.test>',
      MAIL_POLL_INTERVAL: '200ms',
      MAIL_RETRY_BASE: '200ms',
    });
    baseUrl = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${baseUrl}/readyz`, 60_000, () => mailing.child.exitCode === null);
    } catch (error) {
      console.error(mailing.output());
      throw error;
    }
  });
  afterAll(async () => {
    await mailing?.stop();
    await mailbox.stop();
  });

  /** Signs up on the mailing API and verifies the address through the mailed link. */
  async function verifiedTenant(): Promise<TestTenant> {
    const tenant = await newTenant(baseUrl);
    const mail = await mailbox.waitFor(tenant.email, /Confirm your e-mail/);
    await call()
      .post('/v1/account/verify')
      .send({ token: tokenOf(mail.link) })
      .expect(200);
    return tenant;
  }

  it('lets the attacker who registered the address first nowhere into the tenant that invites it', async () => {
    const victim = await verifiedTenant();
    const cto = `cto-${randomUUID().slice(0, 8)}@victim.example`;
    // The attacker signs up with the CTO's address before the CTO does; the link goes to the CTO's mailbox.
    const squat = await call()
      .post('/v1/signup')
      .send({ tenantName: 'Totally the CTO', email: cto, password: 'attacker password' })
      .expect(201);
    expect(squat.body.user).toMatchObject({ email: cto, emailVerified: false });
    const squatterSession = squat.body.token as string;
    const unopenedVerification = await mailbox.waitFor(cto, /Confirm your e-mail/);

    // The victim invites the CTO: an invitation, never a membership, the same answer as for any address.
    const invited = await call().post('/v1/members').set(bearer(victim.token)).send({ email: cto, role: 'admin' }).expect(201);
    expect(invited.body).toEqual({
      invitation: expect.objectContaining({ email: cto, role: 'admin' }),
      token: expect.stringMatching(/^bi_/),
    });
    expect(invited.body.member).toBeUndefined();
    const members = await call().get('/v1/members').set(bearer(victim.token)).expect(200);
    expect(members.body.items.map((m: { email: string }) => m.email)).toEqual([victim.email]);
    const invitationMail = await mailbox.waitFor(cto, /invited/);
    expect(tokenOf(invitationMail.link)).toBe(invited.body.token);

    // The squatter's password opens no session in the victim's tenant.
    await call().post('/v1/auth/login').send({ email: cto, password: 'attacker password', tenant: victim.tenantId }).expect(401);
    // Were the token to leak, it still takes the address's verified owner, signed in: the old
    // "accept with the token and get a session" answers no session, and neither does anything else.
    const token = invited.body.token as string;
    const anonymous = await call().post('/v1/invitations/accept').send({ token }).expect(401);
    expect(anonymous.body.code).toBe('sign_in_required');
    const withPassword = await call().post('/v1/invitations/accept').send({ token, password: 'attacker password' }).expect(401);
    expect(withPassword.body.token).toBeUndefined();
    const unverified = await call().post('/v1/invitations/accept').set(bearer(squatterSession)).send({ token }).expect(403);
    expect(unverified.body.code).toBe('email_unverified');
    const otherAccount = await call().post('/v1/invitations/accept').set(bearer(victim.token)).send({ token }).expect(403);
    expect(otherAccount.body.code).toBe('invitation_not_yours');
    // Nor does a new verification link reach the attacker: it goes to the address, like the first.
    await call().post('/v1/account/verify/resend').send({ email: cto }).expect(202);
    await mailbox.waitFor(cto, /Confirm your e-mail/);
    expect((await call().get('/v1/members').set(bearer(victim.token)).expect(200)).body.items).toHaveLength(1);

    // The real CTO, who reads the mailbox, takes the address back with a reset, which ends the
    // squatter's sessions, then signs in and accepts: the invitation was left unused by all of the above.
    await call().post('/v1/account/password-reset').send({ email: cto }).expect(202);
    const reset = await mailbox.waitFor(cto, /Reset your Baton password/);
    expect(reset.link.startsWith(`${PUBLIC_URL}/account/reset-password#token=br_`)).toBe(true);
    await call()
      .post('/v1/account/password-reset/confirm')
      .send({ token: tokenOf(reset.link), password: 'the real cto password' })
      .expect(204);
    await call().get('/v1/me').set(bearer(squatterSession)).expect(401);
    await call().post('/v1/auth/login').send({ email: cto, password: 'attacker password' }).expect(401);
    const ctoSession = (await call().post('/v1/auth/login').send({ email: cto, password: 'the real cto password' }).expect(200)).body.token;
    expect((await call().get('/v1/me').set(bearer(ctoSession)).expect(200)).body.user.emailVerified).toBe(true);
    const joined = await call().post('/v1/invitations/accept').set(bearer(ctoSession)).send({ token }).expect(200);
    expect(joined.body).toEqual({ tenantId: victim.tenantId, role: 'admin' });
    const inVictim = (
      await call().post('/v1/auth/login').send({ email: cto, password: 'the real cto password', tenant: victim.tenantId }).expect(200)
    ).body.token;
    expect((await call().get('/v1/me').set(bearer(inVictim)).expect(200)).body).toMatchObject({
      role: 'admin',
      tenant: { id: victim.tenantId },
    });
    // The verification link the squatter never saw is still good for nothing but the address.
    await call()
      .post('/v1/account/verify')
      .send({ token: tokenOf(unopenedVerification.link) })
      .expect(200);
  });

  it('mails verification, invitation and reset links under PUBLIC_URL that work once', async () => {
    const email = `new-${randomUUID()}@example.test`;
    const signup = await call().post('/v1/signup').send({ tenantName: 'Mailed', email, password: 'a long password' }).expect(201);
    const verification = await mailbox.waitFor(email, /Confirm your e-mail/);
    expect(verification.from).toContain('no-reply@baton.example.test');
    expect(verification.link).toMatch(new RegExp(`^${PUBLIC_URL}/account/verify#token=bv_[A-Za-z0-9_-]{43}$`));
    // The link opens the console's page (PUBLIC_URL is this API, behind its public name), which posts the fragment's token.
    const page = await call()
      .get(new URL(verification.link).pathname)
      .expect(200)
      .expect('content-type', /text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'/);
    expect(page.text).toContain('<div id="root">');
    // Unverified, the account works in its own tenant at once.
    expect((await call().get('/v1/me').set(bearer(signup.body.token)).expect(200)).body.user.emailVerified).toBe(false);
    const verified = await call()
      .post('/v1/account/verify')
      .send({ token: tokenOf(verification.link) })
      .expect(200);
    expect(verified.body.user).toMatchObject({ email, emailVerified: true });
    const again = await call()
      .post('/v1/account/verify')
      .send({ token: tokenOf(verification.link) })
      .expect(404);
    expect(again.body).toMatchObject({ code: 'token_invalid', errors: [{ path: 'token' }] });
    // Verified accounts get no more links.
    await call().post('/v1/account/verify/resend').send({ email }).expect(202);

    // Someone without an account accepts with the token and a password: verified, with a session.
    const newcomer = `newcomer-${randomUUID()}@example.test`;
    const invited = await call().post('/v1/members').set(bearer(signup.body.token)).send({ email: newcomer, role: 'operator' }).expect(201);
    const invitation = await mailbox.waitFor(newcomer, /invited to "Mailed"/);
    expect(invitation.link).toBe(`${PUBLIC_URL}/invitations/accept#token=${invited.body.token}`);
    await call()
      .get(new URL(invitation.link).pathname)
      .expect(200)
      .expect('content-type', /text\/html/);
    const noPassword = await call()
      .post('/v1/invitations/accept')
      .send({ token: tokenOf(invitation.link) })
      .expect(400);
    expect(noPassword.body).toMatchObject({ code: 'password_required', errors: [{ path: 'password' }] });
    const accepted = await call()
      .post('/v1/invitations/accept')
      .send({ token: tokenOf(invitation.link), password: 'newcomer password' })
      .expect(200);
    expect(accepted.body).toMatchObject({ tenantId: signup.body.tenant.id, role: 'operator', token: expect.any(String) });
    expect((await call().get('/v1/me').set(bearer(accepted.body.token)).expect(200)).body).toMatchObject({
      role: 'operator',
      user: { emailVerified: true },
    });
    await call()
      .post('/v1/invitations/accept')
      .send({ token: tokenOf(invitation.link), password: 'newcomer password' })
      .expect(404);

    // Reset: the same answer for an unknown address, one mail only for the known one.
    const nobody = `nobody-${randomUUID()}@example.test`;
    const known = await call().post('/v1/account/password-reset').send({ email: newcomer });
    const unknown = await call().post('/v1/account/password-reset').send({ email: nobody });
    expect([known.status, known.text]).toEqual([202, '']);
    expect([unknown.status, unknown.text]).toEqual([known.status, known.text]);
    const apiKey = (await call().post('/v1/api-keys').set(bearer(signup.body.token)).send({ name: 'kept', role: 'viewer' }).expect(201))
      .body.key;
    const reset = await mailbox.waitFor(newcomer, /Reset your Baton password/);
    await call()
      .get(new URL(reset.link).pathname)
      .expect(200)
      .expect('content-type', /text\/html/);
    await call()
      .post('/v1/account/password-reset/confirm')
      .send({ token: tokenOf(reset.link), password: 'newcomer new password' })
      .expect(204);
    await call()
      .post('/v1/account/password-reset/confirm')
      .send({ token: tokenOf(reset.link), password: 'yet another password' })
      .expect(404);
    // Sessions issued before the reset stop working; API keys are untouched; the new password works.
    await call().get('/v1/me').set(bearer(accepted.body.token)).expect(401);
    await call().get('/v1/me').set(bearer(apiKey)).expect(200);
    await call().post('/v1/auth/login').send({ email: newcomer, password: 'newcomer password' }).expect(401);
    await call().post('/v1/auth/login').send({ email: newcomer, password: 'newcomer new password' }).expect(200);
    expect([...mailbox.mailsTo(newcomer), ...mailbox.mailsTo(nobody)]).toEqual([]);
  });

  it('changes a password signed in: other sessions end, the returned one works', async () => {
    const tenant = await newTenant(baseUrl);
    const other = (await call().post('/v1/auth/login').send({ email: tenant.email, password: tenant.password }).expect(200)).body.token;
    const wrong = await call()
      .post('/v1/account/password')
      .set(bearer(tenant.token))
      .send({ currentPassword: 'not it at all', newPassword: 'a changed password' })
      .expect(401);
    expect(wrong.body.errors).toEqual([{ path: 'currentPassword', message: expect.any(String) }]);
    await call()
      .post('/v1/account/password')
      .set(bearer(tenant.apiKey))
      .send({ currentPassword: tenant.password, newPassword: 'a changed password' })
      .expect(403);
    const changed = await call()
      .post('/v1/account/password')
      .set(bearer(tenant.token))
      .send({ currentPassword: tenant.password, newPassword: 'a changed password' })
      .expect(200);
    await call().get('/v1/me').set(bearer(other)).expect(401);
    await call().get('/v1/me').set(bearer(tenant.token)).expect(401);
    expect((await call().get('/v1/me').set(bearer(changed.body.token)).expect(200)).body.role).toBe('owner');
    await tenant.get('/v1/me').expect(200);
  });

  it('answers at once when the SMTP server refuses for now, and delivers the mail later', async () => {
    mailbox.refuseNext(2, 451);
    const email = `later-${randomUUID()}@example.test`;
    await call().post('/v1/signup').send({ tenantName: 'Later', email, password: 'a long password' }).expect(201);
    const mail = await mailbox.waitFor(email, /Confirm your e-mail/);
    await call()
      .post('/v1/account/verify')
      .send({ token: tokenOf(mail.link) })
      .expect(200);
    // Two refusals, then sent; what it said (a one-time link) is not kept once sent.
    const db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    const { rows } = await db.query('SELECT status, attempts, body, link FROM mail WHERE to_address = $1', [email]).finally(() => db.end());
    expect(rows).toEqual([{ status: 'sent', attempts: 3, body: null, link: null }]);
  });
});

describe('removing a member', () => {
  it('revokes the API keys they made and the invitations they sent, at once', async () => {
    const owner = await newTenant();
    const adminEmail = `admin-${randomUUID()}@example.test`;
    const invited = await api().post('/v1/members').set(bearer(owner.token)).send({ email: adminEmail, role: 'admin' }).expect(201);
    const admin = await api()
      .post('/v1/invitations/accept')
      .send({ token: invited.body.token, password: 'admin password 123' })
      .expect(200);
    const adminKey = (
      await api().post('/v1/api-keys').set(bearer(admin.body.token)).send({ name: 'admin key', role: 'operator' }).expect(201)
    ).body.key;
    const byAdmin = await api()
      .post('/v1/members')
      .set(bearer(admin.body.token))
      .send({ email: `friend-${randomUUID()}@example.test`, role: 'viewer' })
      .expect(201);
    const byOwner = await api()
      .post('/v1/members')
      .set(bearer(owner.token))
      .send({ email: `colleague-${randomUUID()}@example.test`, role: 'viewer' })
      .expect(201);
    await api().get('/v1/pipelines').set(bearer(adminKey)).expect(200);

    const adminId = (await api().get('/v1/me').set(bearer(admin.body.token)).expect(200)).body.user.id;
    await api().delete(`/v1/members/${adminId}`).set(bearer(owner.token)).expect(204);
    await api().get('/v1/pipelines').set(bearer(adminKey)).expect(401);
    await api().get('/v1/me').set(bearer(admin.body.token)).expect(401);
    const withdrawn = await api()
      .post('/v1/invitations/accept')
      .send({ token: byAdmin.body.token, password: 'friend password 123' })
      .expect(404);
    expect(withdrawn.body.code).toBe('invitation_invalid');
    // What others made stays.
    await owner.get('/v1/pipelines').expect(200);
    await api().post('/v1/invitations/accept').send({ token: byOwner.body.token, password: 'colleague password' }).expect(200);
    const keys = await api().get('/v1/api-keys').set(bearer(owner.token)).expect(200);
    expect(keys.body.items.map((k: { name: string }) => k.name)).toEqual(['e2e']);
  });
});
