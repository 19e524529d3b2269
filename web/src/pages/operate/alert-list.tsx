import { Badge, Button, Code, Drawer, EmptyState, Group, List, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { RunLink } from '../../components/anchor-link';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { ProblemAlert } from '../../components/problem-alert';
import { ALERT_TYPES, alertTypeLabel, type AlertType } from './alert-types';
import type { AlertsSearch } from './alerts-page';
import { usePipelineNames } from './use-pipelines';
import { formatLocal } from './zoned-time';

const DELIVERY_COLOR = { pending: 'yellow', delivered: 'green', failed: 'red' } as const;

/** The alerts raised, newest first, filtered by type and pipeline (in the URL, so a filtered view is a link). */
export function AlertList() {
  const search: AlertsSearch = useSearch({ strict: false });
  const navigate = useNavigate();
  const pipelines = usePipelineNames();
  const [openId, setOpenId] = useState<string>();
  const filter = (change: Partial<AlertsSearch>) => void navigate({ to: '/alerts', search: { ...search, ...change } });
  const alerts = useCursorList(['alerts', 'list', search.type ?? '', search.pipeline ?? ''], (cursor) =>
    ok(api.GET('/v1/alerts', { params: { query: { type: search.type, pipeline: search.pipeline, cursor } } })),
  );

  return (
    <Stack>
      <Group align="flex-end">
        <Select<AlertType>
          label="Type"
          placeholder="All types"
          data={ALERT_TYPES.map(({ value, label }) => ({ value, label }))}
          value={search.type ?? null}
          onChange={(type) => filter({ type: type ?? undefined })}
          clearable
          w={220}
        />
        <Select
          label="Pipeline"
          placeholder="All pipelines"
          data={pipelines.data ?? []}
          value={search.pipeline ?? null}
          onChange={(pipeline) => filter({ pipeline: pipeline ?? undefined })}
          clearable
          searchable
          w={260}
        />
      </Group>
      <ProblemAlert error={alerts.error} />
      {alerts.isSuccess && alerts.items.length === 0 ? (
        <EmptyState
          title={search.type || search.pipeline ? 'No alerts match' : 'No alerts raised'}
          description="Alerts are raised when a run fails or times out, passes its SLA, fails a quality check, or a step reports model drift. Add a channel to be told as they happen."
        >
          <EmptyState.Actions>
            <Button variant="default" onClick={() => void navigate({ to: '/alerts', search: { tab: 'channels' } })}>
              Set up a channel
            </Button>
          </EmptyState.Actions>
        </EmptyState>
      ) : (
        <Table.ScrollContainer minWidth={820}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Occurred</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Pipeline</Table.Th>
                <Table.Th>Run</Table.Th>
                <Table.Th>Message</Table.Th>
                <Table.Th>Deliveries</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {alerts.items.map((alert) => (
                <Table.Tr key={alert.id}>
                  <Table.Td>{formatLocal(alert.occurredAt)}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color="red">
                      {alertTypeLabel(alert.type)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{alert.pipeline}</Table.Td>
                  <Table.Td>
                    <RunLink id={alert.runId} />
                    {alert.stepId && <Text size="xs" c="dimmed">{`step ${alert.stepId}`}</Text>}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" lineClamp={2}>
                      {alert.message}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="default"
                      onClick={() => setOpenId(alert.id)}
                      aria-label={`Deliveries of the alert of ${formatLocal(alert.occurredAt)}`}
                    >
                      Show
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={alerts} />
      <Drawer opened={Boolean(openId)} onClose={() => setOpenId(undefined)} position="right" size="lg" title="Alert">
        {openId && <AlertDetail id={openId} />}
      </Drawer>
    </Stack>
  );
}

function AlertDetail({ id }: { id: string }) {
  const alert = useQuery({
    queryKey: ['alerts', 'detail', id],
    queryFn: () => ok(api.GET('/v1/alerts/{id}', { params: { path: { id } } })),
  });
  if (!alert.data) return alert.error ? <ProblemAlert error={alert.error} /> : <Text c="dimmed">Loading…</Text>;
  const { data } = alert;
  return (
    <Stack>
      <Text size="sm">{data.message}</Text>
      <Code block>{JSON.stringify(data.data, null, 2)}</Code>
      <Title order={2} size="h5">
        Deliveries
      </Title>
      {data.deliveries.length === 0 && (
        <Text size="sm" c="dimmed">
          No channel was subscribed to this alert type when it was raised.
        </Text>
      )}
      {data.deliveries.map((delivery) => (
        <Stack key={delivery.id} gap={4}>
          <Group gap="xs">
            <Badge color={DELIVERY_COLOR[delivery.status]} variant="light">
              {delivery.status}
            </Badge>
            <Text size="sm">{delivery.channel.name ?? delivery.channel.url}</Text>
          </Group>
          <Text size="xs" c="dimmed">
            {delivery.attempts} attempt(s)
            {delivery.deliveredAt ? `, delivered ${formatLocal(delivery.deliveredAt)}` : ''}
            {delivery.nextAttemptAt ? `, next attempt ${formatLocal(delivery.nextAttemptAt)}` : ''}
          </Text>
          <List size="xs">
            {delivery.log.map((attempt) => (
              <List.Item key={attempt.attempt}>
                #{attempt.attempt} {formatLocal(attempt.at)}: {attempt.statusCode !== null ? `HTTP ${attempt.statusCode}` : 'no answer'}
                {attempt.error ? ` (${attempt.error})` : ''}, {attempt.durationMs} ms
              </List.Item>
            ))}
          </List>
        </Stack>
      ))}
    </Stack>
  );
}
