import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, newTenant, type TestTenant } from './support/builders.js';
import { startBillingApi, subscribe, type BillingApi } from './support/billing.js';

const FREE_PER_MINUTE = 15;
const ANONYMOUS_PER_MINUTE = 8;

/** On an API of its own: the budgets it spends would slow every other test. */
describe('Rate limits', () => {
  let server: BillingApi;
  let tenants: TestTenant[];

  beforeAll(async () => {
    server = await startBillingApi(
      {
        defaultPlan: 'free',
        plans: {
          free: { title: 'Free', limits: { requestsPerMinute: FREE_PER_MINUTE } },
          team: { title: 'Team', priceId: 'price_team', limits: { requestsPerMinute: 100_000 } },
        },
      },
      { AUTH_RATE_LIMIT_PER_MINUTE: String(ANONYMOUS_PER_MINUTE), RATE_LIMIT_PER_MINUTE: '100000' },
    );
    // Two sign-ups of the address's budget.
    tenants = [await newTenant(server.baseUrl), await newTenant(server.baseUrl)];
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("gives each tenant its plan's budget across routes and credentials, answers 429 with Retry-After, and leaves other tenants alone", async () => {
    const [a, b] = tenants as [TestTenant, TestTenant];
    const statuses: number[] = [];
    for (let i = 0; i < FREE_PER_MINUTE + 3; i++) {
      // Alternate credentials and routes: the budget is the tenant's, not the key's or the route's.
      const response =
        i % 2 ? await a.get('/v1/pipelines') : await api(server.baseUrl).get('/v1/me').set('authorization', `Bearer ${a.token}`);
      statuses.push(response.status);
      if (response.status === 429) {
        expect(response.headers['content-type']).toContain('application/problem+json');
        expect(response.body).toMatchObject({ status: 429, code: 'rate_limited', limit: FREE_PER_MINUTE });
        const retryAfter = Number(response.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
    }
    // The key creation during sign-up already spent one.
    expect(statuses.filter((s) => s === 200).length).toBe(FREE_PER_MINUTE - 1);
    expect(statuses.slice(FREE_PER_MINUTE - 1).every((s) => s === 429)).toBe(true);
    await b.get('/v1/pipelines').expect(200);
    // Health probes are never limited.
    await api(server.baseUrl).get('/healthz').expect(200);
  });

  it('lifts the budget with a plan that allows more', async () => {
    const [a] = tenants as [TestTenant];
    await a.get('/v1/pipelines').expect(429);
    await subscribe(server.baseUrl, a.tenantId, 'team');
    await a.get('/v1/pipelines').expect(200);
  });

  it('limits the public routes per client address (login guessing, mail requests)', async () => {
    const [, b] = tenants as [TestTenant, TestTenant];
    const statuses: number[] = [];
    for (let i = 0; i < ANONYMOUS_PER_MINUTE; i++)
      statuses.push(
        (
          await api(server.baseUrl)
            .post('/v1/auth/login')
            .send({ email: b.email, password: `guess ${i}` })
        ).status,
      );
    // The two sign-ups spent two of the address's budget (the subscription webhook is never counted).
    expect(statuses.filter((s) => s === 401).length).toBe(ANONYMOUS_PER_MINUTE - 2);
    expect(statuses.slice(ANONYMOUS_PER_MINUTE - 2)).toEqual([429, 429]);
    // Even the right password waits now: guessing is not rewarded.
    const right = await api(server.baseUrl).post('/v1/auth/login').send({ email: b.email, password: b.password });
    expect(right.status).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    // Asking for mail counts against the same budget: nobody floods a mailbox from one address.
    await api(server.baseUrl).post('/v1/account/password-reset').send({ email: b.email }).expect(429);
    await api(server.baseUrl).post('/v1/account/verify/resend').send({ email: b.email }).expect(429);
    // A tenant's own budget is separate from its address's, and the installation operator (past the
    // access guard only with the token) is not held to the address's.
    await b.get('/v1/pipelines').expect(200);
    await api(server.baseUrl)
      .get('/v1/admin/tenants')
      .set('authorization', `Bearer ${inject('adminToken')}`)
      .expect(200);
  });
});
