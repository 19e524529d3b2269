import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, newTenant } from '../support/builders.js';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from '../support/processes.js';

const PER_MINUTE = 3;

/**
 * Behind a load balancer every request came from the balancer's address: with `trustProxy` off for
 * good, one client's failed logins used up everyone's budget of the public routes (an attacker
 * locks every user out of sign-in), and the audit log named the balancer. With TRUST_PROXY naming
 * the balancer, the client address comes from X-Forwarded-For, as Fastify derives it: only the
 * hops the trusted proxy added count, so a client cannot pick its own address.
 */
describe('rate limits behind a reverse proxy', () => {
  let baseUrl: string;
  let replica: BatonProcess;

  beforeAll(async () => {
    const port = await freePort();
    // The tests' requests come from 127.0.0.1: that is the proxy here.
    replica = spawnBaton('api', {
      ...inject('apiEnv'),
      PORT: String(port),
      TRUST_PROXY: '127.0.0.1',
      AUTH_RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
    });
    baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${baseUrl}/readyz`, 60_000, () => replica.child.exitCode === null);
  });
  afterAll(async () => {
    await replica?.stop();
  });

  const login = (forwardedFor: string) =>
    api(baseUrl)
      .post('/v1/auth/login')
      .set('x-forwarded-for', forwardedFor)
      .send({ email: `nobody-${randomUUID()}@example.test`, password: 'wrong password, again' });

  it('keys the public routes by the client behind the proxy, not by the proxy', async () => {
    for (let i = 0; i < PER_MINUTE; i++) expect((await login('198.51.100.7')).status).toBe(401);
    const limited = await login('198.51.100.7');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    // Another client behind the same proxy still signs in (here: is told its password is wrong).
    expect((await login('198.51.100.8')).status).toBe(401);
  });

  it('lets no client choose its address by adding its own X-Forwarded-For entries', async () => {
    for (let i = 0; i < PER_MINUTE; i++) expect((await login(`203.0.113.${i + 1}, 198.51.100.9`)).status).toBe(401);
    expect((await login('203.0.113.99, 198.51.100.9')).status).toBe(429);
  });

  it('keys credentialed requests by tenant, and records the client address in the audit log', async () => {
    const tenant = await newTenant();
    const created = await api(baseUrl)
      .post('/v1/api-keys')
      .set('authorization', `Bearer ${tenant.token}`)
      .set('x-forwarded-for', '192.0.2.44')
      .send({ name: 'behind-proxy', role: 'viewer' })
      .expect(201);
    // Past the public budget of 198.51.100.7, a tenant's credential is held to the tenant's budget instead.
    await api(baseUrl).get('/v1/me').set('authorization', `Bearer ${tenant.token}`).set('x-forwarded-for', '198.51.100.7').expect(200);
    const { body } = await api(baseUrl).get('/v1/audit-log').set('authorization', `Bearer ${tenant.token}`).expect(200);
    const entry = body.items.find((e: { target: Record<string, unknown>; action: string }) => e.action === 'POST /v1/api-keys');
    expect(entry, JSON.stringify(body.items)).toBeDefined();
    expect(entry.sourceIp).toBe('192.0.2.44');
    expect(created.body.key).toMatch(/^bk_/);
  });
});
