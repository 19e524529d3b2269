/**
 * Messages between the worker (host) and a step-runner child, as frames on a pipe of their own
 * (frame-codec.ts). One child serves one task at a time; every task message carries its `taskId`.
 * Bodies (artifacts, HTTP) travel as raw bytes beside a message's JSON, never inside it.
 */
import type { LogFields, LogLevel, MetricTags } from '../../plugins/sdk/src/step-context.js';
import type { StepDomainEventType } from '../contracts/run.contract.js';
import { ARTIFACT_MAX_BYTES, type ArtifactCall, type ArtifactResult } from '../../plugins/sdk/src/step-artifacts.js';
import type { FrameLimits } from './frame-codec.js';
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
  /** The digest the pipeline pinned: the runner loads the entry only while its bytes have it. */
  digest?: string;
  /** The plugin's step id, e.g. `echo`. */
  stepId: string;
  input: unknown;
  ctx: TaskContext;
  /** The process's private writable folder, when the plugin's manifest grants `sandbox.scratch`. */
  scratch?: string;
  /** The installation modules the plugin's signed manifest lists (`sandbox.installed`): all `ctx.installed` may load, resolved from the installation's root. */
  installed?: { from: string; modules: string[] };
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

/** The relay's answers about one of the step's TCP connections (`ctx.net`). */
export type TcpHostMessage =
  | { type: 'tcp_opened'; taskId: string; connection: number; remoteAddress: string; remotePort: number }
  /** `network_denied`: the endpoint is not approved or its address is refused; `connect_failed`/`connection_lost`: the network. */
  | {
      type: 'tcp_error';
      taskId: string;
      connection: number;
      code: 'network_denied' | 'connect_failed' | 'connection_lost';
      message: string;
      errno?: string;
    }
  /** The remote end finished sending. */
  | { type: 'tcp_end'; taskId: string; connection: number }
  /** The connection is closed, without an error. */
  | { type: 'tcp_closed'; taskId: string; connection: number }
  /** `bytes` the step sent on the connection have reached the socket: the step may send as many more. */
  | { type: 'tcp_ack'; taskId: string; connection: number; bytes: number };

export type HostMessage =
  RunTaskMessage | CancelTaskMessage | HttpResultMessage | ArtifactResultMessage | ModelResultMessage | TcpHostMessage;

export type RunnerErrorCode = 'step_error' | 'invalid_input' | 'invalid_output' | 'output_too_large' | 'plugin_missing' | 'crashed';

export interface RunnerError {
  message: string;
  retryable: boolean;
  code: RunnerErrorCode;
  stepCode?: string;
}

/** V8's code cache of one bundle, made by the worker (code-caches.ts), for a runner to load that digest with. */
export interface CodeCacheFile {
  digest: string;
  path: string;
}

export type RunnerMessage =
  /** Sent once, after the runner listens: messages sent earlier could be dropped. */
  | { type: 'ready' }
  /** Only from a process started with `--compile` (which runs no plugin code): V8's code cache of its bundle. */
  | { type: 'code_cache'; cache: { body: Uint8Array } }
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
  /** A step's `ctx.net` connection to `host:port`, for the host's TCP relay; `connection` is the step's number for it. */
  | { type: 'tcp_open'; taskId: string; connection: number; host: string; port: number }
  /** The step finished sending on a connection (half close). */
  | { type: 'tcp_end'; taskId: string; connection: number }
  | { type: 'tcp_close'; taskId: string; connection: number }
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
  /** Largest request body a step may send through the broker. */
  maxHttpBodyBytes: 10 * 1024 * 1024,
  /** Largest artifact a step may put or get in one call. */
  maxArtifactBytes: ARTIFACT_MAX_BYTES,
  /** TCP connections (`ctx.net`) one task may have open at once, and may open in all. */
  maxOpenConnections: 16,
  maxConnectionsPerTask: 1_000,
  /** Bytes a step may have sent on one connection that the relay has not yet written (acknowledged). */
  connectionWindowBytes: 1024 * 1024,
  connectTimeoutMs: 10_000,
  /** Largest piece of relayed TCP data in one frame. */
  relayChunkBytes: 64 * 1024,
  /** Largest `ctx.models` call, as JSON (the store bounds metrics, params and dataset at 64 KiB each). */
  maxModelCallBytes: 256 * 1024,
} as const;

/**
 * What the worker reads from a step process before it gives up on it: a message of more JSON than a
 * step can legitimately send (outputs are at most 1 MiB) or a bigger body than one artifact is a
 * protocol error that ends the step; so is a relayed chunk over the size the runner writes.
 */
export const CHANNEL_LIMITS: FrameLimits = {
  maxJsonBytes: 16 * 1024 * 1024,
  maxBodyBytes: ARTIFACT_MAX_BYTES,
  maxDataBytes: SANDBOX_LIMITS.relayChunkBytes,
};
/** What the runner accepts from the worker, which it trusts: room for a task's input and any artifact. */
export const RUNNER_CHANNEL_LIMITS: FrameLimits = {
  maxJsonBytes: 256 * 1024 * 1024,
  maxBodyBytes: 2 * ARTIFACT_MAX_BYTES,
  maxDataBytes: 1024 * 1024,
};

/** Which object of a message carries its `body` when there is one. */
const BODY_HOLDER: Partial<Record<string, string>> = {
  http: 'request',
  artifact: 'call',
  http_result: 'result',
  artifact_result: 'result',
  code_cache: 'cache',
};

/** A message as JSON and its body as raw bytes, for `FrameChannel.send`. */
export function splitBody(message: RunnerMessage | HostMessage): [object, Uint8Array | undefined] {
  const holder = BODY_HOLDER[message.type];
  const inner = holder ? (message as unknown as Record<string, unknown>)[holder] : undefined;
  if (!holder || typeof inner !== 'object' || inner === null || !((inner as { body?: unknown }).body instanceof Uint8Array))
    return [message, undefined];
  const { body, ...rest } = inner as { body: Uint8Array };
  return [{ ...message, [holder]: rest }, body];
}

/** The message as it was sent: its body put back where `splitBody` took it from. Whether the result is well-formed is the reader's to check. */
export function joinBody(message: unknown, body: Buffer | undefined): unknown {
  if (!body || typeof message !== 'object' || message === null) return message;
  const holder = BODY_HOLDER[String((message as { type?: unknown }).type)];
  const inner = holder ? (message as Record<string, unknown>)[holder] : undefined;
  if (!holder || typeof inner !== 'object' || inner === null) return message;
  (inner as Record<string, unknown>).body = body;
  return message;
}

export function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… [truncated ${text.length - maxChars} chars]`;
}
