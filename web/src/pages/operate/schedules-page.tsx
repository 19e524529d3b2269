import { Badge, Button, EmptyState, Modal, Select, Stack, Table, Text } from '@mantine/core';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { useRoleGate, withReason } from '../../auth/use-role-gate';
import { AnchorLink } from '../../components/anchor-link';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { ScheduleForm } from './schedule-form';
import { describeWhen, overlapPolicy, type Schedule } from './schedule-types';
import { usePipelineNames } from './use-pipelines';
import { useScheduleDetail } from './use-schedule';
import { formatInZone } from './zoned-time';

export interface SchedulesSearch {
  pipeline?: string;
}

export function SchedulesPage() {
  const { pipeline }: SchedulesSearch = useSearch({ strict: false });
  const navigate = useNavigate();
  const can = useRoleGate('operator', 'Creating schedules');
  const pipelines = usePipelineNames();
  const [creating, setCreating] = useState(false);
  const schedules = useCursorList(['schedules', 'list', pipeline ?? ''], (cursor) =>
    ok(api.GET('/v1/schedules', { params: { query: { pipeline, cursor } } })),
  );

  const newButton = (
    <Button onClick={() => setCreating(true)} disabled={!can.allowed} title={can.why}>
      New schedule
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Schedules"
        description={withReason('Run pipelines on a cron expression or at a fixed interval, in the time zone you choose.', can.why)}
        actions={newButton}
      />
      <Stack>
        <Select
          label="Pipeline"
          placeholder="All pipelines"
          data={pipelines.data ?? []}
          value={pipeline ?? null}
          onChange={(name) => void navigate({ to: '/schedules', search: { pipeline: name ?? undefined } })}
          clearable
          searchable
          maw={320}
        />
        <ProblemAlert error={schedules.error} />
        {schedules.isSuccess && schedules.items.length === 0 ? (
          <EmptyState
            title={pipeline ? `No schedule runs ${pipeline}` : 'No schedules yet'}
            description="A schedule starts a run of a pipeline's latest version at set times: nightly loads, hourly syncs, a weekly report. Paused ones keep their settings until resumed."
          >
            {can.allowed && <EmptyState.Actions>{newButton}</EmptyState.Actions>}
          </EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Pipeline</Table.Th>
                  <Table.Th>Fires</Table.Th>
                  <Table.Th>Time zone</Table.Th>
                  <Table.Th>Overlap</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Next fire</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {schedules.items.map((schedule) => (
                  <ScheduleRow key={schedule.id} schedule={schedule} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <LoadMore list={schedules} />
      </Stack>
      <Modal opened={creating} onClose={() => setCreating(false)} title="New schedule" size="lg">
        <ScheduleForm onSaved={(saved) => void navigate({ to: '/schedules/$id', params: { id: saved.id } })} />
      </Modal>
    </>
  );
}

function ScheduleRow({ schedule }: { schedule: Schedule }) {
  return (
    <Table.Tr>
      <Table.Td>
        <AnchorLink to="/schedules/$id" params={{ id: schedule.id }}>
          {schedule.pipeline}
        </AnchorLink>
      </Table.Td>
      <Table.Td ff="monospace">{describeWhen(schedule)}</Table.Td>
      <Table.Td>{schedule.timezone}</Table.Td>
      <Table.Td>{overlapPolicy(schedule.overlap).label}</Table.Td>
      <Table.Td>
        <Badge variant="light" color={schedule.paused ? 'gray' : 'green'}>
          {schedule.paused ? 'Paused' : 'Active'}
        </Badge>
      </Table.Td>
      <Table.Td>
        <NextFire schedule={schedule} />
      </Table.Td>
    </Table.Tr>
  );
}

/** The list has no fire times of its own: each active row asks for its schedule's (the detail page reuses the answer). */
function NextFire({ schedule }: { schedule: Schedule }) {
  const detail = useScheduleDetail(schedule.id, !schedule.paused);
  if (schedule.paused) return <Text c="dimmed">—</Text>;
  if (detail.isPending) return <Text c="dimmed">…</Text>;
  const next = detail.data?.nextRuns[0];
  return <Text size="sm">{next ? formatInZone(next, schedule.timezone) : 'none'}</Text>;
}
