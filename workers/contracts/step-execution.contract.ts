/**
 * Where one plugin step runs. Pure: the validator, the workflows and the docs' tests read it.
 *
 * - `activity`: a Temporal activity on the step's pool (the way every step ran before this file):
 *   any worker of the pool may take it, it heartbeats, and it may run for as long as its timeout.
 * - `local`: a Temporal local activity on the worker that runs the workflow, in the same sandbox
 *   (warm processes, limits, egress rules, secrets): no round trip through the server per step.
 * - `workflow`: carried out by the interpreter itself, for the few first-party steps that are pure
 *   functions of their input; no sandbox and no activity at all.
 */
import { jsonBytes } from './fan-out.contract.js';
import { DEFAULT_POOL, stepPool, type PinnedStep, type PipelineDefinition, type PipelineStep } from './pipeline.contract.js';
import { isChildRunStep } from './run.contract.js';
import { holdsNul, NUL_OUTPUT_MESSAGE } from './stored-json.js';

export type StepExecution = 'activity' | 'local' | 'workflow';
/** What a pipeline may ask for in a step's `execution`. */
export const STEP_EXECUTION_CHOICES = ['activity', 'local'] as const;
export type StepExecutionChoice = (typeof STEP_EXECUTION_CHOICES)[number];

/** Workflows since this patch run light steps as local activities or in the workflow. */
export const LIGHT_STEPS_PATCH = 'light-steps';

/** A sandboxed step's outputs are capped at this size (the SDK's STEP_OUTPUT_MAX_BYTES); so are the workflow's own. */
export const STEP_OUTPUT_MAX_BYTES = 1024 * 1024;

/** First-party steps the interpreter carries out itself: each a pure function of its input. */
const IN_WORKFLOW: Record<string, (input: Record<string, unknown>) => Record<string, unknown>> = {
  'core/echo': (input) => input,
};

/** First-party steps that are short and touch nothing outside the run: local activities unless a step says otherwise. */
const LOCAL_BY_DEFAULT: ReadonlySet<string> = new Set(['core/log', 'core/fail']);

const stepName = (pin: PinnedStep) => `${pin.plugin}/${pin.step}`;

/**
 * Where a step runs: a step on a pool of its own, or one that says `execution: activity`, is an
 * activity; `execution: local` makes any other one a local activity; else the engine chooses by the
 * plugin step (names of first-party plugins belong to the installation, see the registry).
 */
export function stepExecution(
  step: Pick<PipelineStep, 'execution' | 'runsOn' | 'with'>,
  pin: PinnedStep,
  definition: Pick<PipelineDefinition, 'runsOn'>,
  hasSecrets: boolean,
): StepExecution {
  if (isChildRunStep(pin) || stepPool(step, definition) !== DEFAULT_POOL || step.execution === 'activity') return 'activity';
  if (step.execution === 'local') return 'local';
  // The worker puts secrets in; the workflow never holds their values.
  if (stepName(pin) in IN_WORKFLOW && !hasSecrets) return 'workflow';
  return LOCAL_BY_DEFAULT.has(stepName(pin)) ? 'local' : 'activity';
}

export type InWorkflowResult = { ok: true; outputs: Record<string, unknown> } | { ok: false; code: string; message: string };

/** A `workflow` step's outputs, checked as the sandbox checks a plugin's: no NUL, no more than STEP_OUTPUT_MAX_BYTES. */
export function runInWorkflow(pin: PinnedStep, input: Record<string, unknown>): InWorkflowResult {
  const outputs = IN_WORKFLOW[stepName(pin)](input);
  if (holdsNul(outputs)) return { ok: false, code: 'invalid_output', message: NUL_OUTPUT_MESSAGE };
  const bytes = jsonBytes(outputs);
  if (bytes > STEP_OUTPUT_MAX_BYTES)
    return {
      ok: false,
      code: 'output_too_large',
      message: `outputs are ${bytes} bytes, over the ${STEP_OUTPUT_MAX_BYTES}-byte limit; pass large data by reference`,
    };
  return { ok: true, outputs };
}
