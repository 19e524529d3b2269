/**
 * Messages between the worker (host) and a step-runner child, over Node's IPC channel.
 * One child serves one task at a time; every task message carries its `taskId`.
 */
import type { LogFields, LogLevel, MetricTags } from '../../plugins/sdk/src/step-context.js';
import type { StepDomainEventType } from '../contracts/run.contract.js';
import { ARTIFACT_MAX_BYTES, type ArtifactCall, type ArtifactResult } from '../../plugins/sdk/src/step-artifacts.js';
import type { HttpExchange, HttpResult } from '../../plugins/sdk/src/step-fetch.js';
import type { ModelCall, ModelResult } from '../../plugins/sdk/src/step-models.js';

export interface TaskContext {
  runId: string;
  /** The step's key in the pipeline. */
  stepId: string;
  tenantId: string;
  attempt: number;
  idempotencyKey: string;
  secrets: Record<string, string>;
  /** W3C trace context of the step's span, when the worker traces. */
  traceparent?: string;
}

export interface RunTaskMessage {
  type: 'run';
  taskId: string;
  /** Absolute path of the plugin's JS entry. */
  entry: string;
  /** The plugin's step id, e.g. `echo`. */
  stepId: string;
  input: unknown;
  ctx: TaskContext;
}

export interface CancelTaskMessage {
  type: 'cancel';
  taskId: string;
}

/** The broker's answer to a step's `ctx.fetch`. */
export interface HttpResultMessage {
  type: 'http_result';
  taskId: string;
  requestId: number;
  result: HttpResult;
}

/** The host's answer to a step's `ctx.artifacts` call. */
export interface ArtifactResultMessage {
  type: 'artifact_result';
  taskId: string;
  requestId: number;
  result: ArtifactResult;
}

/** The host's answer to a step's `ctx.models` call. */
export interface ModelResultMessage {
  type: 'model_result';
  taskId: string;
  requestId: number;
  result: ModelResult;
}

export type HostMessage = RunTaskMessage | CancelTaskMessage | HttpResultMessage | ArtifactResultMessage | ModelResultMessage;

export type RunnerErrorCode = 'step_error' | 'invalid_input' | 'invalid_output' | 'output_too_large' | 'plugin_missing' | 'crashed';

export interface RunnerError {
  message: string;
  retryable: boolean;
  code: RunnerErrorCode;
  stepCode?: string;
}

export type RunnerMessage =
  /** Sent once, after the runner listens: messages sent earlier could be dropped. */
  | { type: 'ready' }
  | { type: 'log'; taskId: string; level: LogLevel; message: string; fields?: LogFields }
  | { type: 'metric'; taskId: string; name: string; value: number; tags?: MetricTags }
  | { type: 'lineage'; taskId: string; direction: 'input' | 'output'; namespace: string; name: string }
  /** A step's `ctx.emit`: one of the contracts' STEP_DOMAIN_EVENT_TYPES, with a bounded JSON object. */
  | { type: 'event'; taskId: string; event: StepDomainEventType; data: Record<string, unknown> }
  /** A step's `ctx.fetch`, for the host's egress broker. */
  | { type: 'http'; taskId: string; requestId: number; request: HttpExchange }
  /** A step's `ctx.artifacts` call, for the host's artifact store (in the task's tenant). */
  | { type: 'artifact'; taskId: string; requestId: number; call: ArtifactCall }
  /** A step's `ctx.models` call, for the host's model registry (in the task's tenant). */
  | { type: 'model'; taskId: string; requestId: number; call: ModelCall }
  | { type: 'result'; taskId: string; ok: true; outputs: Record<string, unknown> }
  | { type: 'result'; taskId: string; ok: false; error: RunnerError };

/** Both sides enforce these: the runner so a chatty step costs little, the host because it trusts no child. */
export const SANDBOX_LIMITS = {
  maxLogsPerTask: 1_000,
  maxMetricsPerTask: 1_000,
  maxLogMessageChars: 8 * 1024,
  maxLogFieldsBytes: 8 * 1024,
  /** `data` of one `ctx.emit` event, as JSON (the SDK's STEP_EVENT_MAX_BYTES). */
  maxEventDataBytes: 8 * 1024,
  maxMetricNameChars: 200,
  maxMetricTags: 20,
  maxErrorMessageChars: 8 * 1024,
  /** Requests to the host (HTTP, artifacts) one task may have in flight, and may make in all. */
  maxConcurrentHostCalls: 16,
  maxHostCallsPerTask: 10_000,
  /** Largest request body a step may send through the broker (base64 of it, in characters). */
  maxHttpBodyChars: Math.ceil((10 * 1024 * 1024 * 4) / 3) + 4,
  /** Largest artifact a step may put or get in one call (base64 of it, in characters). */
  maxArtifactChars: Math.ceil((ARTIFACT_MAX_BYTES * 4) / 3) + 4,
  /** Largest `ctx.models` call, as JSON (the store bounds metrics, params and dataset at 64 KiB each). */
  maxModelCallBytes: 256 * 1024,
} as const;

export function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… [truncated ${text.length - maxChars} chars]`;
}
