import { Anchor, Badge, Group, Paper, Table, Text, Title } from '@mantine/core';
import { api, ok } from '../../api/client';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { ProblemAlert } from '../../components/problem-alert';
import { BILLING_KEY } from './billing-api';

/** An amount in the currency's minor unit (cents, or yen itself), as Stripe gives it. */
export function money(minor: number, currency: string): string {
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() });
  return format.format(minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

const STATUS_COLORS: Record<string, string> = { paid: 'green', open: 'orange', uncollectible: 'red', void: 'gray', draft: 'gray' };
const day = (iso: string) => new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });

/** The tenant's Stripe invoices, newest first (GET /v1/billing/invoices), each with Stripe's page and PDF. */
export function InvoiceList() {
  const invoices = useCursorList([...BILLING_KEY, 'invoices'], (cursor) =>
    ok(api.GET('/v1/billing/invoices', { params: { query: { cursor } } })),
  );
  return (
    <Paper withBorder p="md">
      <Title order={2} size="h4" mb="sm">
        Invoices
      </Title>
      <ProblemAlert error={invoices.error} />
      {invoices.isSuccess && invoices.items.length === 0 && (
        <Text size="sm" c="dimmed">
          No invoices yet. The first one comes with your first paid plan; each month&apos;s then lists its runs and step-minutes.
        </Text>
      )}
      {invoices.items.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Invoice</Table.Th>
                <Table.Th>Date</Table.Th>
                <Table.Th>Period</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Due</Table.Th>
                <Table.Th>Paid</Table.Th>
                <Table.Th>Documents</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {invoices.items.map((invoice) => (
                <Table.Tr key={invoice.id}>
                  <Table.Td>{invoice.number ?? 'draft'}</Table.Td>
                  <Table.Td>{day(invoice.createdAt)}</Table.Td>
                  <Table.Td>
                    {day(invoice.period.start)} – {day(invoice.period.end)}
                  </Table.Td>
                  <Table.Td>
                    {invoice.status && (
                      <Badge variant="light" color={STATUS_COLORS[invoice.status] ?? 'gray'}>
                        {invoice.status}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{money(invoice.amountDue, invoice.currency)}</Table.Td>
                  <Table.Td>{money(invoice.amountPaid, invoice.currency)}</Table.Td>
                  <Table.Td>
                    <Group gap="sm" wrap="nowrap">
                      {invoice.hostedInvoiceUrl && (
                        <Anchor
                          href={invoice.hostedInvoiceUrl}
                          target="_blank"
                          rel="noopener noreferrer"
                          size="sm"
                          aria-label={`${invoice.status === 'open' ? 'Pay' : 'View'} invoice ${invoice.number ?? invoice.id} at Stripe`}
                        >
                          {invoice.status === 'open' ? 'Pay' : 'View'}
                        </Anchor>
                      )}
                      {invoice.invoicePdf && (
                        <Anchor
                          href={invoice.invoicePdf}
                          target="_blank"
                          rel="noopener noreferrer"
                          size="sm"
                          aria-label={`Invoice ${invoice.number ?? invoice.id} as PDF`}
                        >
                          PDF
                        </Anchor>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={invoices} label="Older invoices" />
    </Paper>
  );
}
