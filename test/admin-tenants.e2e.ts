import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { api, newPipeline, newTenant, runToEnd, uniqueName, until } from './support/builders.js';

const asAdmin = <T extends { set(name: string, value: string): T }>(request: T) =>
  request.set('authorization', `Bearer ${inject('adminToken')}`);

describe('installation operator: /v1/admin/tenants', () => {
  it('opens only to BATON_ADMIN_TOKEN, never to a tenant credential', async () => {
    const tenant = await newTenant();
    await api().get('/v1/admin/tenants').expect(401);
    await api().get('/v1/admin/tenants').set('authorization', 'Bearer wrong-token-wrong-token-wrong-token').expect(401);
    await api().get('/v1/admin/tenants').set('authorization', `Bearer ${tenant.token}`).expect(401);
    await api().get('/v1/admin/tenants').set('authorization', `Bearer ${tenant.apiKey}`).expect(401);
    await asAdmin(api().get('/v1/admin/tenants')).expect(200);
  });

  it('creates tenants, lists them newest first, and suspends and resumes one without touching the others', async () => {
    const email = `owner-${randomUUID()}@example.test`;
    const created = await asAdmin(api().post('/v1/admin/tenants'))
      .send({ tenantName: 'Made by the operator', email, password: 'a long enough password' })
      .expect(201);
    expect(created.body).toMatchObject({ tenant: { name: 'Made by the operator', status: 'active' }, user: { email } });
    expect(created.body).not.toHaveProperty('token');
    const login = await api().post('/v1/auth/login').send({ email, password: 'a long enough password' }).expect(200);
    const listed = await asAdmin(api().get('/v1/admin/tenants?limit=5')).expect(200);
    expect(listed.body.items[0]).toMatchObject({ id: created.body.tenant.id });
    await asAdmin(api().post('/v1/admin/tenants')).send({ tenantName: 'x', email: 'bad', password: 'short' }).expect(400);

    // Suspended: every credential of the tenant is refused, the operator's own session included.
    const tenant = await newTenant();
    const bystander = await newTenant();
    const pipeline = newPipeline(uniqueName('p'), { e: { uses: 'core/echo@^1', with: {} } });
    const suspended = await asAdmin(api().post(`/v1/admin/tenants/${tenant.tenantId}/suspend`)).expect(200);
    expect(suspended.body).toMatchObject({ id: tenant.tenantId, status: 'suspended' });
    await until(async () => (await tenant.get('/v1/pipelines')).status === 403);
    const refused = await tenant.put(`/v1/pipelines/${pipeline.name}`, pipeline).expect(403);
    expect(refused.body).toMatchObject({ code: 'tenant_suspended' });
    await api().get('/v1/me').set('authorization', `Bearer ${tenant.token}`).expect(403);
    // Other tenants go on as before.
    expect((await runToEnd(bystander, pipeline)).status).toBe('succeeded');
    expect(login.body.token).toBeTruthy();

    await asAdmin(api().post(`/v1/admin/tenants/${tenant.tenantId}/resume`)).expect(200);
    await until(async () => (await tenant.get('/v1/pipelines')).status === 200);
    expect((await runToEnd(tenant, pipeline)).status).toBe('succeeded');
    // The tenant's admins see what the installation operator did to it, with the refused calls of its own members.
    const { body: log } = await api().get('/v1/audit-log').set('authorization', `Bearer ${tenant.token}`).expect(200);
    const operatorActions = log.items.filter((e: { actor: { kind: string } }) => e.actor.kind === 'installation');
    expect(operatorActions.map((e: { action: string; status: number; target: object }) => [e.action, e.status, e.target])).toEqual([
      ['POST /v1/admin/tenants/:id/resume', 200, { id: tenant.tenantId }],
      ['POST /v1/admin/tenants/:id/suspend', 200, { id: tenant.tenantId }],
    ]);
    expect(log.items.some((e: { action: string; status: number }) => e.action === 'PUT /v1/pipelines/:name' && e.status === 403)).toBe(
      true,
    );
    await asAdmin(api().post(`/v1/admin/tenants/${randomUUID()}/suspend`)).expect(404);
    await asAdmin(api().post('/v1/admin/tenants/not-a-uuid/suspend')).expect(400);
  });
});
