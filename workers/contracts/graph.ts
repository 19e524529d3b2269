/**
 * The step graph: ordering, cycle detection and the scheduling rules of PIPELINES.md.
 * Pure and deterministic; the interpreter workflow imports it. Definition order (the key order
 * of `steps`) breaks every tie, so the same definition always schedules the same way.
 */
import { APPROVAL_USES, failureHandlerId, type PipelineDefinition, type PipelineStep } from './pipeline.contract.js';

export type GraphStep = Pick<PipelineStep, 'needs' | 'continueOnError'>;
export type GraphSteps = Record<string, GraphStep>;

export const STEP_STATES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled', 'timed_out'] as const;
export type StepState = (typeof STEP_STATES)[number];
export type StepStates = Record<string, StepState>;

const FINISHED: ReadonlySet<StepState> = new Set(['succeeded', 'failed', 'skipped', 'cancelled', 'timed_out']);
/** Need states that skip the steps needing them, unless the need has `continueOnError`. */
const FAILED: ReadonlySet<StepState> = new Set(['failed', 'timed_out', 'cancelled']);
/** Step states that fail the run, unless the step has `continueOnError`. */
const FAILED_RUN: ReadonlySet<StepState> = new Set(['failed', 'timed_out']);

// Step ids such as `constructor` are legal, so lookups must not fall through to Object.prototype.
const needsOf = (steps: GraphSteps, id: string): string[] => (Object.hasOwn(steps, id) ? (steps[id].needs ?? []) : []);
const stateOf = (states: StepStates, id: string): StepState | undefined => (Object.hasOwn(states, id) ? states[id] : undefined);

/**
 * A cycle as the ids along it, each needing the next and the last needing the first
 * (`['a', 'b']` means a → b → a), or null. Needs of unknown steps are ignored.
 */
export function findCycle(steps: GraphSteps): string[] | null {
  const done = new Set<string>();
  const onPath: string[] = [];

  const visit = (id: string): string[] | null => {
    const repeatAt = onPath.indexOf(id);
    if (repeatAt >= 0) return onPath.slice(repeatAt);
    if (done.has(id) || !Object.hasOwn(steps, id)) return null;
    onPath.push(id);
    for (const need of needsOf(steps, id)) {
      const cycle = visit(need);
      if (cycle) return cycle;
    }
    onPath.pop();
    done.add(id);
    return null;
  };

  for (const id of Object.keys(steps)) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return null;
}

/**
 * Every step after all of its needs; among steps that could go next, the one defined first.
 * Throws on a cycle (validation rejects those first).
 */
export function topologicalOrder(steps: GraphSteps): string[] {
  const remaining = Object.keys(steps);
  const placed = new Set<string>();
  const isPlaceable = (id: string) => needsOf(steps, id).every((need) => placed.has(need) || !Object.hasOwn(steps, need));
  while (remaining.length > 0) {
    const index = remaining.findIndex(isPlaceable);
    if (index < 0) throw new Error(`steps ${remaining.join(', ')} form a cycle`);
    placed.add(remaining[index]);
    remaining.splice(index, 1);
  }
  return [...placed];
}

export interface SkipDecision {
  stepId: string;
  reason: string;
}

export interface NextActions {
  /** Pending steps whose needs have all finished; the caller still evaluates their `if`. */
  run: string[];
  /** Pending steps that will never run, in the order they were decided. */
  skip: SkipDecision[];
}

/**
 * What to do with the pending steps now. Skips cascade within one call: a step whose needs were
 * all just skipped is skipped too, so the caller never has to loop.
 */
export function nextActions(steps: GraphSteps, states: StepStates): NextActions {
  const current: StepStates = { ...states };
  const skip: SkipDecision[] = [];
  let decidedSkip = true;
  while (decidedSkip) {
    decidedSkip = false;
    for (const id of pendingSteps(steps, current)) {
      const reason = skipReason(steps, current, id);
      if (reason === null) continue;
      current[id] = 'skipped';
      skip.push({ stepId: id, reason });
      decidedSkip = true;
    }
  }
  const run = pendingSteps(steps, current).filter((id) => needsOf(steps, id).every((need) => isFinished(stateOf(current, need))));
  return { run, skip };
}

function pendingSteps(steps: GraphSteps, states: StepStates): string[] {
  return Object.keys(steps).filter((id) => (stateOf(states, id) ?? 'pending') === 'pending');
}

/** Why `id` must be skipped, or null when it may still run (now or later). */
function skipReason(steps: GraphSteps, states: StepStates, id: string): string | null {
  const needs = needsOf(steps, id);
  const needStates = needs.map((need) => stateOf(states, need));
  if (!needStates.every(isFinished)) return null;
  const blocking = needs.findIndex((need, i) => FAILED.has(needStates[i]!) && !steps[need].continueOnError);
  if (blocking >= 0) return `needs ${needs[blocking]}, which ${describeFailure(needStates[blocking]!)}`;
  if (needs.length > 0 && needStates.every((state) => state === 'skipped')) return 'every step it needs was skipped';
  return null;
}

function describeFailure(state: StepState): string {
  if (state === 'timed_out') return 'timed out';
  if (state === 'cancelled') return 'was cancelled';
  return 'failed';
}

function isFinished(state: StepState | undefined): boolean {
  return state !== undefined && FINISHED.has(state);
}

/** True once no step is pending or running; `states` must hold every step of the run. */
export function isComplete(states: StepStates): boolean {
  return Object.values(states).every(isFinished);
}

export interface RunOutcome {
  status: 'succeeded' | 'failed';
  /** Steps that failed or timed out without `continueOnError`, in definition order. */
  failedSteps: string[];
}

export function runOutcome(steps: GraphSteps, states: StepStates): RunOutcome {
  const failedSteps = Object.keys(steps).filter((id) => FAILED_RUN.has(stateOf(states, id)!) && !steps[id].continueOnError);
  return { status: failedSteps.length > 0 ? 'failed' : 'succeeded', failedSteps };
}

/** Every step `id` transitively needs: the only steps whose outputs exist when `id` runs. */
export function upstreamOf(steps: GraphSteps, id: string): Set<string> {
  const upstream = new Set<string>();
  const pending = [...needsOf(steps, id)];
  while (pending.length > 0) {
    const need = pending.pop()!;
    if (upstream.has(need) || !Object.hasOwn(steps, need)) continue;
    upstream.add(need);
    pending.push(...needsOf(steps, need));
  }
  upstream.delete(id);
  return upstream;
}

/** A run's step rows: the steps in graph order, then one per onFailure handler, so every step has a final status. */
export function runStepRows(definition: PipelineDefinition): Array<{ stepId: string; uses: string; position: number }> {
  const steps = topologicalOrder(definition.steps).map((stepId) => ({ stepId, uses: definition.steps[stepId].uses ?? APPROVAL_USES }));
  const handlers = (definition.onFailure ?? []).map((handler, index) => ({ stepId: failureHandlerId(index), uses: handler.uses! }));
  return [...steps, ...handlers].map((row, position) => ({ ...row, position }));
}
