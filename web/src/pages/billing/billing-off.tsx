import { Alert, Code, List, Paper, Stack, Table, Text, Title } from '@mantine/core';
import type { Plan, Usage } from './billing-api';
import { describeLimit, describePlugins, limitKeys, limitLabel } from './plan-limits';
import { UsageHistory } from './usage-history';
import { UsageMeters } from './usage-meters';

/**
 * Billing is off (no STRIPE_SECRET_KEY, the embedded default): the self-hosted plan, this month's
 * usage for information, and what the installation's operator sets to turn billing on.
 */
export function BillingOff({ planName, plan, usage }: { planName: string | undefined; plan: Plan | undefined; usage: Usage | undefined }) {
  const title = plan?.title ?? planName ?? 'self-hosted';
  return (
    <Stack>
      <Alert color="blue" title="Billing is off on this installation" role="status">
        Every tenant is on the {title} plan and nothing is charged. No plan limits apply; only the installation&apos;s own settings do (
        <Code>RATE_LIMIT_PER_MINUTE</Code>, <Code>RUN_RETENTION_DAYS</Code>, <Code>RUN_FAN_OUT_BUDGET</Code>).
      </Alert>
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="sm">
          Your plan: {title}
        </Title>
        {plan ? (
          <Table.ScrollContainer minWidth={320}>
            <Table verticalSpacing={4}>
              <Table.Tbody>
                {limitKeys([plan]).map((key) => (
                  <Table.Tr key={key}>
                    <Table.Th scope="row" fw={500}>
                      {limitLabel(key)}
                    </Table.Th>
                    <Table.Td>{describeLimit(key, plan.limits[key])}</Table.Td>
                  </Table.Tr>
                ))}
                <Table.Tr>
                  <Table.Th scope="row" fw={500}>
                    Plugins
                  </Table.Th>
                  <Table.Td>{describePlugins(plan.plugins)}</Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : (
          <Text size="sm">Unlimited pipelines, runs, step-minutes, schedules and plugins.</Text>
        )}
      </Paper>
      {usage && <UsageMeters usage={usage} />}
      <UsageHistory />
      <Paper withBorder p="md">
        <Title order={2} size="h4" mb="xs">
          Turning billing on
        </Title>
        <Text size="sm" mb="xs">
          The installation&apos;s operator does this, in the environment of every API and worker process, then restarts them:
        </Text>
        <List type="ordered" size="sm" spacing={4}>
          <List.Item>
            <Code>STRIPE_SECRET_KEY</Code>: the Stripe account&apos;s secret key.
          </List.Item>
          <List.Item>
            <Code>STRIPE_WEBHOOK_SECRET</Code>: the signing secret of a Stripe webhook endpoint at{' '}
            <Code>{location.origin}/v1/billing/webhook</Code> (your <Code>PUBLIC_URL</Code>).
          </List.Item>
          <List.Item>
            The plans&apos; Stripe prices: <Code>BILLING_PRICE_IDS=team=price_…,enterprise=price_…</Code> for the built-in free, team and
            enterprise plans, or your own plans in <Code>BILLING_PLANS_FILE</Code>.
          </List.Item>
        </List>
        <Text size="sm" c="dimmed" mt="xs">
          Every setting is described in docs/operations.md (Configuration and Billing plans).
        </Text>
      </Paper>
    </Stack>
  );
}
