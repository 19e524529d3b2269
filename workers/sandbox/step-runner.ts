/**
 * Child-process entry that runs plugin steps for StepSandbox, one task at a time, over frames on
 * fd 3 (frame-codec.ts). Started as `node --max-old-space-size=N <permission flags> step-runner.cjs`
 * (this module and its imports in one script, bundle-step-runner.ts) with an empty environment: Node's permission model lets it read only code (see node-permissions.ts).
 * A spare (started ahead of demand, before any task names a tenant) gets `--preload <entry> [digest]`
 * and loads that plugin before it says it is ready. `--code-cache <digest> <path>`: V8's code cache
 * of that bundle, made by a process started with `--compile <entry> <digest>`, which compiles the
 * bundle, sends the cache, and exits without running any of it (plugin-loader.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import type { PluginDefinition, StepDefinition } from '../../plugins/sdk/src/define-plugin.js';
import { invokeStep, failureFromThrown } from '../../plugins/sdk/src/execute-step.js';
import {
  createStepContext,
  type LineageEntry,
  type LogEntry,
  type LogLevel,
  type MetricEntry,
  type StepEventEntry,
  type StepTelemetrySink,
} from '../../plugins/sdk/src/step-context.js';
import { StepError } from '../../plugins/sdk/src/step-error.js';
import type { ArtifactResult } from '../../plugins/sdk/src/step-artifacts.js';
import type { HttpResult } from '../../plugins/sdk/src/step-fetch.js';
import type { ModelResult } from '../../plugins/sdk/src/step-models.js';
import { redact } from '../contracts/secret-envelope.js';
import { FrameChannel } from './frame-channel.js';
import { compileOnly, PluginLoader } from './plugin-loader.js';
import { RelaySockets } from './relay-socket.js';
import {
  joinBody,
  RUNNER_CHANNEL_LIMITS,
  SANDBOX_LIMITS,
  splitBody,
  truncate,
  type HostMessage,
  type RunnerError,
  type RunnerMessage,
  type RunTaskMessage,
} from './sandbox-protocol.js';

type Send = (message: RunnerMessage, onSent?: () => void) => void;
type TaskResultMessage = Extract<RunnerMessage, { type: 'result' }>;

const CRASH_EXIT_CODE = 70;
const CRASH_REPORT_WAIT_MS = 1_000;
/** The worker's end of the pipe StepSandbox gives every runner. */
const HOST_FD = 3;

const channel = connectToHost();
const send: Send = (message, onSent) => {
  const [json, body] = splitBody(message);
  channel.send(json, body, onSent);
};
const sockets = new RelaySockets({
  send: (message) => send(message),
  sendData: (connection, bytes) => channel.sendData(connection, bytes),
});
const args = process.argv.slice(2);
const plugins = new PluginLoader(option('--code-cache', ([digest, path]) => ({ digest, path })));
const cancellers = new Map<string, AbortController>();
const pendingHostCalls = new Map<number, (result: unknown) => void>();
let lastHostCallId = 0;
let taskQueue: Promise<void> = Promise.resolve();
/** Follows a task's async work, so console output from a step's leftover timers cannot land in a later task. */
const taskTelemetry = new AsyncLocalStorage<BoundedTelemetry>();
let activeTaskId: string | undefined;
let crashing = false;

redirectConsoleToTask();
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);
const compile = option('--compile', ([entry, digest]) => ({ entry, digest }));
if (compile) sendCodeCache(compile.entry, compile.digest);
else announceReady(option('--preload', ([entry, digest]) => ({ entry, digest: digest || undefined })));

/** The values after a flag of the runner's command line, if it has the flag. */
function option<T>(flag: string, read: (values: string[]) => T): T | undefined {
  const at = args.indexOf(flag);
  return at < 0 || !args[at + 1] ? undefined : read(args.slice(at + 1));
}

/** A load that fails here is not kept: the first task loads again and reports why. */
function announceReady(preload: { entry: string; digest: string | undefined } | undefined): void {
  if (!preload) return send({ type: 'ready' });
  void plugins
    .load(preload.entry, preload.digest)
    .catch(() => undefined)
    .finally(() => send({ type: 'ready' }));
}

/** Compile-only: the cache goes to the worker, then the process exits; a bundle it cannot cache gets no message. */
function sendCodeCache(entry: string, digest: string): void {
  let cache: Buffer | undefined;
  try {
    cache = compileOnly(entry, digest);
  } catch {
    // The first step of this plugin loads it and reports why it cannot.
  }
  if (!cache) return process.exit(0);
  send({ type: 'code_cache', cache: { body: cache } }, () => process.exit(0));
}

function connectToHost(): FrameChannel {
  let pipe: Socket;
  try {
    pipe = new Socket({ fd: HOST_FD, readable: true, writable: true });
  } catch {
    process.stderr.write('step-runner needs the worker on fd 3: it is started by StepSandbox\n');
    process.exit(2);
  }
  return new FrameChannel(pipe, RUNNER_CHANNEL_LIMITS, {
    onMessage: (message, body) => onHostMessage(joinBody(message, body) as HostMessage),
    onData: (connection, bytes) => sockets.onData(connection, bytes),
    // The worker went away (or broke the format, which it does not): nothing left to serve.
    onClose: () => process.exit(0),
  });
}

function onHostMessage(message: HostMessage): void {
  if (message.type === 'cancel') {
    cancellers.get(message.taskId)?.abort();
    return;
  }
  if (
    message.type === 'tcp_opened' ||
    message.type === 'tcp_error' ||
    message.type === 'tcp_end' ||
    message.type === 'tcp_closed' ||
    message.type === 'tcp_ack'
  ) {
    sockets.onMessage(message);
    return;
  }
  if (message.type === 'http_result' || message.type === 'artifact_result' || message.type === 'model_result') {
    pendingHostCalls.get(message.requestId)?.(message.result);
    return;
  }
  const canceller = new AbortController();
  cancellers.set(message.taskId, canceller);
  taskQueue = taskQueue.then(() => runTask(message, canceller.signal));
}

async function runTask(message: RunTaskMessage, signal: AbortSignal): Promise<void> {
  // Secret values are hidden before a long line is cut: a cut through a value would leave part of it.
  const hideSecrets = (text: string) => redact(text, Object.values(message.ctx.secrets));
  const telemetry = new BoundedTelemetry(message.taskId, send, hideSecrets);
  activeTaskId = message.taskId;
  try {
    const result = await taskTelemetry.run(telemetry, () => executeTask(message, signal, telemetry));
    telemetry.reportDropped();
    send(result);
  } finally {
    sockets.closeAll();
    activeTaskId = undefined;
    cancellers.delete(message.taskId);
  }
}

async function executeTask(message: RunTaskMessage, signal: AbortSignal, telemetry: BoundedTelemetry): Promise<TaskResultMessage> {
  const { taskId } = message;
  const found = await findStep(message, message.stepId);
  if ('error' in found) return { type: 'result', taskId, ok: false, error: found.error };

  const { secrets, ...identity } = message.ctx;
  const ctx = createStepContext({
    identity,
    signal,
    secrets: declaredSecrets(found.step, secrets),
    sink: telemetry,
    // The step process has no network and no files of its own: both go through the host, over IPC.
    http: (request, signal) => callHost<HttpResult>((requestId) => ({ type: 'http', taskId, requestId, request }), signal),
    artifacts: (call) => callHost<ArtifactResult>((requestId) => ({ type: 'artifact', taskId, requestId, call }), signal),
    models: (call) => callHost<ModelResult>((requestId) => ({ type: 'model', taskId, requestId, call }), signal),
    net: sockets.netFor(taskId),
    scratch: message.scratch,
    installed: installedModules(message.installed),
  });
  return { type: 'result', taskId, ...(await invokeStep(explainingDeniedAccess(found.step), message.input, ctx)) };
}

/**
 * `ctx.installed`: the modules the plugin's signed manifest lists (the worker sends the list, never
 * the step), resolved from the installation's own node_modules (as `require` resolves them).
 */
function installedModules(installed: RunTaskMessage['installed']): (specifier: string) => Promise<unknown> {
  const allowed = installed?.modules ?? [];
  return async (specifier) => {
    if (!installed || !allowed.includes(specifier)) {
      const listed = allowed.length ? allowed.join(', ') : 'no installed modules';
      throw new StepError(`this plugin may not load ${specifier}: its manifest lists ${listed}`, {
        retryable: false,
        code: 'sandbox_denied',
      });
    }
    const path = createRequire(join(installed.from, 'package.json')).resolve(specifier);
    return import(pathToFileURL(path).href);
  };
}

/** Sends a request to the host and waits for the answer with the same request id, or the abort. */
function callHost<T>(message: (requestId: number) => RunnerMessage, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const requestId = ++lastHostCallId;
    const onAbort = () => {
      pendingHostCalls.delete(requestId);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pendingHostCalls.set(requestId, (result) => {
      pendingHostCalls.delete(requestId);
      signal.removeEventListener('abort', onAbort);
      resolve(result as T);
    });
    send(message(requestId));
  });
}

/** The permission model's own error says only "Access to this API has been restricted", and retrying cannot help. */
function explainingDeniedAccess(step: StepDefinition): StepDefinition {
  return {
    ...step,
    async run(input, ctx) {
      try {
        return await step.run(input, ctx);
      } catch (error) {
        throw deniedAccess(error) ?? error;
      }
    },
  };
}

function deniedAccess(error: unknown): StepError | undefined {
  if ((error as { code?: unknown } | null)?.code !== 'ERR_ACCESS_DENIED') return undefined;
  const { permission, resource } = error as { permission?: unknown; resource?: unknown };
  const what = typeof permission === 'string' ? permission : 'an operation';
  const where = typeof resource === 'string' ? ` on ${resource}` : '';
  const message = `the sandbox denied ${what}${where}: steps may read only their own code, and may not write files or start processes or threads`;
  return new StepError(message, { retryable: false, code: 'sandbox_denied', cause: error });
}

async function findStep(
  { entry, digest }: Pick<RunTaskMessage, 'entry' | 'digest'>,
  stepId: string,
): Promise<{ step: StepDefinition } | { error: RunnerError }> {
  let plugin: PluginDefinition;
  try {
    plugin = await plugins.load(entry, digest);
  } catch (error) {
    return {
      error: { code: 'plugin_missing', retryable: false, message: `cannot load plugin ${entry}: ${failureFromThrown(error).message}` },
    };
  }
  const step = plugin.steps.find((candidate) => candidate.id === stepId);
  if (step) return { step };
  return {
    error: { code: 'plugin_missing', retryable: false, message: `plugin ${plugin.name}@${plugin.version} has no step "${stepId}"` },
  };
}

/** The host should only resolve declared secrets; this keeps a host mistake from widening access. */
function declaredSecrets(step: StepDefinition, provided: Record<string, string>): Record<string, string> {
  return Object.fromEntries(step.secrets.filter((name) => name in provided).map((name) => [name, provided[name]]));
}

function crash(error: unknown): void {
  if (crashing) return;
  crashing = true;
  const description = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`step-runner: uncaught ${description}\n`);
  const exit = () => process.exit(CRASH_EXIT_CODE);
  setTimeout(exit, CRASH_REPORT_WAIT_MS);
  if (!activeTaskId) return exit();
  const message = truncate(`uncaught ${description}`, SANDBOX_LIMITS.maxErrorMessageChars);
  send({ type: 'result', taskId: activeTaskId, ok: false, error: { code: 'crashed', retryable: true, message } }, exit);
}

/** Plugin authors reach for console.log; inside a task it becomes a run log line instead of stdout noise. */
function redirectConsoleToTask(): void {
  const levels: Record<string, LogLevel> = { debug: 'debug', log: 'info', info: 'info', warn: 'warn', error: 'error' };
  const writableConsole = console as unknown as Record<string, (...args: unknown[]) => void>;
  for (const [method, level] of Object.entries(levels)) {
    const original = writableConsole[method].bind(console);
    writableConsole[method] = (...args) => {
      const telemetry = taskTelemetry.getStore();
      if (telemetry) telemetry.log({ level, message: format(...args) });
      else original(...args);
    };
  }
}

/** Sends a task's logs and metrics, up to the per-task limits, then one line saying what was dropped. */
class BoundedTelemetry implements StepTelemetrySink {
  private logs = 0;
  private metrics = 0;
  private droppedLogs = 0;
  private droppedMetrics = 0;

  constructor(
    private readonly taskId: string,
    private readonly sendMessage: Send,
    private readonly hide: (text: string) => string,
  ) {}

  log({ level, message, fields }: LogEntry): void {
    if (this.logs >= SANDBOX_LIMITS.maxLogsPerTask) {
      this.droppedLogs++;
      return;
    }
    this.logs++;
    const bounded = truncate(this.hide(message), SANDBOX_LIMITS.maxLogMessageChars);
    if (fields === undefined) return this.sendMessage({ type: 'log', taskId: this.taskId, level, message: bounded });
    if (fitsAsJson(fields, SANDBOX_LIMITS.maxLogFieldsBytes))
      return this.sendMessage({ type: 'log', taskId: this.taskId, level, message: bounded, fields });
    const note = ` [fields dropped: not JSON or over ${SANDBOX_LIMITS.maxLogFieldsBytes} bytes]`;
    this.sendMessage({ type: 'log', taskId: this.taskId, level, message: bounded + note });
  }

  metric({ name, value, tags }: MetricEntry): void {
    if (this.metrics >= SANDBOX_LIMITS.maxMetricsPerTask) {
      this.droppedMetrics++;
      return;
    }
    this.metrics++;
    this.sendMessage({ type: 'metric', taskId: this.taskId, name, value, ...(tags && { tags }) });
  }

  lineage({ direction, namespace, name }: LineageEntry): void {
    // Bounded with the metrics: a step names a few datasets, not thousands.
    if (this.metrics >= SANDBOX_LIMITS.maxMetricsPerTask) {
      this.droppedMetrics++;
      return;
    }
    this.metrics++;
    this.sendMessage({ type: 'lineage', taskId: this.taskId, direction, namespace, name });
  }

  event({ type, data }: StepEventEntry): void {
    // Bounded with the metrics too: a drift check emits a few events, not thousands.
    if (this.metrics >= SANDBOX_LIMITS.maxMetricsPerTask) {
      this.droppedMetrics++;
      return;
    }
    this.metrics++;
    this.sendMessage({ type: 'event', taskId: this.taskId, event: type, data });
  }

  reportDropped(): void {
    if (this.droppedLogs === 0 && this.droppedMetrics === 0) return;
    const message = `dropped ${this.droppedLogs} log lines and ${this.droppedMetrics} metrics over the per-step limits (${SANDBOX_LIMITS.maxLogsPerTask} each)`;
    this.sendMessage({ type: 'log', taskId: this.taskId, level: 'warn', message });
  }
}

function fitsAsJson(value: unknown, maxBytes: number): boolean {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '') <= maxBytes;
  } catch {
    return false;
  }
}
