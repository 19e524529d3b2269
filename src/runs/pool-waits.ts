import {
  DEFAULT_POOL,
  isChildRunStep,
  stepPool,
  type PinnedStep,
  type PipelineDefinition,
  type PipelineStep,
  type StepStatus,
} from '../../workers/contracts/index.js';

const ENDED: readonly StepStatus[] = ['succeeded', 'failed', 'cancelled', 'timed_out', 'skipped'];

/**
 * The plugin steps of a running run that a worker should be running now — started, or queued
 * with every step they need ended (the interpreter schedules those at once) — each with the
 * worker pool it runs on. Approval steps and child runs run on no pool.
 */
export function stepsDueOnPools(
  definition: Pick<PipelineDefinition, 'steps' | 'runsOn'>,
  pins: Record<string, PinnedStep>,
  statuses: ReadonlyMap<string, StepStatus>,
): Map<string, string> {
  const due = new Map<string, string>();
  for (const [stepId, step] of Object.entries(definition.steps)) {
    if (step.uses === undefined || isChildRunStep(pins[stepId])) continue;
    const status = statuses.get(stepId);
    const ready = status === 'queued' && (step.needs ?? []).every((need) => ENDED.includes(statuses.get(need) ?? 'queued'));
    if (status === 'running' || ready) due.set(stepId, stepPool(step, definition));
  }
  return due;
}

/**
 * `{ pool }` for a plugin step (or `onFailure` handler) that runs on a pool other than the
 * default one; nothing for the rest, so that a run without pools reads as before.
 */
export function poolField(
  version: { definition: PipelineDefinition; pins: Record<string, PinnedStep> } | undefined,
  stepId: string,
): { pool?: string } {
  if (!version) return {};
  const { definition, pins } = version;
  const step: PipelineStep | undefined = Object.hasOwn(definition.steps, stepId) ? definition.steps[stepId] : undefined;
  if (step?.approval || (pins[stepId] && isChildRunStep(pins[stepId]))) return {};
  const pool = stepPool(step ?? {}, definition);
  return pool === DEFAULT_POOL ? {} : { pool };
}
