/**
 * A small, deliberately naive reference model of the graph semantics of PIPELINES.md, written
 * from the design text and not from the engine: given a pipeline made of `core/echo` and
 * `core/fail` steps, it predicts every step's final status and the run's status.
 *
 * - a step runs once everything in `needs` has finished;
 * - a step whose need failed is skipped, unless that need has `continueOnError: true`;
 * - a step whose needs were all skipped is skipped (a mix of skipped and finished needs runs);
 * - a step whose `if` is false is skipped; `${{ steps.x.outputs.flag }}` reads the outputs of an
 *   echo step, which are its `with` (a step that did not run has no outputs, so the flag is falsy);
 * - `core/echo` succeeds, `core/fail` fails; a `forEach` step runs once per item, so over no items
 *   it succeeds whatever it uses (its outputs are a list, never read as a flag here);
 * - the run fails iff some step failed without `continueOnError`.
 */

export type ModelStatus = 'succeeded' | 'failed' | 'skipped';

export interface ModelStep {
  uses: string;
  needs?: string[];
  if?: boolean | string;
  with?: Record<string, unknown>;
  continueOnError?: boolean;
  forEach?: unknown[];
}

export interface ModelPrediction {
  run: 'succeeded' | 'failed';
  steps: Record<string, ModelStatus>;
}

const FLAG_CONDITION = /^\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.flag\s*\}\}$/;

export function predict(steps: Record<string, ModelStep>): ModelPrediction {
  const status: Record<string, ModelStatus> = {};
  const visiting = new Set<string>();

  const statusOf = (id: string): ModelStatus => {
    if (Object.hasOwn(status, id)) return status[id];
    if (!Object.hasOwn(steps, id)) throw new Error(`model: unknown step ${id}`);
    if (visiting.has(id)) throw new Error(`model: cycle through ${id}`);
    visiting.add(id);
    status[id] = decide(id);
    visiting.delete(id);
    return status[id];
  };

  const conditionHolds = (id: string): boolean => {
    const condition = steps[id].if;
    if (condition === undefined || typeof condition === 'boolean') return condition ?? true;
    const match = FLAG_CONDITION.exec(condition);
    if (!match) throw new Error(`model: \`if\` ${JSON.stringify(condition)} is outside what the model covers`);
    const source = match[1];
    if (statusOf(source) !== 'succeeded') return false;
    return truthy(outputsOf(source)?.flag);
  };

  const outputsOf = (id: string): Record<string, unknown> | null =>
    kindOf(steps[id]) === 'echo' && !steps[id].forEach ? (steps[id].with ?? {}) : null;

  const decide = (id: string): ModelStatus => {
    const step = steps[id];
    const needs = step.needs ?? [];
    const needStatus = needs.map(statusOf);
    if (needs.some((need, i) => needStatus[i] === 'failed' && !steps[need].continueOnError)) return 'skipped';
    if (needs.length > 0 && needStatus.every((s) => s === 'skipped')) return 'skipped';
    if (!conditionHolds(id)) return 'skipped';
    return kindOf(step) === 'echo' || step.forEach?.length === 0 ? 'succeeded' : 'failed';
  };

  for (const id of Object.keys(steps)) statusOf(id);
  const failed = Object.keys(steps).some((id) => status[id] === 'failed' && !steps[id].continueOnError);
  return { run: failed ? 'failed' : 'succeeded', steps: status };
}

function kindOf(step: ModelStep): 'echo' | 'fail' {
  if (step.uses.startsWith('core/echo@')) return 'echo';
  if (step.uses.startsWith('core/fail@')) return 'fail';
  throw new Error(`model: ${step.uses} is outside what the model covers`);
}

/** JSONata-ish truthiness as `if` uses it: false, null, undefined, 0, '' and [] are false. */
function truthy(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}
