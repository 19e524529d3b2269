import type { MantineColor } from '@mantine/core';
import { RUN_STATUS_COLOR } from '../../components/run-status-badge';
import type { RunStatus, RunTrigger, StepStatus } from './run-types';

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out'];
const ACTIVE: readonly RunStatus[] = ['queued', 'running', 'waiting'];

/** A run still going: it can be cancelled, and its events and logs are worth following live. */
export const isRunActive = (status: RunStatus) => ACTIVE.includes(status);

/** What started a run, in the words the filter offers (the API's `api` is a start by hand or by a client). */
export const RUN_TRIGGER_LABEL: Record<RunTrigger, string> = {
  api: 'Manual / API',
  schedule: 'Schedule',
  webhook: 'Webhook',
  pipeline: "Another run's end",
  event: 'Step event',
  retry: 'Retry',
  amqp: 'AMQP message',
  nats: 'NATS message',
};
export const RUN_TRIGGERS = Object.keys(RUN_TRIGGER_LABEL) as RunTrigger[];

export interface StatusTone {
  color: MantineColor;
  /** Mantine's theme variables, so that the colours follow the light or dark scheme. */
  border: string;
  background: string;
  /** Drawn dashed: the step did not run (skipped) or has not yet (queued). */
  dashed: boolean;
}

/** How a step (a graph node, a Gantt bar) looks in a given status. */
export function statusTone(status: StepStatus): StatusTone {
  const color = RUN_STATUS_COLOR[status];
  return {
    color,
    border: `var(--mantine-color-${color}-filled)`,
    background: `var(--mantine-color-${color}-light)`,
    dashed: status === 'skipped' || status === 'queued',
  };
}
