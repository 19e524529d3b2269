import { Alert, Anchor, Button, Group, Loader, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { BILLING_KEY, endingOf, statusOf, usePlans, useSubscription, type Subscription } from './billing-api';
import { checkoutLanded, forgetCheckout, recallCheckout } from './checkout-memory';
import { day, StatusBadge } from './subscription-summary';

export interface BillingSuccessSearch {
  session_id?: string;
}

const backToBilling = (
  <Anchor component={Link} to="/billing">
    Back to billing
  </Anchor>
);

/**
 * /billing/success?session_id=…: where Stripe sends the buyer back. The redirect proves nothing;
 * the plan changes when Stripe's webhook lands, so this polls the subscription until it differs
 * from before checkout, and gives up with an explanation after a minute.
 */
export function BillingSuccessPage({ pollMs = 2_000, giveUpAfterMs = 60_000 }: { pollMs?: number; giveUpAfterMs?: number }) {
  const queryClient = useQueryClient();
  const search: BillingSuccessSearch = useSearch({ strict: false });
  const [start] = useState(recallCheckout);
  const [gaveUp, setGaveUp] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const plans = usePlans();
  const hasLanded = (now: Subscription | undefined) =>
    Boolean(start && now && checkoutLanded(start, { plan: now.plan, status: statusOf(now), ending: endingOf(now) }));
  const subscription = useSubscription((latest) => (start && !gaveUp && !hasLanded(latest) ? pollMs : false));
  const current = subscription.data;
  const landed = hasLanded(current);
  const titleOf = (name: string) => plans.data?.items.find((plan) => plan.name === name)?.title ?? name;

  useEffect(() => {
    if (!landed) return;
    forgetCheckout();
    // The plan is in /v1/me and every billing answer too.
    void queryClient.invalidateQueries({ queryKey: BILLING_KEY });
    void queryClient.invalidateQueries({ queryKey: ['me'] });
  }, [landed, queryClient]);

  useEffect(() => {
    if (!start || landed) return;
    const timer = setTimeout(() => setGaveUp(true), giveUpAfterMs);
    return () => clearTimeout(timer);
  }, [start, landed, giveUpAfterMs, attempt]);

  return (
    <>
      <PageHeader title="Checkout" />
      <Stack maw={640}>
        <ProblemAlert error={subscription.error} />
        {landed && current && endingOf(current) && (
          <Alert color="green" title={`Your ${titleOf(current.plan)} subscription ends with its period`} role="status">
            <Stack gap="xs" align="flex-start">
              <Text size="sm">
                Nothing more is charged.{' '}
                {'currentPeriodEnd' in current && current.currentPeriodEnd ? `On ${day(current.currentPeriodEnd)}` : 'When the period ends'}
                , the tenant moves to {titleOf(start?.toPlan ?? '')} and its limits.
              </Text>
              {backToBilling}
            </Stack>
          </Alert>
        )}
        {landed && current && !endingOf(current) && (
          <Alert color="green" title={`You are now on ${titleOf(current.plan)}`} role="status">
            <Stack gap="xs" align="flex-start">
              <Group gap="xs">
                <Text size="sm">Its limits apply from now on.</Text>
                <StatusBadge status={statusOf(current)} />
              </Group>
              {backToBilling}
            </Stack>
          </Alert>
        )}
        {start && !landed && !gaveUp && (
          <Group gap="sm" role="status">
            <Loader size="sm" aria-hidden />
            <Text size="sm">Waiting for Stripe to confirm the change to {titleOf(start.toPlan)}…</Text>
          </Group>
        )}
        {start && !landed && gaveUp && (
          <Alert color="yellow" title="Stripe has not confirmed the change yet" role="status">
            <Stack gap="xs" align="flex-start">
              <Text size="sm">
                Checkout is done, but in a minute Stripe&apos;s confirmation has not reached Baton, so your plan is still{' '}
                {titleOf(current?.plan ?? start.fromPlan ?? '')}. It usually arrives within minutes and nothing is charged twice by waiting.
                If the plan has not changed in an hour, ask the installation&apos;s operator to check the Stripe webhook
                (STRIPE_WEBHOOK_SECRET and the endpoint /v1/billing/webhook)
                {search.session_id ? `, quoting the checkout ${search.session_id}` : ''}.
              </Text>
              <Group>
                <Button
                  variant="default"
                  onClick={() => {
                    setGaveUp(false);
                    setAttempt((n) => n + 1);
                    void subscription.refetch();
                  }}
                >
                  Check again
                </Button>
                {backToBilling}
              </Group>
            </Stack>
          </Alert>
        )}
        {!start && current && (
          <Alert color="blue" title="Checkout finished" role="status">
            <Stack gap="xs" align="flex-start">
              <Text size="sm">
                Your plan is {titleOf(current.plan)}. If you have just paid, Stripe&apos;s confirmation can take a minute to change it.
              </Text>
              {backToBilling}
            </Stack>
          </Alert>
        )}
      </Stack>
    </>
  );
}

/** /billing/cancelled: the buyer left Stripe Checkout without paying. */
export function BillingCancelledPage() {
  useEffect(forgetCheckout, []);
  return (
    <>
      <PageHeader title="Checkout cancelled" />
      <Alert color="gray" title="Nothing was charged" role="status" maw={640}>
        <Stack gap="xs" align="flex-start">
          <Text size="sm">You left Stripe Checkout before paying, so your plan is unchanged. You can pick a plan again at any time.</Text>
          {backToBilling}
        </Stack>
      </Alert>
    </>
  );
}
