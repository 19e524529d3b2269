import type { StepDefinition } from './define-plugin.js';
import { executeStep, type StepOutcome } from './execute-step.js';
import { createStepContext, type LogEntry, type MetricEntry } from './step-context.js';

export interface StepTestOptions {
  secrets?: Record<string, string>;
  attempt?: number;
  signal?: AbortSignal;
  runId?: string;
  tenantId?: string;
}

export type StepTestResult = StepOutcome & { logs: LogEntry[]; metrics: MetricEntry[] };

/**
 * Runs a step in-process with the sandbox's validation rules and collects what it reports.
 * Input goes through JSON first, because in production it arrives as JSON.
 */
export async function runStepForTest(step: StepDefinition, input: unknown, options: StepTestOptions = {}): Promise<StepTestResult> {
  assertSecretsDeclared(step, options.secrets ?? {});
  const logs: LogEntry[] = [];
  const metrics: MetricEntry[] = [];
  const runId = options.runId ?? 'test-run';
  const ctx = createStepContext({
    identity: {
      runId,
      stepId: step.id,
      tenantId: options.tenantId ?? 'test-tenant',
      attempt: options.attempt ?? 1,
      idempotencyKey: `${runId}:${step.id}`,
    },
    signal: options.signal ?? new AbortController().signal,
    secrets: options.secrets ?? {},
    sink: { log: (entry) => logs.push(entry), metric: (entry) => metrics.push(entry) },
  });
  const outcome = await executeStep(step, viaJson(input), ctx);
  return { ...outcome, logs, metrics };
}

function assertSecretsDeclared(step: StepDefinition, secrets: Record<string, string>): void {
  const undeclared = Object.keys(secrets).filter((name) => !step.secrets.includes(name));
  if (undeclared.length > 0) {
    throw new Error(`step "${step.id}" does not declare secrets ${undeclared.join(', ')}; the sandbox would not pass them`);
  }
}

function viaJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
