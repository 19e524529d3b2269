import type { StepDefinition } from './define-plugin.js';
import type { StepContext } from './step-context.js';
import { isStepError } from './step-error.js';

/** Outputs travel through Temporal payloads (2 MB hard limit); big data goes by reference. */
export const STEP_OUTPUT_MAX_BYTES = 1024 * 1024;
const MAX_REPORTED_ISSUES = 10;

export type StepFailureCode = 'step_error' | 'invalid_input' | 'invalid_output' | 'output_too_large';

export interface StepFailure {
  message: string;
  retryable: boolean;
  code: StepFailureCode;
  /** The `code` a step gave its StepError, if any. */
  stepCode?: string;
}

export type StepOutcome = { ok: true; outputs: Record<string, unknown> } | { ok: false; error: StepFailure };

interface SchemaIssue {
  path: readonly PropertyKey[];
  message: string;
}

/**
 * Runs one step the way the sandbox does: validate input, run, validate output, and require JSON
 * outputs within the size limit. The test harness calls the same function, so a step that passes
 * its tests behaves the same in production.
 */
export async function invokeStep(step: StepDefinition, rawInput: unknown, ctx: StepContext): Promise<StepOutcome> {
  try {
    const input = await step.input.safeParseAsync(rawInput);
    if (!input.success) return invalid('invalid_input', input.error.issues);
    const output = await step.output.safeParseAsync(await step.run(input.data, ctx));
    if (!output.success) return invalid('invalid_output', output.error.issues);
    return toJsonOutputs(output.data);
  } catch (error) {
    // Also catches a throwing refinement in the step's own schemas: that is the step's failure too.
    return { ok: false, error: failureFromThrown(error) };
  }
}

export function failureFromThrown(error: unknown): StepFailure {
  if (isStepError(error)) {
    const failure: StepFailure = { message: error.message, retryable: error.retryable, code: 'step_error' };
    if (typeof error.code === 'string') failure.stepCode = error.code;
    return failure;
  }
  return { message: describeThrown(error), retryable: true, code: 'step_error' };
}

export function formatIssues(issues: readonly SchemaIssue[]): string {
  const shown = issues.slice(0, MAX_REPORTED_ISSUES).map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  const hidden = issues.length - shown.length;
  return hidden > 0 ? `${shown.join('; ')}; and ${hidden} more` : shown.join('; ');
}

function invalid(code: 'invalid_input' | 'invalid_output', issues: readonly SchemaIssue[]): StepOutcome {
  const subject = code === 'invalid_input' ? 'input' : 'output';
  return { ok: false, error: { code, retryable: false, message: `invalid ${subject}: ${formatIssues(issues)}` } };
}

function toJsonOutputs(value: unknown): StepOutcome {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: { code: 'invalid_output', retryable: false, message: 'invalid output: a step must return an object' } };
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    return {
      ok: false,
      error: { code: 'invalid_output', retryable: false, message: `invalid output: not JSON-serialisable (${describeThrown(error)})` },
    };
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > STEP_OUTPUT_MAX_BYTES) {
    const message = `outputs are ${bytes} bytes, over the ${STEP_OUTPUT_MAX_BYTES}-byte limit; pass large data by reference`;
    return { ok: false, error: { code: 'output_too_large', retryable: false, message } };
  }
  return { ok: true, outputs: JSON.parse(json) as Record<string, unknown> };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

function describeThrown(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
}
