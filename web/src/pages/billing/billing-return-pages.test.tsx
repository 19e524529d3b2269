import { screen } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { subscription } from './billing-fixtures';
import { BillingCancelledPage, BillingSuccessPage } from './billing-return-pages';
import { recallCheckout, rememberCheckout } from './checkout-memory';

const plans = http.get('*/v1/billing/plans', () =>
  HttpResponse.json({
    billing: 'stripe',
    items: [
      { name: 'free', title: 'Free', sold: false, default: true, limits: {}, plugins: ['*'] },
      { name: 'team', title: 'Team', sold: true, default: false, limits: {}, plugins: ['*'] },
    ],
  }),
);

beforeEach(() => sessionStorage.clear());

describe('BillingSuccessPage', { timeout: 20_000 }, () => {
  it('polls the subscription until the webhook has changed the plan, then confirms it', async () => {
    rememberCheckout({ fromPlan: 'free', fromStatus: null, toPlan: 'team' });
    let polls = 0;
    server.use(
      plans,
      http.get('*/v1/billing/subscription', () => {
        polls += 1;
        return HttpResponse.json(polls < 3 ? subscription() : subscription({ plan: 'team', status: 'active', customer: true }));
      }),
    );
    renderWidget(<BillingSuccessPage pollMs={20} />, '/billing/success?session_id=cs_test_1');
    expect(await screen.findByText(/Waiting for Stripe to confirm the change to Team/)).toBeInTheDocument();
    expect(await screen.findByText('You are now on Team')).toBeInTheDocument();
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(screen.getByRole('link', { name: 'Back to billing' })).toHaveAttribute('href', '/billing');
    expect(recallCheckout()).toBeNull();
  });

  it('gives up after a while and says why the plan may not have changed', async () => {
    rememberCheckout({ fromPlan: 'free', fromStatus: null, toPlan: 'team' });
    server.use(
      plans,
      http.get('*/v1/billing/subscription', () => HttpResponse.json(subscription())),
    );
    renderWidget(<BillingSuccessPage pollMs={20} giveUpAfterMs={150} />, '/billing/success?session_id=cs_test_2');
    expect(await screen.findByText('Stripe has not confirmed the change yet')).toBeInTheDocument();
    expect(screen.getByText(/your plan is still Free/)).toHaveTextContent('cs_test_2');
    expect(screen.getByRole('button', { name: 'Check again' })).toBeInTheDocument();
    expect(screen.queryByText(/You are now on/)).not.toBeInTheDocument();
  });
});

describe('BillingCancelledPage', () => {
  it('says nothing was charged, forgets the checkout and links back', async () => {
    rememberCheckout({ fromPlan: 'free', fromStatus: null, toPlan: 'team' });
    renderWidget(<BillingCancelledPage />);
    expect(await screen.findByText('Nothing was charged')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to billing' })).toHaveAttribute('href', '/billing');
    expect(recallCheckout()).toBeNull();
  });
});
