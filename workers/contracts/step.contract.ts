import type { PinnedStep } from './pipeline.contract.js';

/** What the workflow hands the generic `executeStep` activity. */
export interface ExecuteStepInput {
  runId: string;
  tenantId: string;
  stepId: string;
  uses: string;
  pin: PinnedStep;
  /** `with`, expressions already evaluated. */
  input: Record<string, unknown>;
  /** Stable across retries of this step (run id + step id + item index). */
  idempotencyKey: string;
  timeoutMs: number;
}

export interface ExecuteStepOutput {
  outputs: Record<string, unknown>;
}

/** `ApplicationFailure.type` values the activity raises, so the workflow can classify failures. */
export const STEP_FAILURE_TYPES = {
  stepError: 'BatonStepError',
  invalidInput: 'BatonInvalidInput',
  invalidOutput: 'BatonInvalidOutput',
  timeout: 'BatonStepTimeout',
  sandbox: 'BatonSandboxError',
  pluginMissing: 'BatonPluginMissing',
} as const;
