import { isLogLevel, type StepEventType } from '../../plugins/sdk/src/step-context.js';
import { STEP_DOMAIN_EVENT_TYPES, type StepDomainEventType } from '../contracts/run.contract.js';
import { STEP_OUTPUT_MAX_BYTES } from '../../plugins/sdk/src/execute-step.js';
import { SANDBOX_LIMITS, truncate, type RunnerErrorCode, type RunnerMessage } from './sandbox-protocol.js';

const RUNNER_ERROR_CODES: ReadonlySet<string> = new Set<RunnerErrorCode>([
  'step_error',
  'invalid_input',
  'invalid_output',
  'output_too_large',
  'plugin_missing',
  'crashed',
]);

/**
 * Turns whatever a child sent into a well-formed, bounded message, or undefined. The child runs
 * untrusted code that can call process.send itself, so nothing it sends is taken on trust.
 */
export function readRunnerMessage(raw: unknown): RunnerMessage | undefined {
  if (!isRecord(raw)) return undefined;
  if (raw.type === 'ready') return { type: 'ready' };
  if (raw.type === 'code_cache') {
    const body = isRecord(raw.cache) ? raw.cache.body : undefined;
    return body instanceof Uint8Array ? { type: 'code_cache', cache: { body } } : undefined;
  }
  if (typeof raw.taskId !== 'string') return undefined;
  switch (raw.type) {
    case 'log':
      return readLog(raw, raw.taskId);
    case 'metric':
      return readMetric(raw, raw.taskId);
    case 'result':
      return raw.ok === true ? readSuccess(raw, raw.taskId) : readFailure(raw, raw.taskId);
    case 'http':
      return readHttp(raw, raw.taskId);
    case 'artifact':
      return readArtifactCall(raw, raw.taskId);
    case 'event':
      return readEvent(raw, raw.taskId);
    case 'model':
      return readModelCall(raw, raw.taskId);
    case 'tcp_open':
      if (!isConnection(raw.connection) || typeof raw.host !== 'string' || raw.host.length > 300 || !Number.isInteger(raw.port))
        return undefined;
      return { type: 'tcp_open', taskId: raw.taskId, connection: raw.connection, host: raw.host, port: raw.port as number };
    case 'tcp_end':
    case 'tcp_close':
      return isConnection(raw.connection) ? { type: raw.type, taskId: raw.taskId, connection: raw.connection } : undefined;
    case 'lineage':
      if ((raw.direction !== 'input' && raw.direction !== 'output') || typeof raw.namespace !== 'string' || typeof raw.name !== 'string')
        return undefined;
      return {
        type: 'lineage',
        taskId: raw.taskId,
        direction: raw.direction,
        namespace: raw.namespace.slice(0, 1024),
        name: raw.name.slice(0, 1024),
      };
    default:
      return undefined;
  }
}

function readLog(raw: Record<string, unknown>, taskId: string): RunnerMessage {
  const message: RunnerMessage = {
    type: 'log',
    taskId,
    level: isLogLevel(raw.level) ? raw.level : 'info',
    message: truncate(String(raw.message), SANDBOX_LIMITS.maxLogMessageChars),
  };
  if (isRecord(raw.fields) && jsonBytes(raw.fields) <= SANDBOX_LIMITS.maxLogFieldsBytes) message.fields = raw.fields;
  return message;
}

function readMetric(raw: Record<string, unknown>, taskId: string): RunnerMessage | undefined {
  if (typeof raw.name !== 'string' || raw.name === '' || typeof raw.value !== 'number' || !Number.isFinite(raw.value)) return undefined;
  const message: RunnerMessage = { type: 'metric', taskId, name: raw.name.slice(0, SANDBOX_LIMITS.maxMetricNameChars), value: raw.value };
  if (isRecord(raw.tags)) message.tags = boundedTags(raw.tags);
  return message;
}

// The SDK's list and the contracts' list must name the same events: a step emitting one the worker drops would be a silent loss.
const sameEventTypes: [StepEventType, StepDomainEventType] extends [StepDomainEventType, StepEventType] ? true : never = true;
void sameEventTypes;

/** Only the event types the contracts list, with a JSON object small enough: a child cannot invent run events. */
function readEvent(raw: Record<string, unknown>, taskId: string): RunnerMessage | undefined {
  const event = (STEP_DOMAIN_EVENT_TYPES as readonly unknown[]).includes(raw.event) ? (raw.event as StepDomainEventType) : undefined;
  if (!event || !isRecord(raw.data) || Array.isArray(raw.data) || jsonBytes(raw.data) > SANDBOX_LIMITS.maxEventDataBytes) return undefined;
  return { type: 'event', taskId, event, data: raw.data };
}

function readSuccess(raw: Record<string, unknown>, taskId: string): RunnerMessage {
  if (!isRecord(raw.outputs) || Array.isArray(raw.outputs)) {
    return {
      type: 'result',
      taskId,
      ok: false,
      error: { code: 'invalid_output', retryable: false, message: 'invalid output: a step must return an object' },
    };
  }
  const bytes = jsonBytes(raw.outputs);
  if (bytes > STEP_OUTPUT_MAX_BYTES) {
    const message = `outputs are ${bytes} bytes, over the ${STEP_OUTPUT_MAX_BYTES}-byte limit; pass large data by reference`;
    return { type: 'result', taskId, ok: false, error: { code: 'output_too_large', retryable: false, message } };
  }
  return { type: 'result', taskId, ok: true, outputs: raw.outputs };
}

function readFailure(raw: Record<string, unknown>, taskId: string): RunnerMessage {
  const error = isRecord(raw.error) ? raw.error : {};
  const code = typeof error.code === 'string' && RUNNER_ERROR_CODES.has(error.code) ? (error.code as RunnerErrorCode) : 'crashed';
  const message: RunnerMessage = {
    type: 'result',
    taskId,
    ok: false,
    error: {
      code,
      retryable: typeof error.retryable === 'boolean' ? error.retryable : true,
      message: truncate(
        typeof error.message === 'string' ? error.message : 'step failed without a message',
        SANDBOX_LIMITS.maxErrorMessageChars,
      ),
    },
  };
  if (typeof error.stepCode === 'string') message.error.stepCode = error.stepCode.slice(0, SANDBOX_LIMITS.maxMetricNameChars);
  return message;
}

/** A well-formed exchange or nothing; which hosts it may reach is the broker's decision, not this one's. */
function readHttp(raw: Record<string, unknown>, taskId: string): RunnerMessage | undefined {
  const request = isRecord(raw.request) ? raw.request : undefined;
  if (typeof raw.requestId !== 'number' || !request || typeof request.url !== 'string' || typeof request.method !== 'string')
    return undefined;
  if (
    !Array.isArray(request.headers) ||
    !request.headers.every((h) => Array.isArray(h) && h.length === 2 && h.every((part) => typeof part === 'string'))
  )
    return undefined;
  if (request.body !== undefined && (!(request.body instanceof Uint8Array) || request.body.byteLength > SANDBOX_LIMITS.maxHttpBodyBytes))
    return undefined;
  const exchange = {
    url: request.url.slice(0, 8 * 1024),
    method: request.method.slice(0, 16),
    headers: (request.headers as Array<[string, string]>).slice(0, 100),
  };
  return {
    type: 'http',
    taskId,
    requestId: raw.requestId,
    request: request.body === undefined ? exchange : { ...exchange, body: request.body },
  };
}

function readArtifactCall(raw: Record<string, unknown>, taskId: string): RunnerMessage | undefined {
  const call = isRecord(raw.call) ? raw.call : undefined;
  if (typeof raw.requestId !== 'number' || !call || typeof call.key !== 'string' || call.key.length > 4096) return undefined;
  if (call.op === 'get') return { type: 'artifact', taskId, requestId: raw.requestId, call: { op: 'get', key: call.key } };
  if (
    call.op !== 'put' ||
    !(call.body instanceof Uint8Array) ||
    call.body.byteLength > SANDBOX_LIMITS.maxArtifactBytes ||
    typeof call.contentType !== 'string'
  )
    return undefined;
  return {
    type: 'artifact',
    taskId,
    requestId: raw.requestId,
    call: { op: 'put', key: call.key, body: call.body, contentType: call.contentType.slice(0, 200) },
  };
}

/** A call of a known operation, bounded in size; the model store checks its fields. */
function readModelCall(raw: Record<string, unknown>, taskId: string): RunnerMessage | undefined {
  const call = isRecord(raw.call) ? raw.call : undefined;
  if (typeof raw.requestId !== 'number' || !call || !['register', 'get', 'promote', 'compare'].includes(call.op as string))
    return undefined;
  if (jsonBytes(call) > SANDBOX_LIMITS.maxModelCallBytes) return undefined;
  return { type: 'model', taskId, requestId: raw.requestId, call: call as unknown as Extract<RunnerMessage, { type: 'model' }>['call'] };
}

function isConnection(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffffffff;
}

function boundedTags(tags: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(tags).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return Object.fromEntries(entries.slice(0, SANDBOX_LIMITS.maxMetricTags).map(([key, value]) => [key.slice(0, 200), value.slice(0, 200)]));
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
