import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { deliver, stripeEvent, subscriptionObject } from '../support/billing.js';
import { launchChromium, newContext, openConsole, screenshotsOnFailure, seriousViolations, type PageWatch } from './support/browser.js';

const HELLO = `apiVersion: baton/v1
kind: Pipeline
name: hello
inputs: { who: { type: string, default: world } }
steps:
  greet: { uses: core/echo@^1, with: { text: "hello \${{ inputs.who }}" } }
  shout: { uses: transform/jsonata@^1, needs: [greet], with: { expression: "$uppercase(text)", data: "\${{ steps.greet.outputs }}" } }
outputs: { message: "\${{ steps.shout.outputs.result }}" }
`;

const GATED = `apiVersion: baton/v1
kind: Pipeline
name: gated
steps:
  prepare: { uses: core/echo@^1, with: { rows: 42 } }
  announce: { uses: core/log@^1, needs: [prepare], with: { message: "42 rows are ready for review" } }
  gate: { needs: [announce], approval: { roles: [admin], timeout: 1h, onTimeout: reject } }
  publish: { uses: core/echo@^1, needs: [gate], with: { note: "\${{ steps.gate.outputs.comment }}" } }
`;

/**
 * Replaces the whole text of the page's CodeMirror editor: select all and delete (the editor's own
 * commands), then the text inserted as typed input is, without the auto-indent of pressed Enters.
 */
async function replaceEditorText(page: Page, text: string): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.insertText(text);
}

/**
 * What a newcomer does in the console, by clicking, on the real stack (PostgreSQL, Temporal,
 * stripe-mock as Stripe): each journey starts where the one before it left the tenant.
 */
describe('the console, as a new tenant uses it', () => {
  let browser: Browser;
  let context: BrowserContext;
  let watch: PageWatch;
  let page: Page;
  const owner = {
    tenant: `Acme ${randomUUID().slice(0, 8)}`,
    email: `owner-${randomUUID()}@example.test`,
    password: 'a long enough password',
  };
  const stripe = { customer: '', subscription: '', tenantId: '' };
  let member: PageWatch | undefined;
  screenshotsOnFailure('journeys', () => [watch, member]);

  beforeAll(async () => {
    browser = await launchChromium();
    context = await newContext(browser);
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** The page's own mistakes (CSP violations, uncaught errors) and axe's serious findings: none. */
  async function expectClean(): Promise<void> {
    expect(await seriousViolations(page)).toEqual([]);
    expect(watch.problems).toEqual([]);
  }

  it('signs up and lands on the first screen, which offers the first pipeline', async () => {
    watch = await openConsole(context);
    page = watch.page;
    await page.goto('/');
    await page.waitForURL(/\/sign-in/);
    await page.getByRole('link', { name: 'Create a tenant' }).click();
    await page.getByLabel('Tenant name').fill(owner.tenant);
    await page.getByLabel('E-mail').fill(owner.email);
    await page.getByLabel(/^Password/).fill(owner.password);
    await page.getByRole('button', { name: 'Create the tenant' }).click();
    await page.waitForURL(/\/pipelines/);
    await expect.poll(() => page.getByRole('button', { name: 'Account menu' }).textContent()).toContain(owner.tenant);
    await page.getByRole('button', { name: 'Create your first pipeline' }).waitFor();
    await expectClean();
  });

  it('creates the hello pipeline in the editor: a problem shown at its line, fixed, saved', async () => {
    await page.getByRole('button', { name: 'Create your first pipeline' }).click();
    await page.waitForURL(/\/pipelines\/new/);
    await expect.poll(() => page.locator('.cm-content').textContent()).toContain('name: hello');
    await replaceEditorText(page, HELLO.replace('needs: [greet]', 'needs: [great]'));
    // The server's problem, at the line of `needs` (7), in the list and underlined in the editor.
    await page
      .getByRole('listitem')
      .filter({ hasText: /Line 7 steps\.shout\.needs\[0\]: .*great/ })
      .waitFor();
    await page.locator('.cm-lintRange-error').first().waitFor();
    await replaceEditorText(page, HELLO);
    await page.getByText(/^Valid/).waitFor();
    await expectClean();
    await page.getByRole('button', { name: 'Save hello' }).click();
    await page.waitForURL(/\/pipelines\/hello$/);
  });

  it('runs it: the graph turns green live and the outputs appear', async () => {
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Run hello' });
    await dialog.getByLabel(/^who/).fill('browser');
    await dialog.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}/);
    // Each step's node says its status; both end succeeded, live, without a reload.
    await page.getByRole('button', { name: /^Step greet: succeeded/ }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: /^Step shout: succeeded/ }).waitFor();
    await page.getByRole('tab', { name: 'Inputs and outputs' }).click();
    await page.getByText('HELLO BROWSER').first().waitFor();
    await expectClean();
  });

  it("shows a waiting run's logs live and approves its step from the run page; the run goes on to succeed", async () => {
    const token = await page.evaluate<string>(`JSON.parse(localStorage.getItem('baton.session')).token`);
    const saved = await fetch(`${inject('baseUrl')}/v1/pipelines/gated`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
      body: GATED,
    });
    expect(saved.status).toBe(201);
    await page.goto('/pipelines/gated');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('dialog', { name: 'Run gated' }).getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}/);
    await page.getByRole('button', { name: /^Step gate: waiting/ }).waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByRole('log', { name: 'Log lines' }).getByText('42 rows are ready for review').waitFor();
    await page.getByRole('tab', { name: 'Graph' }).click();
    await page.getByLabel('Comment (optional)').first().fill('numbers checked');
    await page.getByRole('button', { name: 'Approve' }).first().click();
    await page.getByRole('button', { name: /^Step publish: succeeded/ }).waitFor({ timeout: 60_000 });
    await expectClean();
  });

  it('creates a schedule and pauses it', async () => {
    await page.getByRole('link', { name: 'Schedules' }).click();
    await page.getByRole('button', { name: 'New schedule' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New schedule' });
    await dialog.getByLabel(/^Pipeline/).click();
    await page.getByRole('option', { name: 'hello' }).click();
    await dialog.getByRole('textbox', { name: 'Cron expression' }).fill('0 6 * * *');
    await dialog.getByRole('button', { name: 'Create schedule' }).click();
    await page.waitForURL(/\/schedules\/[0-9a-f-]{36}/);
    await page.getByRole('list', { name: 'Next fire times' }).waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await expectClean();
  });

  it('invites a member, who accepts in another browser and signs in to the tenant', async () => {
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('button', { name: 'Invite someone' }).click();
    const dialog = page.getByRole('dialog', { name: 'Invite someone' });
    const email = `member-${randomUUID()}@example.test`;
    await dialog.getByLabel(/^E-mail/).fill(email);
    await dialog.getByRole('button', { name: 'Send the invitation' }).click();
    const link = (await dialog.locator('pre, code').filter({ hasText: '/invitations/accept#token=' }).first().textContent())!.trim();
    expect(link).toMatch(/\/invitations\/accept#token=bi_/);
    await dialog.getByRole('button', { name: 'Done' }).click();

    const second = await newContext(browser);
    try {
      member = await openConsole(second);
      const joining = member.page;
      await joining.goto(link);
      await joining.getByLabel(/^Password/).fill('the member password');
      await joining.getByRole('button', { name: 'Accept' }).click();
      await joining.getByRole('link', { name: 'Open the console' }).click();
      await joining.waitForURL(/\/runs/);
      await expect.poll(() => joining.getByRole('button', { name: 'Account menu' }).textContent()).toContain(owner.tenant);
      expect(member.problems).toEqual([]);
    } finally {
      await second.close();
    }
    await page.reload();
    await page.getByRole('cell', { name: email, exact: true }).waitFor();
    await expectClean();
  });

  it("upgrades through Stripe Checkout, and the billing page shows the new plan's raised limits once the webhook landed", async () => {
    const baseUrl = inject('baseUrl');
    stripe.tenantId = await page.evaluate<string>(
      `fetch('/v1/me', { headers: { authorization: 'Bearer ' + JSON.parse(localStorage.getItem('baton.session')).token } }).then((r) => r.json()).then((me) => me.tenant.id)`,
    );
    // Stripe's hosted page, played by the test: the buyer pays, Stripe sends its webhook, then the browser returns.
    await context.route('https://checkout.stripe.com/**', async (route) => {
      // The customer the API made for the tenant before sending it to Checkout.
      const db = new pg.Client({ connectionString: inject('databaseUrl') });
      await db.connect();
      try {
        const { rows } = await db.query('SELECT stripe_customer_id FROM billing_account WHERE tenant_id = $1', [stripe.tenantId]);
        stripe.customer = rows[0].stripe_customer_id;
      } finally {
        await db.end();
      }
      stripe.subscription = `sub_${randomUUID().replaceAll('-', '').slice(0, 14)}`;
      const session = {
        id: 'cs_test_browser',
        object: 'checkout.session',
        client_reference_id: stripe.tenantId,
        customer: stripe.customer,
        subscription: stripe.subscription,
        metadata: { tenantId: stripe.tenantId, plan: 'team' },
        mode: 'subscription',
      };
      await deliver(baseUrl, stripeEvent('checkout.session.completed', session)).expect(200);
      await route.fulfill({ status: 303, headers: { location: `${baseUrl}/billing/success?session_id=cs_test_browser` } });
    });
    await page.getByRole('link', { name: 'Billing' }).click();
    await page.getByRole('button', { name: 'Upgrade to Team' }).click();
    await page.waitForURL(/\/billing\/success\?session_id=cs_test_browser/);
    await page.getByText('You are now on Team').waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Back to billing' }).click();
    // The meters count against Team's limits now: 5,000 runs a month, 50 pipelines (Free had 50 and 3).
    await page.getByText(/^\d+ of 5,?000 \(\d+%\)$/).waitFor();
    await page.getByText(/^2 of 50 \(4%\)$/).waitFor();
    expect(await page.getByRole('row', { name: /Team/ }).count()).toBeGreaterThan(0);
    await expectClean();
  });

  it('moves back to the free plan at the end of the period: the subscription ends, no second one starts', async () => {
    const baseUrl = inject('baseUrl');
    await page.getByRole('button', { name: 'Move to Free when the period ends' }).click();
    await page.waitForURL(/\/billing\/success\?change=free/);
    // What Stripe sends after the API set cancel_at_period_end.
    const ending = {
      ...subscriptionObject({ id: stripe.subscription, customer: stripe.customer, priceId: 'price_team' }),
      cancel_at_period_end: true,
    };
    const t0 = Math.floor(Date.now() / 1000) + 5;
    await deliver(baseUrl, stripeEvent('customer.subscription.updated', ending, t0)).expect(200);
    await page.getByText('Your Team subscription ends with its period').waitFor({ timeout: 30_000 });
    await deliver(baseUrl, stripeEvent('customer.subscription.deleted', { ...ending, status: 'canceled' }, t0 + 5)).expect(200);
    await page.goto('/billing');
    await page.getByRole('button', { name: 'Upgrade to Team' }).waitFor();
    await expectClean();
  });
});
