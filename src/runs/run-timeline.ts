import type { ErrorInfo, PipelineDefinition, RunEvent, StepStatus } from '../../workers/contracts/index.js';
import { pipelineGraph, type GraphEdge, type GraphNode } from '../pipelines/definition/pipeline-graph.js';

/**
 * What a run's detail view draws: each step's attempts in time (a Gantt chart) and the pipeline
 * graph with each node's status (a DAG). Both are read models over the run's events and step
 * rows; nothing here is stored.
 */

/** Items of a `forEach` step whose attempts the timeline shows; the rest are in the step's events. */
export const TIMELINE_ITEMS = 100;

/** The events a timeline is made of. */
export const TIMELINE_EVENT_TYPES = [
  'step.started',
  'step.attempt_failed',
  'step.succeeded',
  'step.item_succeeded',
  'step.item_failed',
  'step.failed',
] as const;

export type AttemptStatus = 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled';

export interface AttemptView {
  attempt: number;
  item?: number;
  /** When Temporal scheduled the attempt (after a retry's backoff); `startedAt` minus it is queue wait. */
  queuedAt: string | null;
  startedAt: string;
  endedAt: string | null;
  status: AttemptStatus;
  error?: ErrorInfo;
}

export interface GraphView {
  nodes: Array<GraphNode & { status: StepStatus }>;
  edges: GraphEdge[];
}

type TimelineEvent = Extract<RunEvent, { type: (typeof TIMELINE_EVENT_TYPES)[number] }>;

/** What each step was given (its first attempt's `input`, or only its size when it was too large to keep). */
export function inputsByStep(events: TimelineEvent[]): Map<string, { input: Record<string, unknown> | null; inputBytes?: number }> {
  const inputs = new Map<string, { input: Record<string, unknown> | null; inputBytes?: number }>();
  for (const event of events)
    if (event.type === 'step.started' && event.item === undefined && !inputs.has(event.stepId) && (event.input || event.inputBytes))
      inputs.set(event.stepId, event.input ? { input: event.input } : { input: null, inputBytes: event.inputBytes });
  return inputs;
}

/**
 * Each step's attempts, oldest first, from its events in the order they were appended. An attempt
 * that was retried without recording an end was lost to a timeout (start-to-close or heartbeat,
 * when its worker died); it is closed as `timed_out` with no end time.
 */
export function attemptsByStep(events: TimelineEvent[]): Map<string, AttemptView[]> {
  const byStep = new Map<string, AttemptView[]>();
  const open = new Map<string, AttemptView>();
  const subject = (stepId: string, item: number | undefined) => `${stepId}\u0000${item ?? ''}`;
  const close = (key: string, at: string, status: AttemptStatus, error?: ErrorInfo) => {
    const attempt = open.get(key);
    if (!attempt) return;
    Object.assign(attempt, { endedAt: at, status }, error ? { error } : {});
    open.delete(key);
  };
  for (const event of events) {
    switch (event.type) {
      case 'step.started': {
        const key = subject(event.stepId, event.item);
        const lost = open.get(key);
        if (lost) lost.status = 'timed_out';
        const attempt: AttemptView = {
          attempt: event.attempt,
          ...(event.item === undefined ? {} : { item: event.item }),
          queuedAt: event.queuedAt ?? null,
          startedAt: event.at,
          endedAt: null,
          status: 'running',
        };
        open.set(key, attempt);
        const list = byStep.get(event.stepId) ?? [];
        list.push(attempt);
        byStep.set(event.stepId, list);
        break;
      }
      case 'step.attempt_failed':
        close(subject(event.stepId, event.item), event.at, 'failed', event.error);
        break;
      case 'step.succeeded':
        close(subject(event.stepId, undefined), event.at, 'succeeded');
        break;
      case 'step.item_succeeded':
        close(subject(event.stepId, event.item), event.at, 'succeeded');
        break;
      case 'step.item_failed':
        close(subject(event.stepId, event.item), event.at, event.status, event.error);
        break;
      case 'step.failed':
        // The step's end closes what it left running: a timeout or a cancellation records no attempt end.
        for (const [key, attempt] of open) {
          if (key.startsWith(`${event.stepId}\u0000`))
            close(
              key,
              event.at,
              attempt.item === undefined ? event.status : 'cancelled',
              attempt.item === undefined ? event.error : undefined,
            );
        }
        break;
    }
  }
  return byStep;
}

/** The pinned definition's graph (the pipeline version's own), each node carrying its step's status in this run. */
export function runGraph(definition: PipelineDefinition, statuses: Map<string, StepStatus>): GraphView {
  const { nodes, edges } = pipelineGraph(definition);
  return { nodes: nodes.map((node) => ({ ...node, status: statuses.get(node.id) ?? 'queued' })), edges };
}
