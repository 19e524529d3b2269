import { Alert, Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ProblemAlert } from '../../components/problem-alert';
import type { Subscription, usePortal } from './billing-api';

export type StripeSubscription = Extract<Subscription, { billing: 'stripe' }>;
type Portal = ReturnType<typeof usePortal>;

/** Stripe's subscription statuses as a tenant owner would say them. */
const STATUSES: Record<string, { label: string; color: string }> = {
  trialing: { label: 'Trial', color: 'blue' },
  active: { label: 'Active', color: 'green' },
  past_due: { label: 'Payment overdue', color: 'red' },
  unpaid: { label: 'Unpaid', color: 'red' },
  canceled: { label: 'Canceled', color: 'gray' },
  incomplete: { label: 'Awaiting payment', color: 'yellow' },
  incomplete_expired: { label: 'Checkout expired', color: 'gray' },
  paused: { label: 'Paused', color: 'gray' },
};

export function StatusBadge({ status }: { status: string | null }) {
  if (!status) return null;
  const known = STATUSES[status] ?? { label: status, color: 'gray' };
  return (
    <Badge color={known.color} variant="light">
      {known.label}
    </Badge>
  );
}

export const day = (iso: string) => new Date(iso).toLocaleDateString(undefined, { dateStyle: 'long' });

/** After a failed payment: what happens when, and the one thing to do about it. */
export function DunningBanner({ subscription, canPay, portal }: { subscription: StripeSubscription; canPay: boolean; portal: Portal }) {
  const [now] = useState(() => Date.now());
  const overdue = subscription.status === 'past_due' || subscription.status === 'unpaid' || subscription.pastDueSince !== null;
  if (!overdue) return null;
  const graceEnds = subscription.graceEndsAt;
  const graceOver = graceEnds !== null && Date.parse(graceEnds) <= now;
  return (
    <Alert color="red" title={graceOver ? 'Runs are stopped until the payment is made' : 'Your last payment failed'} role="alert" mb="md">
      <Stack gap="xs" align="flex-start">
        <Text size="sm">
          {graceOver
            ? `The grace period ended on ${day(graceEnds)}: new runs are refused and schedules are paused.`
            : graceEnds
              ? `Runs go on until ${day(graceEnds)}; after that new runs are refused and schedules pause.`
              : 'Runs go on for a grace period; after it new runs are refused and schedules pause.'}{' '}
          {canPay
            ? "Update the card or pay the open invoice in Stripe's customer portal; everything resumes as soon as the payment goes through."
            : 'Ask an owner of this tenant to update the payment method.'}
        </Text>
        {canPay && (
          <Button color="red" loading={portal.isPending} onClick={() => portal.mutate()}>
            Update the payment method
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

function renewal(subscription: StripeSubscription, defaultPlanTitle: string): string | null {
  if (!subscription.currentPeriodEnd) return null;
  if (subscription.status === 'canceled') return null;
  return subscription.cancelAtPeriodEnd
    ? `Canceled: it ends on ${day(subscription.currentPeriodEnd)}, then the tenant returns to the ${defaultPlanTitle} plan.`
    : `Renews on ${day(subscription.currentPeriodEnd)}.`;
}

/** The plan in force, the subscription's state and renewal, and the way to Stripe's customer portal. */
export function SubscriptionSummary({
  subscription,
  planTitle,
  defaultPlanTitle,
  isOwner,
  portal,
}: {
  subscription: StripeSubscription;
  planTitle: string;
  defaultPlanTitle: string;
  isOwner: boolean;
  portal: Portal;
}) {
  const next = renewal(subscription, defaultPlanTitle);
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={2} size="h4">
          Subscription
        </Title>
        <Group gap="sm">
          <Text fw={700} size="lg">
            {planTitle}
          </Text>
          <StatusBadge status={subscription.status} />
        </Group>
        <Text size="sm" c="dimmed">
          {next ?? (subscription.customer ? 'No subscription is running.' : 'No paid subscription: pick a plan below to subscribe.')}
        </Text>
        {isOwner && subscription.customer && (
          <Group gap="sm">
            <Button variant="default" loading={portal.isPending} onClick={() => portal.mutate()}>
              Manage payment and subscription
            </Button>
            <Text size="xs" c="dimmed">
              In Stripe: change the card, cancel, update billing details.
            </Text>
          </Group>
        )}
        {!isOwner && (
          <Text size="sm" c="dimmed">
            You can read this page; only an owner of this tenant changes the plan or the payment method.
          </Text>
        )}
        <ProblemAlert error={portal.error} title="Could not open the customer portal" />
      </Stack>
    </Paper>
  );
}
