import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { hashPassword, LEGACY_COST } from '../src/common/auth/password.js';
import { api, newTenant } from './support/builders.js';

describe('health and docs', () => {
  it('answers liveness and readiness without a credential', async () => {
    await api().get('/healthz').expect(200, { status: 'ok' });
    const ready = await api().get('/readyz').expect(200);
    expect(ready.body.checks).toEqual({ postgres: 'ok', temporal: 'ok' });
  });

  it('publishes an OpenAPI 3.1 document that lists the API and its security', async () => {
    const { body } = await api().get('/openapi.json').expect(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/v1/signup', '/v1/pipelines/{name}', '/v1/pipelines/{name}/runs', '/v1/runs/{id}/cancel']),
    );
    expect(body.paths['/v1/api-keys'].post.requestBody.content['application/json'].schema.required).toEqual(['name', 'role']);
    await api().get('/docs').expect(200).expect('content-type', /html/);
  });
});

describe('accounts', () => {
  it('signs up an owner, logs in again and shows who is calling', async () => {
    const tenant = await newTenant();
    const login = await api().post('/v1/auth/login').send({ email: tenant.email.toUpperCase(), password: tenant.password }).expect(200);
    expect(new Date(login.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const me = await api().get('/v1/me').set('authorization', `Bearer ${login.body.token}`).expect(200);
    expect(me.body).toMatchObject({ role: 'owner', plan: 'self-hosted', tenant: { id: tenant.tenantId }, user: { email: tenant.email } });
    const viaKey = await tenant.get('/v1/me').expect(200);
    expect(viaKey.body).toMatchObject({ role: 'operator', user: null, tenant: { id: tenant.tenantId } });
  });

  it('answers a wrong password and an unknown email alike, and a taken email with a conflict', async () => {
    const tenant = await newTenant();
    const wrong = await api().post('/v1/auth/login').send({ email: tenant.email, password: 'not the password' }).expect(401);
    const unknown = await api().post('/v1/auth/login').send({ email: 'nobody@example.test', password: 'not the password' }).expect(401);
    expect(wrong.body.detail).toBe(unknown.body.detail);
    await api().post('/v1/signup').send({ tenantName: 'again', email: tenant.email, password: 'another long password' }).expect(409);
  });

  it("still lets in a password hashed at the old scrypt cost, and rehashes it at today's on that login", async () => {
    const tenant = await newTenant();
    const db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    try {
      // As an installation from before issue 17 stored it (N=2^14, r=8, p=1).
      await db.query('UPDATE user_account SET password_hash = $2 WHERE email = $1', [
        tenant.email,
        await hashPassword(tenant.password, LEGACY_COST),
      ]);
      await api().post('/v1/auth/login').send({ email: tenant.email, password: 'not the password' }).expect(401);
      expect((await db.query('SELECT password_hash FROM user_account WHERE email = $1', [tenant.email])).rows[0].password_hash).toMatch(
        /^scrypt\$16384\$8\$1\$/,
      );
      const login = await api().post('/v1/auth/login').send({ email: tenant.email, password: tenant.password }).expect(200);
      expect((await db.query('SELECT password_hash FROM user_account WHERE email = $1', [tenant.email])).rows[0].password_hash).toMatch(
        /^scrypt\$16384\$8\$5\$/,
      );
      // Rehashing is no password change: sessions live on.
      await api().get('/v1/me').set('authorization', `Bearer ${tenant.token}`).expect(200);
      await api().get('/v1/me').set('authorization', `Bearer ${login.body.token}`).expect(200);
      await api().post('/v1/auth/login').send({ email: tenant.email, password: tenant.password }).expect(200);
    } finally {
      await db.end();
    }
  });

  it('creates, lists and revokes API keys, stored hashed and shown once', async () => {
    const tenant = await newTenant();
    const owner = (test: ReturnType<ReturnType<typeof api>['get']>) => test.set('authorization', `Bearer ${tenant.token}`);
    const created = await owner(api().post('/v1/api-keys')).send({ name: 'ci', role: 'viewer' }).expect(201);
    expect(created.body.key).toMatch(/^bk_/);
    const list = await owner(api().get('/v1/api-keys')).expect(200);
    expect(list.body.items.map((k: { name: string }) => k.name)).toEqual(['ci', 'e2e']);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    await api().get('/v1/me').set('authorization', `Bearer ${created.body.key}`).expect(200);
    await owner(api().delete(`/v1/api-keys/${created.body.id}`)).expect(204);
    await api().get('/v1/me').set('authorization', `Bearer ${created.body.key}`).expect(401);
    await owner(api().delete(`/v1/api-keys/${created.body.id}`)).expect(404);
  });

  it('checks roles: a viewer key reads but cannot write, nobody mints a key above their role, a publisher sees only its own routes', async () => {
    const tenant = await newTenant();
    const viewer = await api()
      .post('/v1/api-keys')
      .set('authorization', `Bearer ${tenant.token}`)
      .send({ name: 'v', role: 'viewer' })
      .expect(201);
    const asViewer = (t: ReturnType<ReturnType<typeof api>['get']>) => t.set('authorization', `Bearer ${viewer.body.key}`);
    await asViewer(api().get('/v1/pipelines')).expect(200);
    const denied = await asViewer(api().put('/v1/pipelines/x')).send({}).expect(403);
    expect(denied.headers['content-type']).toMatch(/application\/problem\+json/);
    await asViewer(api().post('/v1/api-keys')).send({ name: 'x', role: 'viewer' }).expect(403);
    await tenant.post('/v1/api-keys', { name: 'escalate', role: 'owner' }).expect(403);

    const publisher = await api()
      .post('/v1/api-keys')
      .set('authorization', `Bearer ${tenant.token}`)
      .send({ name: 'p', role: 'publisher' })
      .expect(201);
    const asPublisher = (t: ReturnType<ReturnType<typeof api>['get']>) => t.set('authorization', `Bearer ${publisher.body.key}`);
    expect((await asPublisher(api().get('/v1/me')).expect(200)).body.role).toBe('publisher');
    await asPublisher(api().get('/v1/plugins')).expect(200);
    await asPublisher(api().get('/v1/pipelines')).expect(403);
    await asPublisher(api().get('/v1/runs')).expect(403);
  });

  it('keeps API keys apart between tenants', async () => {
    const [a, b] = [await newTenant(), await newTenant()];
    const key = await api().post('/v1/api-keys').set('authorization', `Bearer ${a.token}`).send({ name: 'a', role: 'viewer' }).expect(201);
    await api().delete(`/v1/api-keys/${key.body.id}`).set('authorization', `Bearer ${b.token}`).expect(404);
    const listed = await api().get('/v1/api-keys').set('authorization', `Bearer ${b.token}`).expect(200);
    expect(listed.body.items.map((k: { id: string }) => k.id)).not.toContain(key.body.id);
    await api().get('/v1/me').set('authorization', `Bearer ${key.body.key}`).expect(200);
  });

  it('answers 401 problem+json without a credential or with a forged one', async () => {
    const none = await api().get('/v1/runs').expect(401);
    expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(none.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    await api().get('/v1/runs').set('authorization', 'Bearer bk_forged').expect(401);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const claims = Buffer.from(JSON.stringify({ sub: crypto.randomUUID(), tid: crypto.randomUUID(), role: 'owner' })).toString('base64url');
    await api().get('/v1/runs').set('authorization', `Bearer ${header}.${claims}.`).expect(401);
  });
});
