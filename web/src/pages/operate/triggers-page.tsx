import { Badge, Button, EmptyState, Group, Modal, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { useRoleGate, withReason } from '../../auth/use-role-gate';
import { AnchorLink } from '../../components/anchor-link';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { TriggerForm } from './trigger-form';
import { describeSource, TRIGGER_TYPES, type CreatedTrigger, type TriggerType } from './trigger-types';
import { WebhookSecretPanel } from './webhook-secret-panel';
import { formatLocal } from './zoned-time';

export interface TriggersSearch {
  type?: TriggerType;
}

export function TriggersPage() {
  const { type }: TriggersSearch = useSearch({ strict: false });
  const navigate = useNavigate();
  const can = useRoleGate('operator', 'Creating triggers');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Extract<CreatedTrigger, { type: 'webhook' }>>();
  const triggers = useCursorList(['triggers', 'list'], (cursor) => ok(api.GET('/v1/triggers', { params: { query: { cursor } } })));
  // The API lists every type together; the type filter is applied here.
  const shown = type ? triggers.items.filter((trigger) => trigger.type === type) : triggers.items;

  const onCreated = (trigger: CreatedTrigger) => {
    if (trigger.type === 'webhook') setCreated(trigger);
    else void navigate({ to: '/triggers/$id', params: { id: trigger.id } });
  };
  const closeModal = () => {
    setCreating(false);
    setCreated(undefined);
  };
  const newButton = (
    <Button onClick={() => setCreating(true)} disabled={!can.allowed}>
      New trigger
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Triggers"
        description={withReason(
          'Start runs when something happens: a signed webhook call, another pipeline ending, or an event a step emits.',
          can.why,
        )}
        actions={newButton}
      />
      <Stack>
        <SegmentedControl
          aria-label="Trigger type"
          w="fit-content"
          value={type ?? 'all'}
          onChange={(value) => void navigate({ to: '/triggers', search: { type: value === 'all' ? undefined : value } })}
          data={[{ value: 'all', label: 'All' }, ...TRIGGER_TYPES.map(({ value, label }) => ({ value, label }))]}
        />
        <ProblemAlert error={triggers.error} />
        {triggers.isSuccess && shown.length === 0 && !triggers.hasNextPage ? (
          <EmptyState
            title={type ? `No ${type} triggers` : 'No triggers yet'}
            description="A trigger starts a pipeline from outside a schedule: a webhook another system calls, the end of another pipeline's run, or a model-drift event."
          >
            {can.allowed && <EmptyState.Actions>{newButton}</EmptyState.Actions>}
          </EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={720}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Runs pipeline</Table.Th>
                  <Table.Th>Set off by</Table.Th>
                  <Table.Th>Last fired</Table.Th>
                  <Table.Th>Created</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((trigger) => (
                  <Table.Tr key={trigger.id}>
                    <Table.Td>
                      <AnchorLink
                        to="/triggers/$id"
                        params={{ id: trigger.id }}
                        aria-label={`${trigger.type} trigger of ${trigger.pipeline}`}
                      >
                        <Badge variant="light">{trigger.type}</Badge>
                      </AnchorLink>
                    </Table.Td>
                    <Table.Td>{trigger.name ?? '—'}</Table.Td>
                    <Table.Td>{trigger.pipeline}</Table.Td>
                    <Table.Td>
                      <Text size="sm" ff={trigger.type === 'webhook' ? 'monospace' : undefined} lineClamp={1}>
                        {describeSource(trigger)}
                      </Text>
                    </Table.Td>
                    <Table.Td>{trigger.lastFiredAt ? formatLocal(trigger.lastFiredAt) : 'never'}</Table.Td>
                    <Table.Td>{formatLocal(trigger.createdAt)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <LoadMore list={triggers} />
      </Stack>
      <Modal opened={creating} onClose={closeModal} title={created ? 'Webhook created' : 'New trigger'} size="lg">
        {created ? (
          <Stack>
            <WebhookSecretPanel url={created.url} secret={created.secret} />
            <Group justify="flex-end">
              <Button onClick={() => void navigate({ to: '/triggers/$id', params: { id: created.id } })}>I have copied the secret</Button>
            </Group>
          </Stack>
        ) : (
          <TriggerForm onCreated={onCreated} />
        )}
      </Modal>
    </>
  );
}
