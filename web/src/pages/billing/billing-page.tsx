import { Center, Loader, SimpleGrid, Stack, Text } from '@mantine/core';
import { hasRole, useMe } from '../../auth/use-me';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { isBillingDisabled, useCheckout, usePlans, usePortal, useSubscription, useUsage } from './billing-api';
import { BillingOff } from './billing-off';
import { InvoiceList } from './invoice-list';
import { paying, PlanComparison } from './plan-comparison';
import { DunningBanner, SubscriptionSummary } from './subscription-summary';
import { UsageHistory } from './usage-history';
import { UsageMeters } from './usage-meters';

/** /billing: the plan and its payment state, this month's usage against it, the plans, and invoices. Owners change and pay. */
export function BillingPage() {
  const me = useMe();
  const canRead = hasRole(me.data?.role, 'viewer');
  const isOwner = hasRole(me.data?.role, 'owner');
  const subscription = useSubscription();
  const plans = usePlans();
  const usage = useUsage(canRead);
  const portal = usePortal();
  const stripe = subscription.data?.billing === 'stripe' ? subscription.data : undefined;
  const checkout = useCheckout(stripe);
  const billingOff = subscription.data?.billing === 'disabled' || isBillingDisabled(subscription.error);
  const planNamed = (name: string | undefined) => plans.data?.items.find((plan) => plan.name === name);

  const header = <PageHeader title="Billing" description="Your plan and its payment, what this month has used of it, and your invoices." />;
  if (me.data && !canRead)
    return (
      <>
        {header}
        <Text c="dimmed">Billing is shown to the tenant&apos;s members; a publisher key or account has no view of it.</Text>
      </>
    );
  if (billingOff) {
    const planName = me.data?.plan ?? subscription.data?.plan;
    return (
      <>
        {header}
        <BillingOff planName={planName} plan={planNamed(planName)} usage={usage.data} />
      </>
    );
  }

  return (
    <>
      {header}
      <ProblemAlert error={subscription.error} />
      {subscription.isPending && (
        <Center p="xl">
          <Loader aria-label="Loading the subscription" />
        </Center>
      )}
      {stripe && (
        <Stack>
          <DunningBanner subscription={stripe} canPay={isOwner} portal={portal} />
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <SubscriptionSummary
              subscription={stripe}
              planTitle={planNamed(stripe.plan)?.title ?? stripe.plan}
              defaultPlanTitle={plans.data?.items.find((plan) => plan.default)?.title ?? 'default'}
              isOwner={isOwner}
              portal={portal}
            />
            {usage.data ? <UsageMeters usage={usage.data} /> : <ProblemAlert error={usage.error} title="Usage is not available" />}
          </SimpleGrid>
          <UsageHistory />
          <ProblemAlert error={plans.error} title="The plans are not available" />
          {plans.data && (
            <PlanComparison
              plans={plans.data.items}
              currentPlan={stripe.plan}
              isOwner={isOwner}
              subscription={paying(stripe) ? (stripe.cancelAtPeriodEnd ? 'ending' : 'live') : 'none'}
              checkout={checkout}
            />
          )}
          <InvoiceList />
        </Stack>
      )}
    </>
  );
}
