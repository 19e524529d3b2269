import { createHmac, randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { api, newPipeline, newTenant, uniqueName } from './support/builders.js';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT made by hand, so each negative differs from a valid token in exactly one way. */
function jwt(claims: object, secret: string, alg = 'HS256'): string {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  const hash = { HS256: 'sha256', HS512: 'sha512' }[alg] ?? 'sha256';
  return `${head}.${createHmac(hash, secret).update(head).digest('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);

describe('credentials', () => {
  it('refuses every token that is not exactly one the API issued and still valid, and a revoked key', async () => {
    const tenant = await newTenant();
    const me = (await api().get('/v1/me').set('authorization', `Bearer ${tenant.token}`).expect(200)).body;
    const claims = { sub: me.user.id, tid: tenant.tenantId, role: 'owner', iat: now(), exp: now() + 600 };
    const secret = inject('jwtSecret');
    const call = (token: string) => api().get('/v1/pipelines').set('authorization', `Bearer ${token}`);

    // The control: the same claims, signed as the API signs, pass.
    await call(jwt(claims, secret)).expect(200);
    const refused = [
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`],
      ['another key', jwt(claims, 'not-the-secret-not-the-secret-not-the-secret')],
      ['another algorithm', jwt(claims, secret, 'HS512')],
      ['expired', jwt({ ...claims, iat: now() - 7200, exp: now() - 3600 }, secret)],
      [
        'edited claims',
        (() => {
          const [head, , signature] = tenant.token.split('.');
          const edited = JSON.parse(Buffer.from(tenant.token.split('.')[1], 'base64url').toString());
          return `${head}.${b64({ ...edited, tid: randomUUID() })}.${signature}`;
        })(),
      ],
      // Well signed, but this user is not a member of that tenant.
      ['a tenant the user is not in', jwt({ ...claims, tid: (await newTenant()).tenantId }, secret)],
      ['a user that does not exist', jwt({ ...claims, sub: randomUUID() }, secret)],
    ] as const;
    for (const [why, token] of refused) {
      const response = await call(token);
      expect(response.status, why).toBe(401);
      expect(response.headers['content-type'], why).toContain('application/problem+json');
    }

    const key = (
      await api().post('/v1/api-keys').set('authorization', `Bearer ${tenant.token}`).send({ name: 'temp', role: 'viewer' }).expect(201)
    ).body;
    await call(key.key).expect(200);
    await api().delete(`/v1/api-keys/${key.id}`).set('authorization', `Bearer ${tenant.token}`).expect(204);
    await call(key.key).expect(401);
  });

  it('refuses unknown fields: a tenant, role or plan slipped into a body is rejected and changes nothing', async () => {
    const tenant = await newTenant();
    const owner = { authorization: `Bearer ${tenant.token}` };
    const other = await newTenant();
    const attempts = [
      api()
        .post('/v1/signup')
        .send({ tenantName: 'x', email: `m-${randomUUID()}@example.test`, password: 'a long enough password', plan: 'enterprise' }),
      api().post('/v1/api-keys').set(owner).send({ name: 'k', role: 'viewer', tenantId: other.tenantId }),
      api().put('/v1/secrets/MASS').set(owner).send({ value: 'value-1234', tenantId: other.tenantId }),
      api().post('/v1/members').set(owner).send({ email: other.email, role: 'viewer', tenantId: other.tenantId }),
      api().post('/v1/plugins/core/enable').set(owner).send({ tenantId: other.tenantId }),
    ];
    for (const attempt of attempts) {
      const response = await attempt;
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(response.body.errors.map((e: { message: string }) => e.message)).toContain('Unknown field');
    }
    const pipeline = newPipeline(uniqueName('mass'), { e: { uses: 'core/echo@^1', with: {} } });
    await tenant.put(`/v1/pipelines/${pipeline.name}`, { ...pipeline, tenantId: other.tenantId }).expect(422);
    await tenant.post(`/v1/pipelines/${uniqueName('none')}/runs`, { tenantId: other.tenantId }).expect(400);

    // Nothing changed: the plan, the keys, the secrets and the members are as they were.
    expect((await api().get('/v1/me').set(owner).expect(200)).body).toMatchObject({ plan: 'self-hosted', role: 'owner' });
    expect((await api().get('/v1/api-keys').set(owner).expect(200)).body.items).toHaveLength(1);
    expect(
      (
        await api()
          .get('/v1/secrets')
          .set({ authorization: `Bearer ${other.token}` })
          .expect(200)
      ).body.items,
    ).toEqual([]);
    expect(
      (
        await api()
          .get('/v1/members')
          .set({ authorization: `Bearer ${other.token}` })
          .expect(200)
      ).body.items,
    ).toHaveLength(1);
  });
});
