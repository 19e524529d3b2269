import { Badge, type BadgeProps, type MantineColor } from '@mantine/core';
import type { paths } from '../api/schema';

type StepStatus = paths['/v1/runs/{id}']['get']['responses'][200]['content']['application/json']['steps'][number]['status'];

/** One colour per run, step and attempt status, the same on every page (badges, graph nodes, Gantt bars). */
export const RUN_STATUS_COLOR: Record<StepStatus, MantineColor> = {
  queued: 'gray',
  running: 'blue',
  waiting: 'yellow',
  succeeded: 'teal',
  failed: 'red',
  cancelled: 'dark',
  timed_out: 'orange',
  skipped: 'gray',
};

export const runStatusLabel = (status: StepStatus) => status.replace('_', ' ');

/** A run's (or step's, or attempt's) status as a coloured badge. */
export function RunStatusBadge({ status, ...props }: { status: StepStatus } & Omit<BadgeProps, 'color' | 'children'>) {
  return (
    <Badge color={RUN_STATUS_COLOR[status]} variant={status === 'skipped' ? 'outline' : 'light'} {...props}>
      {runStatusLabel(status)}
    </Badge>
  );
}
