import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, newTenant, until } from './support/builders.js';
import { verifyKeptAddress } from './support/mailbox.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('members, roles and invitations', () => {
  it('invites a newcomer and an existing account (which accepts signed in, verified), changes roles and removes members, never the last owner', async () => {
    const tenant = await newTenant();
    const owner = bearer(tenant.token);
    const ownerId = (await api().get('/v1/me').set(owner).expect(200)).body.user.id;

    // Someone without an account: an invitation, its token shown once, accepted with a new password.
    const email = `new-${randomUUID()}@example.test`;
    const invited = await api().post('/v1/members').set(owner).send({ email, role: 'operator' }).expect(201);
    expect(invited.body).toMatchObject({ invitation: { email, role: 'operator' }, token: expect.stringMatching(/^bi_/) });
    await api().post('/v1/invitations/accept').send({ token: invited.body.token }).expect(400);
    const session = await api()
      .post('/v1/invitations/accept')
      .send({ token: invited.body.token, password: 'a brand new password' })
      .expect(200);
    await api().post('/v1/invitations/accept').send({ token: invited.body.token, password: 'a brand new password' }).expect(404);
    const newcomer = bearer(session.body.token);
    expect((await api().get('/v1/me').set(newcomer).expect(200)).body).toMatchObject({ role: 'operator', tenant: { id: tenant.tenantId } });
    await api().post('/v1/auth/login').send({ email, password: 'a brand new password' }).expect(200);

    // Someone with an account (the owner of another tenant) is invited too, and accepts signed in, verified.
    const other = await newTenant();
    const added = await api().post('/v1/members').set(owner).send({ email: other.email, role: 'viewer' }).expect(201);
    expect(added.body).toMatchObject({ invitation: { email: other.email, role: 'viewer' }, token: expect.stringMatching(/^bi_/) });
    await api().post('/v1/invitations/accept').set(bearer(other.token)).send({ token: added.body.token }).expect(403);
    await verifyKeptAddress(other.email);
    const otherJoined = await api().post('/v1/invitations/accept').set(bearer(other.token)).send({ token: added.body.token }).expect(200);
    expect(otherJoined.body).toEqual({ tenantId: tenant.tenantId, role: 'viewer' });
    await api().post('/v1/members').set(owner).send({ email: other.email, role: 'viewer' }).expect(409);
    const otherId = (await api().get('/v1/me').set(bearer(other.token)).expect(200)).body.user.id;

    const { body: list } = await api().get('/v1/members').set(newcomer).expect(200);
    expect(list.items.map((m: { role: string }) => m.role)).toEqual(['owner', 'operator', 'viewer']);
    const newcomerId = list.items[1].userId;

    // Roles take effect on sessions issued before the change.
    await api().get('/v1/secrets').set(newcomer).expect(200);
    await api().patch(`/v1/members/${newcomerId}`).set(owner).send({ role: 'viewer' }).expect(200);
    await until(async () => (await api().get('/v1/secrets').set(newcomer)).status === 403);
    // An admin cannot touch an owner nor make one; nobody grants above themselves.
    await api().patch(`/v1/members/${newcomerId}`).set(owner).send({ role: 'admin' }).expect(200);
    await until(
      async () =>
        (
          await api()
            .post('/v1/members')
            .set(newcomer)
            .send({ email: `x-${randomUUID()}@example.test`, role: 'viewer' })
        ).status === 201,
    );
    await api().patch(`/v1/members/${ownerId}`).set(newcomer).send({ role: 'viewer' }).expect(403);
    await api().patch(`/v1/members/${newcomerId}`).set(newcomer).send({ role: 'owner' }).expect(403);
    await api()
      .post('/v1/members')
      .set(newcomer)
      .send({ email: `y-${randomUUID()}@example.test`, role: 'owner' })
      .expect(403);
    // The last owner stays.
    const lastOwner = await api().patch(`/v1/members/${ownerId}`).set(owner).send({ role: 'admin' }).expect(409);
    expect(lastOwner.body.code).toBe('last_owner');
    await api().delete(`/v1/members/${ownerId}`).set(owner).expect(409);
    // With a second owner the first may step down.
    await api().patch(`/v1/members/${newcomerId}`).set(owner).send({ role: 'owner' }).expect(200);
    await api().patch(`/v1/members/${ownerId}`).set(owner).send({ role: 'admin' }).expect(200);

    // Removed: the session stops working.
    await api().delete(`/v1/members/${otherId}`).set(owner).expect(204);
    const otherSession = (
      await api().post('/v1/auth/login').send({ email: other.email, password: other.password, tenant: tenant.tenantId })
    ).status;
    expect(otherSession).toBe(401);
    await api().delete(`/v1/members/${randomUUID()}`).set(owner).expect(404);
  });

  it("lists a person's tenants and switches between them without the password, only into their own", async () => {
    const home = await newTenant();
    const joined = await newTenant();
    await verifyKeptAddress(home.email);
    const invitation = await api().post('/v1/members').set(bearer(joined.token)).send({ email: home.email, role: 'operator' }).expect(201);
    await api().post('/v1/invitations/accept').set(bearer(home.token)).send({ token: invitation.body.token }).expect(200);

    const me = (await api().get('/v1/me').set(bearer(home.token)).expect(200)).body;
    expect(me.tenants).toEqual([
      { id: home.tenantId, name: expect.any(String), role: 'owner' },
      { id: joined.tenantId, name: expect.any(String), role: 'operator' },
    ]);
    const switched = await api().post('/v1/auth/switch').set(bearer(home.token)).send({ tenant: joined.tenantId }).expect(200);
    expect((await api().get('/v1/me').set(bearer(switched.body.token)).expect(200)).body).toMatchObject({
      tenant: { id: joined.tenantId },
      role: 'operator',
    });
    // Back home, from the switched session.
    const back = await api().post('/v1/auth/switch').set(bearer(switched.body.token)).send({ tenant: home.tenantId }).expect(200);
    expect((await api().get('/v1/me').set(bearer(back.body.token)).expect(200)).body.role).toBe('owner');

    // Not a member: answered as a tenant that does not exist. An API key is no person. A bad id names the field.
    const stranger = await newTenant();
    expect((await api().post('/v1/auth/switch').set(bearer(home.token)).send({ tenant: stranger.tenantId }).expect(404)).body.status).toBe(
      404,
    );
    expect((await api().post('/v1/auth/switch').set(bearer(joined.apiKey)).send({ tenant: joined.tenantId }).expect(403)).body.code).toBe(
      'session_required',
    );
    expect((await api().post('/v1/auth/switch').set(bearer(home.token)).send({ tenant: 'acme' }).expect(400)).body.errors[0].path).toBe(
      'tenant',
    );
    expect((await api().get('/v1/me').set(bearer(joined.apiKey)).expect(200)).body.tenants).toEqual([]);

    // A password change ends the sessions switching made, as it ends the one they came from.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await api()
      .post('/v1/account/password')
      .set(bearer(home.token))
      .send({ currentPassword: home.password, newPassword: 'another long password' })
      .expect(200);
    await api().get('/v1/me').set(bearer(switched.body.token)).expect(401);
    await api().get('/v1/me').set(bearer(back.body.token)).expect(401);
  });

  it('lists the open invitations to admins, and a revoked one no longer lets anyone in', async () => {
    const tenant = await newTenant();
    const owner = bearer(tenant.token);
    const ownerId = (await api().get('/v1/me').set(owner).expect(200)).body.user.id;
    const invite = async (role: string) =>
      (
        await api()
          .post('/v1/members')
          .set(owner)
          .send({ email: `inv-${randomUUID()}@example.test`, role })
          .expect(201)
      ).body;
    const accepted = await invite('viewer');
    const kept = await invite('operator');
    const revoked = await invite('admin');
    await api().post('/v1/invitations/accept').send({ token: accepted.token, password: 'a brand new password' }).expect(200);

    const { body } = await api().get('/v1/invitations').set(owner).expect(200);
    expect(body.items).toEqual([
      {
        id: revoked.invitation.id,
        email: revoked.invitation.email,
        role: 'admin',
        invitedBy: ownerId,
        createdAt: expect.any(String),
        expiresAt: revoked.invitation.expiresAt,
      },
      {
        id: kept.invitation.id,
        email: kept.invitation.email,
        role: 'operator',
        invitedBy: ownerId,
        createdAt: expect.any(String),
        expiresAt: kept.invitation.expiresAt,
      },
    ]);
    expect(JSON.stringify(body)).not.toContain(kept.token);

    await api().delete(`/v1/invitations/${revoked.invitation.id}`).set(owner).expect(204);
    await api().post('/v1/invitations/accept').send({ token: revoked.token, password: 'a brand new password' }).expect(404);
    await api().delete(`/v1/invitations/${revoked.invitation.id}`).set(owner).expect(404);
    await api().delete(`/v1/invitations/${accepted.invitation.id}`).set(owner).expect(404);
    expect((await api().get('/v1/invitations').set(owner).expect(200)).body.items.map((i: { id: string }) => i.id)).toEqual([
      kept.invitation.id,
    ]);

    // Another tenant sees none of them and revokes none; a bad id names the field.
    const other = await newTenant();
    expect((await api().get('/v1/invitations').set(bearer(other.token)).expect(200)).body.items).toEqual([]);
    await api().delete(`/v1/invitations/${kept.invitation.id}`).set(bearer(other.token)).expect(404);
    expect((await api().delete('/v1/invitations/nope').set(owner).expect(400)).body.errors[0].path).toBe('id');
    await api().post('/v1/invitations/accept').send({ token: kept.token, password: 'a brand new password' }).expect(200);
  });

  it("stops a removed member's API keys at once", async () => {
    const tenant = await newTenant();
    const owner = bearer(tenant.token);
    const invited = await api()
      .post('/v1/members')
      .set(owner)
      .send({ email: `k-${randomUUID()}@example.test`, role: 'admin' })
      .expect(201);
    const session = await api()
      .post('/v1/invitations/accept')
      .send({ token: invited.body.token, password: 'a brand new password' })
      .expect(200);
    const admin = bearer(session.body.token);
    const key = (await api().post('/v1/api-keys').set(admin).send({ name: 'theirs', role: 'viewer' }).expect(201)).body;
    await api().get('/v1/runs').set(bearer(key.key)).expect(200);
    const adminId = (await api().get('/v1/me').set(admin).expect(200)).body.user.id;
    await api().delete(`/v1/members/${adminId}`).set(owner).expect(204);
    await api().get('/v1/runs').set(bearer(key.key)).expect(401);
  });

  it('keeps each tenant to its own members', async () => {
    const a = await newTenant();
    const b = await newTenant();
    const aOwner = (await api().get('/v1/me').set(bearer(a.token)).expect(200)).body.user.id;
    await api().patch(`/v1/members/${aOwner}`).set(bearer(b.token)).send({ role: 'viewer' }).expect(404);
    await api().delete(`/v1/members/${aOwner}`).set(bearer(b.token)).expect(404);
    expect((await api().get('/v1/members').set(bearer(b.token)).expect(200)).body.items).toHaveLength(1);
    await a.post('/v1/members', { email: 'someone@example.test', role: 'viewer' }).expect(403);
  });
});
