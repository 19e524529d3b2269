import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { problem, signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { stripeRedirect } from './billing-api';
import { billingOn, usage, usageHistory } from './billing-fixtures';
import { BillingPage } from './billing-page';
import { recallCheckout } from './checkout-memory';
import { usageMeters } from './usage-meters';

beforeEach(() => sessionStorage.clear());
afterEach(() => vi.restoreAllMocks());

describe('BillingPage', { timeout: 20_000 }, () => {
  it("draws a meter for each counter of the usage answer, in the limit's unit", async () => {
    server.use(
      signedInAs('owner', 'team'),
      ...billingOn({ plan: 'team', status: 'active', customer: true, currentPeriodEnd: '2026-04-01T00:00:00Z' }),
    );
    renderWidget(<BillingPage />);

    const runs = await screen.findByRole('progressbar', { name: 'Runs this month' });
    expect(runs).toHaveAttribute('aria-valuenow', '25');
    expect(screen.getByText('250 of 1,000 (25%)')).toBeInTheDocument();
    // Step-seconds read as minutes: 7,200 s of 36,000 s.
    expect(screen.getByRole('progressbar', { name: 'Step-minutes this month' })).toHaveAttribute('aria-valuenow', '20');
    expect(screen.getByText('120 of 600 (20%)')).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Runs in progress' })).toHaveAttribute('aria-valuenow', '100');
    // An unlimited counter is a count, not a bar.
    expect(screen.queryByRole('progressbar', { name: 'Pipelines' })).not.toBeInTheDocument();
    expect(screen.getByText('3 · unlimited')).toBeInTheDocument();
    expect(screen.getByText(/Renews on/)).toBeInTheDocument();
  });

  it('meters a counter the API adds without a console change', () => {
    const meters = usageMeters({ ...usage, storageBytes: { used: 10, limit: 100 } } as typeof usage);
    expect(meters.map((meter) => meter.label)).toEqual([
      'Runs this month',
      'Step-minutes this month',
      'Runs in progress',
      'Pipelines',
      'Storage Bytes',
    ]);
  });

  it.each([
    ['404 billing_disabled', () => problem(404, 'billing_disabled', 'Billing is off on this installation (no STRIPE_SECRET_KEY)')],
    ['billing: "disabled"', () => HttpResponse.json({ billing: 'disabled', plan: 'self-hosted', status: null })],
  ])('shows the self-hosted plan and how to turn billing on when the subscription answers %s', async (_, answer) => {
    server.use(
      signedInAs('owner', 'self-hosted'),
      http.get('*/v1/billing/subscription', answer),
      http.get('*/v1/billing/usage', () => problem(404, 'billing_disabled', 'Billing is off')),
      http.get('*/v1/billing/usage/history', () => HttpResponse.json(usageHistory)),
      http.get('*/v1/billing/plans', () => problem(404, 'billing_disabled', 'Billing is off')),
    );
    renderWidget(<BillingPage />);
    expect(await screen.findByText('Billing is off on this installation')).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Your plan: self-hosted' })).toBeInTheDocument();
    expect(screen.getByText('STRIPE_SECRET_KEY')).toBeInTheDocument();
    expect(screen.getByText('STRIPE_WEBHOOK_SECRET')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Plans' })).not.toBeInTheDocument();
  });

  it('warns of a failed payment with the grace deadline, and sends an owner to the customer portal', async () => {
    const graceEndsAt = new Date(Date.now() + 5 * 86_400_000).toISOString();
    const follow = vi.spyOn(stripeRedirect, 'follow').mockImplementation(() => undefined);
    server.use(
      signedInAs('owner', 'team'),
      ...billingOn({ plan: 'team', status: 'past_due', customer: true, pastDueSince: new Date().toISOString(), graceEndsAt }),
      http.post('*/v1/billing/portal', () => HttpResponse.json({ url: 'https://billing.stripe.test/p/1' })),
    );
    renderWidget(<BillingPage />);
    const banner = await screen.findByRole('alert');
    expect(banner).toHaveTextContent('Your last payment failed');
    expect(banner).toHaveTextContent(`Runs go on until ${new Date(graceEndsAt).toLocaleDateString(undefined, { dateStyle: 'long' })}`);
    await userEvent.click(within(banner).getByRole('button', { name: 'Update the payment method' }));
    await waitFor(() => expect(follow).toHaveBeenCalledWith('https://billing.stripe.test/p/1'));
  });

  it("lists each month's runs and step-minutes, newest first, leaving out the months without any", async () => {
    server.use(signedInAs('viewer', 'team'), ...billingOn({ plan: 'team', status: 'active', customer: true }));
    renderWidget(<BillingPage />);
    const table = await screen.findByRole('table', { name: 'Usage by month' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(
      rows.map((row) =>
        within(row)
          .getAllByRole('cell')
          .map((cell) => cell.textContent),
      ),
    ).toEqual([
      [new Date('2026-12-01T00:00:00Z').toLocaleDateString(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' }), '42', '10'],
      [new Date('2026-11-01T00:00:00Z').toLocaleDateString(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' }), '7', '2'],
    ]);
    expect(screen.getByRole('img', { name: 'Runs and step-minutes, last 12 months' })).toBeInTheDocument();
  });

  it('tells a member who is not an owner to ask one, and offers no plan change', async () => {
    server.use(
      signedInAs('admin', 'team'),
      ...billingOn({ plan: 'team', status: 'past_due', customer: true, pastDueSince: new Date().toISOString() }),
    );
    renderWidget(<BillingPage />);
    expect(await screen.findByText(/Ask an owner of this tenant to update the payment method/)).toBeInTheDocument();
    expect(await screen.findByRole('heading', { name: 'Plans' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Upgrade to|Switch to/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Update the payment method' })).not.toBeInTheDocument();
  });

  it('remembers the plan before checkout and leaves for Stripe; a checkout that failed to start is forgotten', async () => {
    const follow = vi.spyOn(stripeRedirect, 'follow').mockImplementation(() => undefined);
    const bodies: unknown[] = [];
    let stripeUp = true;
    server.use(
      signedInAs('owner', 'free'),
      ...billingOn({ plan: 'free', status: null }),
      http.post('*/v1/billing/checkout', async ({ request }) => {
        bodies.push(await request.json());
        if (!stripeUp) return problem(502, 'stripe_unavailable', 'Stripe did not answer');
        return HttpResponse.json({ url: 'https://checkout.stripe.test/c/1' }, { status: 201 });
      }),
    );
    renderWidget(<BillingPage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Upgrade to Team' }));
    await waitFor(() => expect(follow).toHaveBeenCalledWith('https://checkout.stripe.test/c/1'));
    expect(recallCheckout()).toEqual({ fromPlan: 'free', fromStatus: null, fromEnding: false, toPlan: 'team' });

    stripeUp = false;
    await userEvent.click(screen.getByRole('button', { name: 'Upgrade to Team' }));
    expect(await screen.findByText('Stripe did not answer')).toBeInTheDocument();
    expect(bodies).toEqual([{ plan: 'team' }, { plan: 'team' }]);
    expect(recallCheckout()).toBeNull();
  });
});
