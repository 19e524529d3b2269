import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { deliver, startBillingApi, stripeEvent, type BillingApi, type PlansFile } from '../support/billing.js';
import { newTenant } from '../support/builders.js';

const PLANS: PlansFile = {
  defaultPlan: 'free',
  plans: { free: { title: 'Free' }, team: { title: 'Team', priceId: 'price_team' } },
};

/**
 * Issue 18, test 6 (Stripe): the API dies (SIGKILL, at the test-only fault point
 * `billing.after-commit`) after the event and its effect committed and before the 2xx; Stripe
 * retries the same event on the restarted API, which answers it as a duplicate and applies nothing twice.
 */
describe('Stripe webhook handler crash', () => {
  const apis: BillingApi[] = [];
  afterAll(async () => {
    // The one that made the installation drops it: last.
    for (const a of apis.reverse()) await a.stop();
  });

  it('answers the retry of an event whose first delivery killed the API after its commit as a duplicate', async () => {
    const faulty = await startBillingApi(PLANS, { BATON_FAULT_POINT: 'billing.after-commit', NODE_ENV: 'test' });
    apis.push(faulty);
    const tenant = await newTenant(faulty.baseUrl);
    const customer = `cus_${randomUUID().replaceAll('-', '').slice(0, 14)}`;
    const subscription = `sub_${randomUUID().replaceAll('-', '').slice(0, 14)}`;
    const event = stripeEvent('checkout.session.completed', {
      id: `cs_${randomUUID().replaceAll('-', '')}`,
      object: 'checkout.session',
      client_reference_id: tenant.tenantId,
      customer,
      subscription,
      metadata: { tenantId: tenant.tenantId, plan: 'team' },
      mode: 'subscription',
    });

    const exited = new Promise((resolve) => faulty.process.child.once('exit', (_code, signal) => resolve(signal)));
    await expect(deliver(faulty.baseUrl, event), 'the connection drops: no 2xx reached Stripe').rejects.toThrow();
    expect(await exited).toBe('SIGKILL');

    const restarted = await startBillingApi(PLANS, {}, faulty.installation);
    apis.push(restarted);
    const retry = await deliver(restarted.baseUrl, event);
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body).toMatchObject({ received: true, duplicate: true });

    const db = new pg.Client({ connectionString: restarted.installation.databaseUrl });
    await db.connect();
    try {
      expect((await db.query('SELECT id FROM billing_event WHERE id = $1', [event.id])).rowCount).toBe(1);
      const { rows } = await db.query(
        'SELECT a.stripe_customer_id AS customer, a.stripe_subscription_id AS subscription, t.plan FROM billing_account a JOIN tenant t ON t.id = a.tenant_id WHERE a.tenant_id = $1',
        [tenant.tenantId],
      );
      expect(rows).toEqual([{ customer, subscription, plan: 'team' }]);
    } finally {
      await db.end();
    }
  });
});
