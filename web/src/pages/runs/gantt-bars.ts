import { formatDuration } from '../../components/format';
import type { RunStep, StepAttempt, StepStatus } from './run-types';

/** A stretch of the chart, in percent of the whole run's span. */
export interface Span {
  left: number;
  width: number;
}

export interface GanttBar {
  key: string;
  attempt: number;
  item?: number;
  status: StepAttempt['status'] | StepStatus;
  /** Waiting in the queue (Temporal scheduled it, no worker had started it yet); null when unknown. */
  queued: Span | null;
  ran: Span;
  /** What a screen reader (and the tooltip) says about the bar. */
  label: string;
}

export interface GanttRow {
  stepId: string;
  uses: string;
  status: StepStatus;
  bars: GanttBar[];
  /** A forEach step: its items, drawn as one bar over all of them. */
  items?: RunStep['items'];
  retries: number;
}

export interface Gantt {
  startMs: number;
  endMs: number;
  rows: GanttRow[];
}

/** Bars narrower than this would vanish; they are widened (a 5 ms step on an hour-long run). */
const MIN_WIDTH = 0.4;

/**
 * The run's steps as Gantt rows: each attempt its own bar (a retry is a second bar, after the
 * first's backoff), its queue wait drawn before it; a forEach step as one bar over its items, with
 * their counts. What still runs ends at `now`. Pure, for testing without a browser.
 */
export function toGantt(steps: RunStep[], now: number): Gantt {
  const attemptsOf = (step: RunStep): StepAttempt[] =>
    step.attempts.length || !step.startedAt
      ? step.attempts
      : [{ attempt: step.attempt, queuedAt: null, startedAt: step.startedAt, endedAt: step.endedAt, status: barStatus(step.status) }];
  const times = steps.flatMap((step) =>
    attemptsOf(step).flatMap((a) => [Date.parse(a.queuedAt ?? a.startedAt), a.endedAt ? Date.parse(a.endedAt) : now]),
  );
  if (!times.length) return { startMs: now, endMs: now, rows: steps.map((step) => emptyRow(step)) };
  const startMs = Math.min(...times);
  const endMs = Math.max(...times, startMs + 1);
  const span = (from: number, to: number): Span => {
    const width = Math.max(MIN_WIDTH, ((to - from) / (endMs - startMs)) * 100);
    // A widened bar at the very end moves left rather than out of the chart.
    return { left: Math.min(((from - startMs) / (endMs - startMs)) * 100, 100 - width), width };
  };

  const rows = steps.map((step): GanttRow => {
    const attempts = attemptsOf(step);
    if (!attempts.length) return emptyRow(step);
    const retries = attempts.filter((a) => a.attempt > 1).length;
    if (step.items) {
      const from = Math.min(...attempts.map((a) => Date.parse(a.startedAt)));
      const to = Math.max(...attempts.map((a) => (a.endedAt ? Date.parse(a.endedAt) : now)));
      const { succeeded, failed, total } = step.items;
      const label = `${step.id}: ${total} items, ${succeeded} succeeded, ${failed} failed, ${retries} retries, ${formatDuration(to - from)}`;
      return {
        ...emptyRow(step),
        items: step.items,
        retries,
        bars: [{ key: 'items', attempt: step.attempt, status: step.status, queued: null, ran: span(from, to), label }],
      };
    }
    const bars = attempts.map((a): GanttBar => {
      const started = Date.parse(a.startedAt);
      const ended = a.endedAt ? Date.parse(a.endedAt) : now;
      const queuedAt = a.queuedAt ? Date.parse(a.queuedAt) : null;
      const waited = queuedAt !== null && queuedAt < started ? started - queuedAt : 0;
      const label =
        `${step.id}, attempt ${a.attempt}${a.item === undefined ? '' : ` (item ${a.item})`}: ${a.status.replace('_', ' ')}, ` +
        `ran ${formatDuration(ended - started)}${waited ? `, queued ${formatDuration(waited)}` : ''}${a.error ? ` — ${a.error.message}` : ''}`;
      return {
        key: `${a.item ?? ''}:${a.attempt}`,
        attempt: a.attempt,
        item: a.item,
        status: a.status,
        queued: waited ? span(queuedAt!, started) : null,
        ran: span(started, ended),
        label,
      };
    });
    return { ...emptyRow(step), bars, retries };
  });
  return { startMs, endMs, rows };
}

const emptyRow = (step: RunStep): GanttRow => ({ stepId: step.id, uses: step.uses, status: step.status, bars: [], retries: 0 });

/** A step without recorded attempts (an approval that waited) drawn in its own status. */
function barStatus(status: StepStatus): StepAttempt['status'] {
  return status === 'failed' || status === 'timed_out' || status === 'cancelled' || status === 'succeeded' ? status : 'running';
}
