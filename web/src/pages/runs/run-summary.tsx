import { DataList, SimpleGrid } from '@mantine/core';
import { AnchorLink, RunLink } from '../../components/anchor-link';
import { formatDateTime, formatDuration } from '../../components/format';
import { RunStatusBadge } from '../../components/run-status-badge';
import { DataItem } from './data-item';
import { elapsedMs } from './elapsed';
import { RUN_TRIGGER_LABEL } from './run-status';
import type { RunView } from './run-types';

/** The run at a glance: status, what started it, when, how long, and the runs it relates to. */
export function RunSummary({ run, now }: { run: RunView; now: number }) {
  const related = (id: string) => <RunLink id={id} />;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing={0} mb="md">
      <DataList labelWidth={120}>
        <DataItem label="Status">
          <RunStatusBadge status={run.status} />
        </DataItem>
        <DataItem label="Pipeline">
          <AnchorLink to="/pipelines/$name" params={{ name: run.pipeline }} size="sm">
            {run.pipeline}
          </AnchorLink>{' '}
          v{run.version}
        </DataItem>
        <DataItem label="Trigger">
          {RUN_TRIGGER_LABEL[run.trigger]}
          {run.triggeredBy?.sourceRunId && <> · caused by {related(run.triggeredBy.sourceRunId)}</>}
        </DataItem>
        {run.retryOf && <DataItem label="Retry of">{related(run.retryOf)}</DataItem>}
        {run.parentRunId && <DataItem label="Child of">{related(run.parentRunId)}</DataItem>}
      </DataList>
      <DataList labelWidth={120}>
        <DataItem label="Created">{formatDateTime(run.createdAt)}</DataItem>
        <DataItem label="Started">{formatDateTime(run.startedAt)}</DataItem>
        <DataItem label="Ended">{formatDateTime(run.endedAt)}</DataItem>
        <DataItem label="Took">
          {formatDuration(elapsedMs(run.startedAt, run.endedAt, now))}
          {run.queueWaitMs ? ` (queued ${formatDuration(run.queueWaitMs)})` : ''}
        </DataItem>
      </DataList>
    </SimpleGrid>
  );
}
