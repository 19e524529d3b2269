import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, newPipeline, newTenant, uniqueName, until, waitForRun, type TestTenant } from './support/builders.js';
import { deliver, invoiceObject, startBillingApi, stripeEvent, subscribe, subscriptionObject, type BillingApi } from './support/billing.js';

const PLANS = {
  defaultPlan: 'free',
  plans: {
    free: {
      title: 'Free',
      limits: { pipelines: 2, runsPerMonth: 3, concurrentRuns: 1, schedules: 1, stepSecondsPerMonth: 4, retentionDays: 1 },
      plugins: ['core', 'pipeline'],
    },
    team: { title: 'Team', priceId: 'price_team', limits: { pipelines: 10, runsPerMonth: 100, concurrentRuns: 5 } },
    enterprise: { title: 'Enterprise', priceId: 'price_enterprise' },
  },
};

const echo = (name: string) => newPipeline(name, { hello: { uses: 'core/echo@^1', with: { value: 'hi' } } });
const sleeper = (name: string, ms: number) => newPipeline(name, { nap: { uses: 'core/sleep@^1', with: { ms } } });

describe("Billing off (no STRIPE_SECRET_KEY, as the stack's own API runs)", () => {
  it('puts every tenant on the self-hosted plan without limits and says billing is disabled', async () => {
    const tenant = await newTenant();
    expect((await api().get('/v1/billing/plans').expect(200)).body).toMatchObject({
      billing: 'disabled',
      items: [{ name: 'self-hosted', limits: { pipelines: null, runsPerMonth: null } }],
    });
    expect((await tenant.get('/v1/billing/subscription').expect(200)).body).toEqual({
      billing: 'disabled',
      plan: 'self-hosted',
      status: null,
    });
    expect((await tenant.get('/v1/billing/usage').expect(200)).body).toMatchObject({
      plan: 'self-hosted',
      runs: { limit: null },
      pipelines: { used: 0, limit: null },
    });
    for (const path of ['/v1/billing/checkout', '/v1/billing/portal']) {
      const response = await api()
        .post(path)
        .set('authorization', `Bearer ${tenant.token}`)
        .send(path.endsWith('checkout') ? { plan: 'team' } : {})
        .expect(404);
      expect(response.body.code).toBe('billing_disabled');
    }
    const webhook = await deliver(inject('baseUrl'), stripeEvent('invoice.paid', invoiceObject('cus_x'))).expect(404);
    expect(webhook.body.code).toBe('billing_disabled');
    // A console shows an empty invoice list and says why.
    expect((await tenant.get('/v1/billing/invoices').expect(200)).body).toEqual({ billing: 'disabled', items: [], nextCursor: null });
    expect((await tenant.get('/v1/billing/invoices?limit=101').expect(400)).body.errors[0].path).toBe('query.limit');
    await api().get('/v1/billing/invoices').expect(401);
  });
});

describe('Billing', () => {
  let billing: BillingApi;
  let db: pg.Client;
  const owner = (tenant: TestTenant) => (path: string) => api(billing.baseUrl).post(path).set('authorization', `Bearer ${tenant.token}`);
  const planOf = async (tenant: TestTenant) => (await tenant.get('/v1/billing/subscription').expect(200)).body.plan;

  beforeAll(async () => {
    billing = await startBillingApi(PLANS);
    db = new pg.Client({ connectionString: billing.installation.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await billing?.stop();
  });

  describe('plans and subscriptions', () => {
    it('lists the configured plans publicly, and a new tenant starts on the default plan', async () => {
      const { body } = await api(billing.baseUrl).get('/v1/billing/plans').expect(200);
      expect(body.billing).toBe('stripe');
      expect(body.items.map((p: { name: string }) => p.name)).toEqual(['free', 'team', 'enterprise']);
      expect(body.items[0]).toMatchObject({ default: true, sold: false, limits: { pipelines: 2, runsPerMonth: 3 } });
      const tenant = await newTenant(billing.baseUrl);
      expect(
        await tenant
          .get('/v1/billing/subscription')
          .expect(200)
          .then((r) => r.body),
      ).toMatchObject({ billing: 'stripe', plan: 'free', customer: false, status: null });
      expect((await tenant.get('/v1/me').expect(200)).body.plan).toBe('free');
    });

    it('checkout makes a Stripe customer once and returns the Checkout URL; the portal needs that customer', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const buy = owner(tenant);
      await buy('/v1/billing/portal').expect(409);
      const first = await buy('/v1/billing/checkout').send({ plan: 'team' }).expect(201);
      expect(first.body.url).toMatch(/^https:\/\/checkout\.stripe\.com\//);
      await buy('/v1/billing/checkout').send({ plan: 'enterprise' }).expect(201);
      const customers = billing.stripe.calls.filter(
        (c) => c.path === '/v1/customers' && c.params.get('metadata[tenantId]') === tenant.tenantId,
      );
      expect(customers).toHaveLength(1);
      const sessions = billing.stripe.calls.filter(
        (c) => c.path === '/v1/checkout/sessions' && c.params.get('client_reference_id') === tenant.tenantId,
      );
      expect(sessions.map((s) => s.params.get('line_items[0][price]'))).toEqual(['price_team', 'price_enterprise']);
      expect(sessions[0].params.get('mode')).toBe('subscription');
      expect((await buy('/v1/billing/portal').expect(200)).body.url).toMatch(/^https:\/\//);
    });

    it('refuses unknown and unsold plans naming the field, and members below owner', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const unknown = await owner(tenant)('/v1/billing/checkout').send({ plan: 'platinum' }).expect(400);
      expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'plan' })]);
      expect((await owner(tenant)('/v1/billing/checkout').send({ plan: 'free' }).expect(400)).body.code).toBe('plan_not_sold');
      await owner(tenant)('/v1/billing/checkout').send({ plan: 'team', tenantId: randomUUID() }).expect(400);
      await tenant.post('/v1/billing/checkout', { plan: 'team' }).expect(403);
    });

    it('moves a paying tenant to another plan now, or to the default plan when its period ends, never into a second subscription', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const { customer, subscription } = await subscribe(billing.baseUrl, tenant.tenantId, 'team');
      const from = billing.stripe.calls.length;
      const upgraded = await owner(tenant)('/v1/billing/checkout').send({ plan: 'enterprise' }).expect(201);
      expect(upgraded.body).toEqual({ url: expect.stringMatching(/\/billing\/success\?change=enterprise$/), change: 'updated' });
      const update = billing.stripe.calls.slice(from).filter((c) => c.method === 'POST' && c.path === `/v1/subscriptions/${subscription}`);
      expect(update).toHaveLength(1);
      expect(Object.fromEntries(update[0].params)).toMatchObject({
        'items[0][price]': 'price_enterprise',
        proration_behavior: 'create_prorations',
        cancel_at_period_end: 'false',
        'metadata[tenantId]': tenant.tenantId,
        'metadata[plan]': 'enterprise',
      });
      // The plan changes when Stripe says the subscription did.
      expect(await planOf(tenant)).toBe('team');
      const t0 = Math.floor(Date.now() / 1000);
      await deliver(
        billing.baseUrl,
        stripeEvent('customer.subscription.updated', subscriptionObject({ id: subscription, customer, priceId: 'price_enterprise' }), t0),
      ).expect(200);
      expect(await planOf(tenant)).toBe('enterprise');
      expect((await owner(tenant)('/v1/billing/checkout').send({ plan: 'enterprise' }).expect(409)).body.code).toBe('plan_current');

      // Back to the free (default, unsold) plan: the subscription ends with the period it was paid for.
      const downgraded = await owner(tenant)('/v1/billing/checkout').send({ plan: 'free' }).expect(201);
      expect(downgraded.body.change).toBe('cancel_at_period_end');
      const cancels = billing.stripe.calls
        .slice(from)
        .filter((c) => c.path === `/v1/subscriptions/${subscription}` && c.params.get('cancel_at_period_end') === 'true');
      expect(cancels).toHaveLength(1);
      expect(await planOf(tenant)).toBe('enterprise');
      await deliver(
        billing.baseUrl,
        stripeEvent(
          'customer.subscription.deleted',
          subscriptionObject({ id: subscription, customer, priceId: 'price_enterprise', status: 'canceled' }),
          t0 + 10,
        ),
      ).expect(200);
      expect(await planOf(tenant)).toBe('free');
      expect(billing.stripe.calls.slice(from).filter((c) => c.path === '/v1/checkout/sessions')).toEqual([]);
    });
  });

  describe('invoices', () => {
    const invoiceCalls = (from: number) => billing.stripe.calls.slice(from).filter((c) => c.path === '/v1/invoices');
    const viewerOf = async (tenant: TestTenant) => {
      const { body } = await api(billing.baseUrl)
        .post('/v1/api-keys')
        .set('authorization', `Bearer ${tenant.token}`)
        .send({ name: 'viewer', role: 'viewer' })
        .expect(201);
      return (path: string) => api(billing.baseUrl).get(path).set('authorization', `Bearer ${body.key}`);
    };

    it("lists the tenant's own Stripe invoices to any member, asking Stripe for its customer's only", async () => {
      const tenant = await newTenant(billing.baseUrl);
      const { customer } = await subscribe(billing.baseUrl, tenant.tenantId, 'team');
      const viewer = await viewerOf(tenant);
      const from = billing.stripe.calls.length;
      const { body } = await viewer('/v1/billing/invoices').expect(200);
      expect(body.billing).toBe('stripe');
      expect(body.nextCursor).toBeNull();
      // stripe-mock answers every customer's list with its one sample invoice.
      expect(body.items).toEqual([
        {
          id: expect.stringMatching(/^in_/),
          number: null,
          status: expect.any(String),
          amountDue: expect.any(Number),
          amountPaid: expect.any(Number),
          currency: 'usd',
          createdAt: expect.any(String),
          period: { start: expect.any(String), end: expect.any(String) },
          hostedInvoiceUrl: null,
          invoicePdf: null,
        },
      ]);
      expect(body.items[0].createdAt).toBe(new Date(Date.parse(body.items[0].createdAt)).toISOString());
      const [call] = invoiceCalls(from);
      expect(call.method).toBe('GET');
      expect(Object.fromEntries(call.params)).toEqual({ customer, limit: '20' });
    });

    it('pages with an opaque cursor Stripe reads as `starting_after`, and refuses a cursor or limit it did not give', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const { customer } = await subscribe(billing.baseUrl, tenant.tenantId, 'team');
      const from = billing.stripe.calls.length;
      const cursor = Buffer.from(JSON.stringify(['in_1Pgc6tB7WZ01zgkWu9fdqL6I'])).toString('base64url');
      await tenant.get(`/v1/billing/invoices?limit=5&cursor=${cursor}`).expect(200);
      expect(Object.fromEntries(invoiceCalls(from)[0].params)).toEqual({
        customer,
        limit: '5',
        starting_after: 'in_1Pgc6tB7WZ01zgkWu9fdqL6I',
      });
      const forged = Buffer.from(JSON.stringify(['cus_someone'])).toString('base64url');
      for (const [query, path] of [
        ['cursor=garbage', 'query.cursor'],
        [`cursor=${forged}`, 'query.cursor'],
        [`cursor=${'x'.repeat(401)}`, 'query.cursor'],
        ['limit=0', 'query.limit'],
        ['limit=101', 'query.limit'],
        ['customer=cus_someone', 'query.customer'],
      ]) {
        const { body } = await tenant.get(`/v1/billing/invoices?${query}`).expect(400);
        expect(body.errors[0].path, query).toBe(path);
      }
      expect(invoiceCalls(from)).toHaveLength(1);
    });

    it("shows a tenant without a Stripe customer none, without asking Stripe; never another tenant's; 401 without a credential", async () => {
      const payer = await newTenant(billing.baseUrl);
      const { customer } = await subscribe(billing.baseUrl, payer.tenantId, 'team');
      const other = await newTenant(billing.baseUrl);
      const from = billing.stripe.calls.length;
      expect((await other.get('/v1/billing/invoices').expect(200)).body).toEqual({ billing: 'stripe', items: [], nextCursor: null });
      await api(billing.baseUrl).get('/v1/billing/invoices').expect(401);
      await api(billing.baseUrl).get('/v1/billing/invoices').set('authorization', 'Bearer garbage').expect(401);
      expect(invoiceCalls(from)).toEqual([]);
      // Its own customer once it has one, never the payer's.
      const { customer: theirs } = await subscribe(billing.baseUrl, other.tenantId, 'team');
      await other.get('/v1/billing/invoices').expect(200);
      expect(invoiceCalls(from).map((c) => c.params.get('customer'))).toEqual([theirs]);
      expect(theirs).not.toBe(customer);
    });
  });

  describe('webhooks', () => {
    it('refuses a missing header, a bad signature, an altered body and a stale timestamp, and changes nothing', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const event = stripeEvent('checkout.session.completed', {
        id: 'cs_x',
        object: 'checkout.session',
        client_reference_id: tenant.tenantId,
        customer: 'cus_forged',
        subscription: 'sub_forged',
        metadata: { plan: 'enterprise' },
      });
      const refusals = [
        await deliver(billing.baseUrl, event, { noSignature: true }),
        await deliver(billing.baseUrl, event, { secret: 'whsec_someone_else' }),
        await deliver(billing.baseUrl, event, { tamper: (p) => p.replace('"enterprise"', '"team"') }),
        await deliver(billing.baseUrl, event, { signedAt: Math.floor(Date.now() / 1000) - 600 }),
      ];
      for (const response of refusals) {
        expect(response.status, JSON.stringify(response.body)).toBe(400);
        expect(response.body.code).toBe('invalid_signature');
        expect(response.headers['content-type']).toContain('application/problem+json');
      }
      expect(await planOf(tenant)).toBe('free');
      expect((await db.query('SELECT 1 FROM billing_event WHERE id = $1', [event.id])).rowCount).toBe(0);
      // The same event, properly signed, is accepted.
      await deliver(billing.baseUrl, event).expect(200);
      expect(await planOf(tenant)).toBe('enterprise');
    });

    it('processes an event delivered five times at once exactly once', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const { customer, subscription } = await subscribe(billing.baseUrl, tenant.tenantId, 'team');
      const event = stripeEvent(
        'customer.subscription.updated',
        subscriptionObject({ id: subscription, customer, priceId: 'price_enterprise' }),
      );
      const responses = await Promise.all(Array.from({ length: 5 }, () => deliver(billing.baseUrl, event)));
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(responses.filter((r) => r.body.duplicate === false)).toHaveLength(1);
      expect((await db.query('SELECT count(*)::int AS n FROM billing_event WHERE id = $1', [event.id])).rows[0].n).toBe(1);
      expect(await planOf(tenant)).toBe('enterprise');
    });

    it('applies events in any order: an older `created` after `updated` and a stale `updated` after `deleted` change nothing', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const customer = `cus_${randomUUID().slice(0, 8)}`;
      const sub = `sub_${randomUUID().slice(0, 8)}`;
      const t0 = Math.floor(Date.now() / 1000) - 100;
      const object = (priceId: string, status = 'active') =>
        subscriptionObject({ id: sub, customer, priceId, status, tenantId: tenant.tenantId });
      await deliver(billing.baseUrl, stripeEvent('customer.subscription.updated', object('price_enterprise'), t0 + 10)).expect(200);
      expect(await planOf(tenant)).toBe('enterprise');
      await deliver(billing.baseUrl, stripeEvent('customer.subscription.created', object('price_team', 'incomplete'), t0)).expect(200);
      expect(await tenant.get('/v1/billing/subscription').then((r) => r.body)).toMatchObject({ plan: 'enterprise', status: 'active' });
      await deliver(billing.baseUrl, stripeEvent('customer.subscription.deleted', object('price_enterprise', 'canceled'), t0 + 30)).expect(
        200,
      );
      expect(await tenant.get('/v1/billing/subscription').then((r) => r.body)).toMatchObject({ plan: 'free', status: 'canceled' });
      await deliver(billing.baseUrl, stripeEvent('customer.subscription.updated', object('price_enterprise'), t0 + 20)).expect(200);
      await deliver(billing.baseUrl, stripeEvent('customer.subscription.updated', object('price_enterprise'), t0 + 40)).expect(200);
      expect(await tenant.get('/v1/billing/subscription').then((r) => r.body)).toMatchObject({ plan: 'free', status: 'canceled' });
      // A new subscription after the cancellation applies.
      await deliver(
        billing.baseUrl,
        stripeEvent('customer.subscription.created', subscriptionObject({ id: `${sub}2`, customer, priceId: 'price_team' }), t0 + 50),
      ).expect(200);
      expect(await planOf(tenant)).toBe('team');
    });

    it('answers events it does not handle with 200, so Stripe stops retrying them', async () => {
      const response = await deliver(billing.baseUrl, stripeEvent('customer.created', { id: 'cus_other', object: 'customer' })).expect(200);
      expect(response.body).toMatchObject({ received: true, handled: false });
    });
  });

  describe('entitlements', () => {
    it('counts pipelines against the plan (403 naming the limit and the plan that lifts it); upgrading lifts it', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const names = [uniqueName('p'), uniqueName('p'), uniqueName('p')];
      await tenant.put(`/v1/pipelines/${names[0]}`, echo(names[0])).expect(201);
      await tenant.put(`/v1/pipelines/${names[1]}`, echo(names[1])).expect(201);
      const third = await tenant.put(`/v1/pipelines/${names[2]}`, echo(names[2])).expect(403);
      expect(third.body).toMatchObject({
        code: 'plan_limit_reached',
        limit: 'pipelines',
        plan: 'free',
        used: 2,
        max: 2,
        upgradeTo: 'team',
      });
      expect(third.headers['content-type']).toContain('application/problem+json');
      // A new version of an existing pipeline is not a new pipeline.
      await tenant
        .put(`/v1/pipelines/${names[0]}`, newPipeline(names[0], { hello: { uses: 'core/echo@^1', with: { value: 'v2' } } }))
        .expect(201);
      await subscribe(billing.baseUrl, tenant.tenantId, 'team');
      await tenant.put(`/v1/pipelines/${names[2]}`, echo(names[2])).expect(201);
    });

    it("allows only the plan's plugins, when saving a pipeline and when enabling a plugin", async () => {
      const tenant = await newTenant(billing.baseUrl);
      const name = uniqueName('fetch');
      const definition = newPipeline(name, { get: { uses: 'http/request@^1', with: { url: 'https://example.com' } } });
      const saved = await tenant.put(`/v1/pipelines/${name}`, definition).expect(403);
      expect(saved.body).toMatchObject({ code: 'plan_limit_reached', limit: 'plugins', plugin: 'http', plan: 'free', upgradeTo: 'team' });
      const enable = await owner(tenant)('/v1/plugins/files/enable').send({}).expect(403);
      expect(enable.body).toMatchObject({ limit: 'plugins', plugin: 'files' });
      await subscribe(billing.baseUrl, tenant.tenantId, 'team');
      await tenant.put(`/v1/pipelines/${name}`, definition).expect(201);
      await owner(tenant)('/v1/plugins/files/enable').send({}).expect(200);
    });

    it('counts schedules against the plan', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const name = uniqueName('echo');
      await tenant.put(`/v1/pipelines/${name}`, echo(name)).expect(201);
      await tenant.post('/v1/schedules', { pipeline: name, cron: '0 0 1 1 *', paused: true }).expect(201);
      const refused = await tenant.post('/v1/schedules', { pipeline: name, cron: '0 0 1 1 *', paused: true }).expect(403);
      expect(refused.body).toMatchObject({ code: 'plan_limit_reached', limit: 'schedules', used: 1, max: 1, upgradeTo: 'team' });
      await subscribe(billing.baseUrl, tenant.tenantId, 'team');
      await tenant.post('/v1/schedules', { pipeline: name, cron: '0 0 1 1 *', paused: true }).expect(201);
    });

    it('refuses runs over the monthly run limit with 429 and Retry-After until an upgrade', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const name = uniqueName('echo');
      await tenant.put(`/v1/pipelines/${name}`, echo(name)).expect(201);
      for (let i = 0; i < 3; i++) {
        const { body } = await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(202);
        await waitForRun(tenant, body.id);
      }
      const refused = await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(429);
      expect(refused.body).toMatchObject({ code: 'plan_limit_reached', limit: 'runsPerMonth', used: 3, max: 3, upgradeTo: 'team' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect((await tenant.get('/v1/billing/usage').expect(200)).body).toMatchObject({
        plan: 'free',
        runs: { used: 3, limit: 3 },
        pipelines: { used: 1, limit: 2 },
      });
      await subscribe(billing.baseUrl, tenant.tenantId, 'team');
      await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(202);
    });

    it("queues runs past the plan's concurrent runs, even when started at the same moment, and then holds to step-seconds", async () => {
      const tenant = await newTenant(billing.baseUrl);
      const name = uniqueName('nap');
      await tenant.put(`/v1/pipelines/${name}`, sleeper(name, 3_000)).expect(201);
      // The free plan runs one at a time: both are accepted, the second queued until a slot frees. (That it
      // waits is proven in test/reliability/concurrency-queue.e2e.ts: here the stack's own API, billing off,
      // shares the database and may send it.)
      const starts = await Promise.all(Array.from({ length: 2 }, () => tenant.post(`/v1/pipelines/${name}/runs`, {})));
      expect(starts.map((s) => [s.status, s.body.status])).toEqual([
        [202, 'queued'],
        [202, 'queued'],
      ]);
      const runs = await Promise.all(starts.map((s) => waitForRun(tenant, s.body.id, undefined, 60_000)));
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      // Two runs of 3 s and a little (rounded up per run) pass the 4 step-seconds the free plan has, once the usage job counted them.
      await until(async () => (await tenant.get('/v1/billing/usage').expect(200)).body.stepSeconds.used >= 4, 15_000);
      const overBudget = await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(429);
      expect(overBudget.body).toMatchObject({ limit: 'stepSecondsPerMonth', max: 4 });
      expect(overBudget.body.used).toBeGreaterThanOrEqual(4);
      await subscribe(billing.baseUrl, tenant.tenantId, 'team');
      await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(202);
    });
  });

  describe('dunning', () => {
    it('keeps running through the grace period after a failed payment, refuses runs after it, and restores on payment', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const { customer } = await subscribe(billing.baseUrl, tenant.tenantId, 'team');
      const name = uniqueName('echo');
      await tenant.put(`/v1/pipelines/${name}`, echo(name)).expect(201);

      await deliver(billing.baseUrl, stripeEvent('invoice.payment_failed', invoiceObject(customer))).expect(200);
      const inGrace = (await tenant.get('/v1/billing/subscription').expect(200)).body;
      expect(inGrace.pastDueSince).not.toBeNull();
      expect(new Date(inGrace.graceEndsAt).getTime() - new Date(inGrace.pastDueSince).getTime()).toBe(7 * 86_400_000);
      await waitForRun(tenant, (await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(202)).body.id);

      // The first failure was eight days ago (Stripe's event time), so the grace period is over.
      const other = await newTenant(billing.baseUrl);
      const { customer: late } = await subscribe(billing.baseUrl, other.tenantId, 'team');
      await other.put(`/v1/pipelines/${name}`, echo(name)).expect(201);
      await deliver(
        billing.baseUrl,
        stripeEvent('invoice.payment_failed', invoiceObject(late), Math.floor(Date.now() / 1000) - 8 * 86_400),
      ).expect(200);
      const refused = await other.post(`/v1/pipelines/${name}/runs`, {}).expect(403);
      expect(refused.body.code).toBe('payment_overdue');
      await deliver(billing.baseUrl, stripeEvent('invoice.paid', invoiceObject(late))).expect(200);
      await other.post(`/v1/pipelines/${name}/runs`, {}).expect(202);
      expect((await other.get('/v1/billing/subscription').expect(200)).body).toMatchObject({ pastDueSince: null, graceEndsAt: null });
    });
  });

  describe('retention', () => {
    it('deletes finished runs older than the plan keeps them, with their steps and events, and nothing else', async () => {
      const free = await newTenant(billing.baseUrl);
      const team = await newTenant(billing.baseUrl);
      await subscribe(billing.baseUrl, team.tenantId, 'team');
      const name = uniqueName('echo');
      const runOf = async (tenant: TestTenant) => {
        await tenant.put(`/v1/pipelines/${name}`, echo(name));
        return (await waitForRun(tenant, (await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(202)).body.id)).id;
      };
      const [oldFree, recentFree, oldTeam] = [await runOf(free), await runOf(free), await runOf(team)];
      // Time travel: two of them ended two days ago.
      await db.query(
        `UPDATE run SET created_at = created_at - interval '2 days', ended_at = ended_at - interval '2 days' WHERE id = ANY($1)`,
        [[oldFree, oldTeam]],
      );
      await until(async () => (await free.get(`/v1/runs/${oldFree}`)).status === 404, 15_000);
      await free.get(`/v1/runs/${recentFree}`).expect(200);
      await team.get(`/v1/runs/${oldTeam}`).expect(200);
      for (const table of ['run_step', 'run_event'])
        expect((await db.query(`SELECT 1 FROM ${table} WHERE run_id = $1`, [oldFree])).rowCount).toBe(0);
    });
  });

  describe('usage reporting', () => {
    it('reports each finished run and its step-seconds once, with the same identifier when a report is retried after a fault', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const { customer } = await subscribe(billing.baseUrl, tenant.tenantId, 'team');
      const name = uniqueName('nap');
      await tenant.put(`/v1/pipelines/${name}`, sleeper(name, 1_200)).expect(201);
      // Stripe receives the next reports but the answers are lost, three times: the client's own
      // retries and then the next job pass send them again.
      billing.stripe.dropMeterEvents.set(customer, 3);
      const run = await waitForRun(tenant, (await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(202)).body.id);
      expect(run.status).toBe('succeeded');
      const reported = async () =>
        (
          await db.query(
            'SELECT identifier, value, reported_at, attempts FROM billing_meter_event WHERE identifier LIKE $1 ORDER BY identifier',
            [`run:${run.id}:%`],
          )
        ).rows;
      let rows: Array<{ identifier: string; value: string; reported_at: Date | null }> = [];
      await until(async () => {
        rows = await reported();
        return rows.length === 2 && rows.every((row) => row.reported_at !== null);
      }, 30_000);
      expect(rows.map((r) => [r.identifier, Number(r.value)])).toEqual([
        [`run:${run.id}:baton_runs`, 1],
        [`run:${run.id}:baton_step_seconds`, 2],
      ]);
      for (const identifier of rows.map((r) => r.identifier)) {
        const calls = billing.stripe.meterEvents(identifier);
        expect(calls.length).toBeGreaterThanOrEqual(1);
        // However often it was sent, it is one event to Stripe: one identifier, one idempotency key.
        expect(new Set(calls.map((c) => c.params.get('identifier')))).toEqual(new Set([identifier]));
        expect(new Set(calls.map((c) => c.idempotencyKey)).size).toBe(1);
        expect(calls.every((c) => c.params.get('payload[stripe_customer_id]') === customer)).toBe(true);
      }
      const all = [...billing.stripe.meterEvents(`run:${run.id}:`)];
      expect(all.filter((c) => c.dropped).length).toBe(3);
      expect(all.length).toBeGreaterThanOrEqual(5);
      // Later passes send and count nothing more for this run.
      const sent = all.length;
      await new Promise((r) => setTimeout(r, 2_500));
      expect(billing.stripe.meterEvents(`run:${run.id}:`)).toHaveLength(sent);
      expect((await tenant.get('/v1/billing/usage').expect(200)).body).toMatchObject({ runs: { used: 1 }, stepSeconds: { used: 2 } });
    });

    it('does not meter tenants without a Stripe customer', async () => {
      const tenant = await newTenant(billing.baseUrl);
      const name = uniqueName('echo');
      await tenant.put(`/v1/pipelines/${name}`, echo(name)).expect(201);
      const run = await waitForRun(tenant, (await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(202)).body.id);
      await new Promise((r) => setTimeout(r, 2_500));
      expect((await db.query('SELECT 1 FROM billing_meter_event WHERE identifier LIKE $1', [`run:${run.id}:%`])).rowCount).toBe(0);
    });

    it("shows each month's runs and step-seconds, months without runs as zeros, to the tenant's members only", async () => {
      const tenant = await newTenant(billing.baseUrl);
      const name = uniqueName('echo');
      await tenant.put(`/v1/pipelines/${name}`, echo(name)).expect(201);
      for (let i = 0; i < 2; i++) await waitForRun(tenant, (await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(202)).body.id);
      await until(async () => (await tenant.get('/v1/billing/usage').expect(200)).body.runs.used === 2, 15_000);
      const { body } = await tenant.get('/v1/billing/usage/history?months=3').expect(200);
      const now = new Date();
      const month = (back: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)).toISOString();
      expect(body.items).toEqual([
        { period: { start: month(2), end: month(1) }, runs: 0, stepSeconds: 0 },
        { period: { start: month(1), end: month(0) }, runs: 0, stepSeconds: 0 },
        { period: { start: month(0), end: month(-1) }, runs: 2, stepSeconds: expect.any(Number) },
      ]);
      expect((await tenant.get('/v1/billing/usage/history').expect(200)).body.items).toHaveLength(12);
      // Another tenant sees its own months, not these; bad bounds name the field; no credential, no answer.
      const other = await newTenant(billing.baseUrl);
      expect((await other.get('/v1/billing/usage/history?months=1').expect(200)).body.items[0].runs).toBe(0);
      for (const months of ['0', '25', 'x'])
        expect((await tenant.get(`/v1/billing/usage/history?months=${months}`).expect(400)).body.errors[0].path).toBe('query.months');
      await api(billing.baseUrl).get('/v1/billing/usage/history').expect(401);
    });
  });
});
