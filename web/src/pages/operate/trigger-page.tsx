import { Badge, Card, Code, DataList, Modal, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { useRoleGate, withReason } from '../../auth/use-role-gate';
import { RunLink } from '../../components/anchor-link';
import { ConfirmButton } from '../../components/confirm-button';
import { CopyValue } from '../../components/copy-value';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { WebhookSigning } from '../../components/operate-webhook-signing';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { describeSource, TRIGGER_TYPES, type DeliveryOutcome, type Trigger } from './trigger-types';
import { WebhookSecretPanel } from './webhook-secret-panel';
import { formatLocal } from './zoned-time';

export interface TriggerSearch {
  outcome?: DeliveryOutcome;
}

const OUTCOME_COLOR: Record<DeliveryOutcome, string> = { started: 'green', failed: 'red', skipped: 'gray' };

export function TriggerPage() {
  const { id = '' } = useParams({ strict: false });
  const can = useRoleGate('operator', 'Changing triggers');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [rotated, setRotated] = useState<{ url: string; secret: string }>();
  const trigger = useQuery({
    queryKey: ['triggers', 'detail', id],
    queryFn: () => ok(api.GET('/v1/triggers/{id}', { params: { path: { id } } })),
  });

  const rotate = async () => setRotated(await ok(api.POST('/v1/triggers/{id}/rotate-secret', { params: { path: { id } } })));
  const remove = async () => {
    await ok(api.DELETE('/v1/triggers/{id}', { params: { path: { id } } }));
    queryClient.removeQueries({ queryKey: ['triggers', 'detail', id] });
    await queryClient.invalidateQueries({ queryKey: ['triggers'] });
    await navigate({ to: '/triggers' });
  };

  const current = trigger.data;
  if (!current) return trigger.error ? <ProblemAlert error={trigger.error} /> : <Text c="dimmed">Loading…</Text>;
  const typeLabel = TRIGGER_TYPES.find((t) => t.value === current.type)?.label ?? current.type.toUpperCase();

  return (
    <>
      <PageHeader
        title={`${typeLabel} trigger: ${current.pipeline}`}
        description={withReason(TRIGGER_TYPES.find((t) => t.value === current.type)!.explanation, can.why)}
        actions={
          can.allowed && (
            <>
              {current.type === 'webhook' && (
                <ConfirmButton
                  label="Rotate secret"
                  color="orange"
                  title="Rotate the signing secret?"
                  message="A new secret is made and the current one stops working at once: deliveries signed with it are refused until the sender uses the new one."
                  confirmLabel="Rotate"
                  onConfirm={rotate}
                />
              )}
              <ConfirmButton
                label="Delete"
                title="Delete this trigger?"
                message={`Nothing sets off ${current.pipeline} through it any more${current.type === 'webhook' ? ' and its URL answers 404' : ''}. Runs it started stay.`}
                onConfirm={remove}
              />
            </>
          )
        }
      />
      <Stack>
        <TriggerDetails trigger={current} />
        {current.type === 'webhook' && (
          <Card withBorder>
            <Title order={2} size="h4" mb="xs">
              Sending deliveries
            </Title>
            <Stack>
              <CopyValue label="Webhook URL" value={current.url} />
              <WebhookSigning url={current.url} />
            </Stack>
          </Card>
        )}
        <Deliveries triggerId={id} />
      </Stack>
      <Modal opened={Boolean(rotated)} onClose={() => setRotated(undefined)} title="New signing secret" size="lg">
        {rotated && <WebhookSecretPanel url={rotated.url} secret={rotated.secret} />}
      </Modal>
    </>
  );
}

function TriggerDetails({ trigger }: { trigger: Trigger }) {
  const inputs = trigger.type === 'pipeline' ? null : trigger.inputs;
  return (
    <Card withBorder>
      <DataList labelWidth={140}>
        <DataList.Item>
          <DataList.ItemLabel>Name</DataList.ItemLabel>
          <DataList.ItemValue>{trigger.name ?? '—'}</DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Set off by</DataList.ItemLabel>
          <DataList.ItemValue>{trigger.type === 'webhook' ? 'a signed POST to its URL' : describeSource(trigger)}</DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Inputs</DataList.ItemLabel>
          <DataList.ItemValue>
            {inputs ? <Code block>{inputs}</Code> : trigger.type === 'pipeline' ? "the source run's outputs" : 'as received'}
          </DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Last fired</DataList.ItemLabel>
          <DataList.ItemValue>{trigger.lastFiredAt ? formatLocal(trigger.lastFiredAt) : 'never'}</DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Created</DataList.ItemLabel>
          <DataList.ItemValue>{formatLocal(trigger.createdAt)}</DataList.ItemValue>
        </DataList.Item>
      </DataList>
    </Card>
  );
}

function Deliveries({ triggerId }: { triggerId: string }) {
  const { outcome }: TriggerSearch = useSearch({ strict: false });
  const navigate = useNavigate();
  const deliveries = useCursorList(['triggers', 'deliveries', triggerId, outcome ?? ''], (cursor) =>
    ok(api.GET('/v1/triggers/{id}/deliveries', { params: { path: { id: triggerId }, query: { outcome, cursor } } })),
  );
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Deliveries
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Every webhook call, ended source run or event this trigger received, and what came of it.
      </Text>
      <SegmentedControl
        aria-label="Outcome"
        mb="sm"
        value={outcome ?? 'all'}
        onChange={(value) =>
          void navigate({
            to: '/triggers/$id',
            params: { id: triggerId },
            search: { outcome: value === 'all' ? undefined : value },
          })
        }
        data={[
          { value: 'all', label: 'All' },
          { value: 'started', label: 'Started' },
          { value: 'failed', label: 'Failed' },
          { value: 'skipped', label: 'Skipped' },
        ]}
      />
      <ProblemAlert error={deliveries.error} />
      {deliveries.isSuccess && deliveries.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {outcome ? `No ${outcome} deliveries.` : 'Nothing received yet. Deliveries appear here as the trigger is set off.'}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Received</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th>Reason</Table.Th>
                <Table.Th>Run</Table.Th>
                <Table.Th>Source run</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {deliveries.items.map((delivery) => (
                <Table.Tr key={delivery.id}>
                  <Table.Td>{formatLocal(delivery.createdAt)}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={OUTCOME_COLOR[delivery.outcome]}>
                      {delivery.outcome}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{delivery.reason ?? '—'}</Table.Td>
                  <Table.Td>
                    <RunLink id={delivery.runId} />
                  </Table.Td>
                  <Table.Td>
                    <RunLink id={delivery.sourceRunId} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={deliveries} />
    </Card>
  );
}
