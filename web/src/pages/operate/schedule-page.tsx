import { Alert, Button, Card, Code, DataList, List, Modal, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from '@tanstack/react-router';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { useRoleGate, withReason } from '../../auth/use-role-gate';
import { RunLink } from '../../components/anchor-link';
import { ConfirmButton } from '../../components/confirm-button';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { RunStatusBadge } from '../../components/run-status-badge';
import { ScheduleBackfill } from './schedule-backfill';
import { ScheduleForm } from './schedule-form';
import { describeWhen, overlapPolicy, type ScheduleDetail } from './schedule-types';
import { useScheduleDetail } from './use-schedule';
import { browserZone, formatInZone, formatLocal } from './zoned-time';

type Action = 'pause' | 'resume' | 'trigger';

export function SchedulePage() {
  const { id = '' } = useParams({ strict: false });
  const detail = useScheduleDetail(id);
  const can = useRoleGate('operator', 'Changing schedules');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);

  const act = useMutation({
    mutationFn: (action: Action) => {
      const params = { path: { id } };
      if (action === 'trigger') return ok(api.POST('/v1/schedules/{id}/trigger', { params, body: {} }));
      return ok(action === 'pause' ? api.POST('/v1/schedules/{id}/pause', { params }) : api.POST('/v1/schedules/{id}/resume', { params }));
    },
    onSuccess: async (_, action) => {
      notifications.show({ message: { pause: 'Schedule paused', resume: 'Schedule resumed', trigger: 'Run started' }[action] });
      await queryClient.invalidateQueries({ queryKey: ['schedules'] });
    },
  });
  const remove = async () => {
    await ok(api.DELETE('/v1/schedules/{id}', { params: { path: { id } } }));
    queryClient.removeQueries({ queryKey: ['schedules', 'detail', id] });
    await queryClient.invalidateQueries({ queryKey: ['schedules'] });
    await navigate({ to: '/schedules' });
  };

  const schedule = detail.data;
  if (!schedule) return detail.error ? <ProblemAlert error={detail.error} /> : <Text c="dimmed">Loading…</Text>;

  return (
    <>
      <PageHeader
        title={`Schedule: ${schedule.pipeline}`}
        description={withReason(`${describeWhen(schedule)} in ${schedule.timezone}.`, can.why)}
        actions={
          can.allowed && (
            <>
              <Button
                variant="default"
                loading={act.isPending && act.variables !== 'trigger'}
                onClick={() => act.mutate(schedule.paused ? 'resume' : 'pause')}
              >
                {schedule.paused ? 'Resume' : 'Pause'}
              </Button>
              <Button variant="default" loading={act.isPending && act.variables === 'trigger'} onClick={() => act.mutate('trigger')}>
                Run now
              </Button>
              <Button variant="default" onClick={() => setEditing(true)}>
                Edit
              </Button>
              <ConfirmButton
                label="Delete"
                title="Delete this schedule?"
                message={`It stops firing and its settings are gone. Runs it started stay, and ${schedule.pipeline} itself is not touched.`}
                onConfirm={remove}
              />
            </>
          )
        }
      />
      <Stack>
        <ProblemAlert error={act.error} />
        <EngineNote schedule={schedule} />
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <NextFires schedule={schedule} />
          <RecentRuns schedule={schedule} />
        </SimpleGrid>
        <Settings schedule={schedule} />
        <ScheduleBackfill schedule={schedule} canBackfill={can.allowed} />
      </Stack>
      <Modal opened={editing} onClose={() => setEditing(false)} title="Edit schedule" size="lg">
        <ScheduleForm schedule={schedule} onSaved={() => setEditing(false)} />
      </Modal>
    </>
  );
}

/** Why the engine's state differs from the schedule's own (the reconciler pauses for suspension, plan or payment). */
function EngineNote({ schedule }: { schedule: ScheduleDetail }) {
  if (!schedule.engine)
    return (
      <Alert color="yellow" title="Not in the engine yet" role="note">
        The workflow engine does not hold this schedule right now; Baton recreates it within a minute or so.
      </Alert>
    );
  if (schedule.engine.paused && !schedule.paused)
    return (
      <Alert color="yellow" title="Held by Baton" role="note">
        The schedule is active but does not fire: {schedule.engine.note?.replace(/\s*\[baton:[0-9a-f]+\]$/, '') ?? 'paused in the engine'}.
      </Alert>
    );
  return null;
}

export function NextFires({ schedule }: { schedule: Pick<ScheduleDetail, 'nextRuns' | 'timezone' | 'paused'> }) {
  const local = browserZone();
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Next fires
      </Title>
      <Text size="xs" c="dimmed" mb="xs">
        In {schedule.timezone}
        {schedule.paused ? ': once resumed' : ''}
      </Text>
      {schedule.nextRuns.length === 0 ? (
        <Text size="sm" c="dimmed">
          None: the schedule has ended or the engine has no times for it.
        </Text>
      ) : (
        <List spacing={4} size="sm" aria-label="Next fire times">
          {schedule.nextRuns.map((time) => (
            <List.Item key={time}>
              <Text component="time" dateTime={time} size="sm" ff="monospace">
                {formatInZone(time, schedule.timezone)}
              </Text>
              {local !== schedule.timezone && (
                <Text span size="xs" c="dimmed">
                  {' '}
                  (your time {formatInZone(time, local)})
                </Text>
              )}
            </List.Item>
          ))}
        </List>
      )}
    </Card>
  );
}

function RecentRuns({ schedule }: { schedule: ScheduleDetail }) {
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Recent runs
      </Title>
      {schedule.recentRuns.length === 0 ? (
        <Text size="sm" c="dimmed">
          No runs yet. They appear here as the schedule fires, or use Run now.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={420}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Run</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Started</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {schedule.recentRuns.map((run) => (
                <Table.Tr key={run.runId}>
                  <Table.Td>
                    <RunLink id={run.runId} />
                  </Table.Td>
                  <Table.Td>
                    <RunStatusBadge status={run.status} />
                  </Table.Td>
                  <Table.Td>{formatLocal(run.startedAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}

function Settings({ schedule }: { schedule: ScheduleDetail }) {
  const policy = overlapPolicy(schedule.overlap);
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        Settings
      </Title>
      <DataList labelWidth={160}>
        <DataList.Item>
          <DataList.ItemLabel>State</DataList.ItemLabel>
          <DataList.ItemValue>{schedule.paused ? 'Paused' : 'Active'}</DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Overlap</DataList.ItemLabel>
          <DataList.ItemValue>
            {policy.label}: {policy.explanation}
          </DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Jitter</DataList.ItemLabel>
          <DataList.ItemValue>{schedule.jitter ?? 'none'}</DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Catch-up window</DataList.ItemLabel>
          <DataList.ItemValue>{schedule.catchupWindow ?? 'the engine default (a year)'}</DataList.ItemValue>
        </DataList.Item>
        {(schedule.startAt || schedule.endAt) && (
          <DataList.Item>
            <DataList.ItemLabel>Active between</DataList.ItemLabel>
            <DataList.ItemValue>
              {schedule.startAt ? formatInZone(schedule.startAt, schedule.timezone) : 'now'} and{' '}
              {schedule.endAt ? formatInZone(schedule.endAt, schedule.timezone) : 'no end'}
            </DataList.ItemValue>
          </DataList.Item>
        )}
        <DataList.Item>
          <DataList.ItemLabel>Inputs</DataList.ItemLabel>
          <DataList.ItemValue>
            <Code block>{JSON.stringify(schedule.inputs, null, 2)}</Code>
          </DataList.ItemValue>
        </DataList.Item>
        <DataList.Item>
          <DataList.ItemLabel>Changed</DataList.ItemLabel>
          <DataList.ItemValue>{formatLocal(schedule.updatedAt)}</DataList.ItemValue>
        </DataList.Item>
      </DataList>
    </Card>
  );
}
