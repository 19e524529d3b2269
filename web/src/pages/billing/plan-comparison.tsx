import { Badge, Button, Paper, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import type { ReactNode } from 'react';
import { ProblemAlert } from '../../components/problem-alert';
import type { Plan, Subscription, useCheckout } from './billing-api';
import { describeLimit, describePlugins, limitKeys, limitLabel } from './plan-limits';

/**
 * The plans side by side with every limit (GET /v1/billing/plans, cheapest first) and, for an
 * owner, the way to each sold plan through Stripe Checkout.
 */
export function PlanComparison({
  plans,
  currentPlan,
  isOwner,
  subscription,
  checkout,
}: {
  plans: Plan[];
  currentPlan: string;
  isOwner: boolean;
  /** `live`: paying for a plan; `ending`: paying until the period ends; `none`: no subscription. */
  subscription: 'live' | 'ending' | 'none';
  checkout: ReturnType<typeof useCheckout>;
}) {
  const currentIndex = plans.findIndex((plan) => plan.name === currentPlan);

  const change = (plan: Plan, index: number): ReactNode => {
    if (plan.name === currentPlan) return <Badge variant="light">Your plan</Badge>;
    if (!isOwner) return null;
    if (plan.sold)
      return (
        <Button
          size="xs"
          variant={index > currentIndex ? 'filled' : 'default'}
          loading={checkout.isPending && checkout.variables === plan.name}
          disabled={checkout.isPending}
          onClick={() => checkout.mutate(plan.name)}
        >
          {index > currentIndex ? 'Upgrade' : 'Switch'} to {plan.title}
        </Button>
      );
    // The default plan is where a subscription lands when it ends; nobody buys it, one leaves for it.
    if (plan.default && subscription === 'live')
      return (
        <Button
          size="xs"
          variant="default"
          loading={checkout.isPending && checkout.variables === plan.name}
          disabled={checkout.isPending}
          onClick={() => checkout.mutate(plan.name)}
        >
          Move to {plan.title} when the period ends
        </Button>
      );
    if (plan.default && subscription === 'ending')
      return (
        <Text size="xs" c="dimmed">
          The subscription ends with its period; then the tenant is on this plan
        </Text>
      );
    return (
      <Text size="xs" c="dimmed">
        {plan.default ? 'Where every tenant starts' : 'Not sold online'}
      </Text>
    );
  };

  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4">
        Plans
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {isOwner
          ? 'A change of plan goes through Stripe Checkout; its limits apply as soon as Stripe confirms the payment.'
          : 'An owner of this tenant can change the plan.'}
      </Text>
      <Table.ScrollContainer minWidth={180 + plans.length * 160}>
        <Table withColumnBorders verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">
                <VisuallyHidden>Limit</VisuallyHidden>
              </Table.Th>
              {plans.map((plan) => (
                <Table.Th scope="col" key={plan.name}>
                  {plan.title}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {limitKeys(plans).map((key) => (
              <Table.Tr key={key}>
                <Table.Th scope="row" fw={500}>
                  {limitLabel(key)}
                </Table.Th>
                {plans.map((plan) => (
                  <Table.Td key={plan.name}>{describeLimit(key, plan.limits[key])}</Table.Td>
                ))}
              </Table.Tr>
            ))}
            <Table.Tr>
              <Table.Th scope="row" fw={500}>
                Plugins
              </Table.Th>
              {plans.map((plan) => (
                <Table.Td key={plan.name}>{describePlugins(plan.plugins)}</Table.Td>
              ))}
            </Table.Tr>
            <Table.Tr>
              <Table.Th scope="row">
                <VisuallyHidden>Change plan</VisuallyHidden>
              </Table.Th>
              {plans.map((plan, index) => (
                <Table.Td key={plan.name}>{change(plan, index)}</Table.Td>
              ))}
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <ProblemAlert error={checkout.error} title="Could not start the checkout" />
    </Paper>
  );
}

/** Whether a subscription pays for a plan now (and so a plan change moves it rather than starting another). */
export function paying(subscription: Subscription): boolean {
  return subscription.billing === 'stripe' && ['active', 'trialing', 'past_due', 'unpaid'].includes(subscription.status ?? '');
}
