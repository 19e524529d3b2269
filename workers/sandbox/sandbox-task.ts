import type { LineageEntry, LogEntry, MetricEntry, StepEventEntry } from '../../plugins/sdk/src/step-context.js';
import type { ArtifactCall, ArtifactResult } from '../../plugins/sdk/src/step-artifacts.js';
import type { HttpExchange, HttpResult } from '../../plugins/sdk/src/step-fetch.js';
import type { ModelCall, ModelResult } from '../../plugins/sdk/src/step-models.js';
import type { AddressPolicy } from '../../src/runtime/egress/egress-policy.js';
import { readRunnerMessage } from './runner-message.js';
import {
  brokeProtocol,
  cancelled,
  fromRunnerError,
  fromRunnerOutputs,
  fromUnexpectedExit,
  leavesProcessHealthy,
  timedOut,
  type ProcessExit,
  type SandboxOutcome,
} from './sandbox-outcome.js';
import type { SandboxProcess } from './sandbox-process.js';
import { SANDBOX_LIMITS, type HostMessage, type RunnerMessage, type RunTaskMessage } from './sandbox-protocol.js';
import { TcpRelay, type TcpAccess } from './tcp-relay.js';

export interface TaskHooks {
  onLog?(entry: LogEntry): void;
  onMetric?(entry: MetricEntry): void;
  onLineage?(entry: LineageEntry): void;
  /** A domain event the step emitted (`ctx.emit`), already checked against the contracts' list. */
  onEvent?(entry: StepEventEntry): void;
  /** Serves the step's `ctx.models` calls (the activity, which knows the run, step and tenant); without it there is no registry. */
  models?: ModelHandler;
  /** Abort to cancel the step: the child gets a cancel message, then a grace period, then SIGKILL. */
  signal?: AbortSignal;
}

/** Carries out a step's `ctx.fetch` (the egress broker); without it every request is refused. */
export type HttpHandler = (request: HttpExchange, signal: AbortSignal) => Promise<HttpResult>;
/** Carries out a step's `ctx.artifacts` calls in the task's tenant; without it there is no store. */
export type ArtifactHandler = (call: ArtifactCall) => Promise<ArtifactResult>;

/** Carries out a step's `ctx.models` calls in the task's tenant. */
export type ModelHandler = (call: ModelCall) => Promise<ModelResult>;

/** What the host serves a task besides running it. */
export interface HostServices {
  http?: HttpHandler;
  artifacts?: ArtifactHandler;
  /** `ctx.net`: the address policy of raw connections and what this task's plugin may reach; without it every connection is refused. */
  tcp?: { policy: AddressPolicy; access: TcpAccess | undefined };
}

export interface TaskSettings {
  timeoutMs: number;
  cancelGraceMs: number;
  memoryMb: number;
  /** Aborted when the sandbox closes: the task ends at once. */
  shutdown: AbortSignal;
}

export interface TaskResult {
  outcome: SandboxOutcome;
  /** Whether the child may serve another task. */
  reusable: boolean;
}

/** Runs one task on a child and settles exactly once: result, exit, timeout, cancel or shutdown. */
export function runTask(
  child: SandboxProcess,
  message: RunTaskMessage,
  hooks: TaskHooks & HostServices,
  settings: TaskSettings,
): Promise<TaskResult> {
  return new Promise((resolve) => new TaskRun(child, message, hooks, settings, resolve).start());
}

class TaskRun {
  private settled = false;
  private cancelling = false;
  private sent = false;
  private logs = 0;
  private metrics = 0;
  private hostCallsInFlight = 0;
  private hostCallsTotal = 0;
  /** Aborts the broker's requests once the task is settled. */
  private readonly done = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly disposers: (() => void)[] = [];
  private readonly relay: TcpRelay;

  constructor(
    private readonly child: SandboxProcess,
    private readonly message: RunTaskMessage,
    private readonly hooks: TaskHooks & HostServices,
    private readonly settings: TaskSettings,
    private readonly resolve: (result: TaskResult) => void,
  ) {
    this.relay = new TcpRelay(message.taskId, child, hooks.tcp?.policy, hooks.tcp?.access);
  }

  start(): void {
    this.disposers.push(this.child.onMessage((raw) => this.onChildMessage(raw)));
    this.disposers.push(this.child.onData((connection, bytes) => this.settled || this.relay.write(connection, bytes)));
    this.timers.push(
      setTimeout(() => this.finish(timedOut(this.settings.timeoutMs, this.child.unfinishedMessageBytes), false), this.settings.timeoutMs),
    );
    this.disposers.push(this.child.onExit((exit) => this.finish(this.endedBy(exit), false)));
    this.onAbort(this.hooks.signal, () => this.cancel());
    this.onAbort(this.settings.shutdown, () => this.finish(cancelled('the sandbox is shutting down'), false));
    void this.child.ready.then(() => {
      if (this.settled) return;
      this.child.send(this.message);
      this.sent = true;
    });
  }

  private onChildMessage(raw: unknown): void {
    const message = readRunnerMessage(raw);
    // A task's process runs plugin code, so what looks like a code cache from it is ignored (code-caches.ts).
    if (!message || message.type === 'ready' || message.type === 'code_cache' || message.taskId !== this.message.taskId || this.settled)
      return;
    if (message.type === 'log') return this.forwardLog(message);
    if (message.type === 'metric') return this.forwardMetric(message);
    if (message.type === 'lineage') {
      if (++this.metrics > SANDBOX_LIMITS.maxMetricsPerTask) return;
      const { direction, namespace, name } = message;
      return callHook(() => this.hooks.onLineage?.({ direction, namespace, name }));
    }
    if (message.type === 'event') {
      if (++this.metrics > SANDBOX_LIMITS.maxMetricsPerTask) return;
      const { event, data } = message;
      return callHook(() => this.hooks.onEvent?.({ type: event, data }));
    }
    if (message.type === 'http') {
      const { http } = this.hooks;
      return void this.serve(
        message.requestId,
        'http_result',
        http && (() => http(message.request, this.done.signal)),
        (code, text): HttpResult => ({ ok: false, code, message: text }),
      );
    }
    if (message.type === 'artifact') {
      const { artifacts } = this.hooks;
      return void this.serve(
        message.requestId,
        'artifact_result',
        artifacts && (() => artifacts(message.call)),
        (_code, text): ArtifactResult => ({ ok: false, message: text }),
      );
    }
    if (message.type === 'tcp_open') return void this.relay.open(message.connection, message.host, message.port);
    if (message.type === 'tcp_end') return this.relay.end(message.connection);
    if (message.type === 'tcp_close') return this.relay.close(message.connection);
    if (message.type === 'model') {
      const { models } = this.hooks;
      return void this.serve(message.requestId, 'model_result', models && (() => models(message.call)), (_code, text): ModelResult => ({
        ok: false,
        message: text,
      }));
    }
    if (this.cancelling) return this.finish(cancelled(), false);
    const outcome = message.ok ? fromRunnerOutputs(message.outputs) : fromRunnerError(message.error);
    this.finish(outcome, leavesProcessHealthy(outcome));
  }

  /** Why the child died under this task: it broke the protocol (and was killed for it), was cancelled, or crashed. */
  private endedBy(exit: ProcessExit): SandboxOutcome {
    if (this.child.protocolError) return brokeProtocol(this.child.protocolError.message);
    return this.cancelling ? cancelled() : fromUnexpectedExit(exit, this.settings.memoryMb);
  }

  private cancel(): void {
    if (this.settled || this.cancelling) return;
    if (!this.sent) return this.finish(cancelled(), false);
    this.cancelling = true;
    this.child.send({ type: 'cancel', taskId: this.message.taskId });
    this.timers.push(setTimeout(() => this.finish(cancelled(), false), this.settings.cancelGraceMs));
  }

  private finish(outcome: SandboxOutcome, reusable: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.done.abort();
    this.relay.closeAll();
    this.timers.forEach(clearTimeout);
    this.disposers.forEach((dispose) => dispose());
    if (reusable) return this.resolve({ outcome, reusable });
    // Wait for the group to die, so that a settled task never leaves its processes running.
    void this.child.terminate().then(() => this.resolve({ outcome, reusable: false }));
  }

  // The runner already bounds these; counting here too because the child is not trusted. +1 for its "dropped" notice.
  private forwardLog({ level, message, fields }: Extract<RunnerMessage, { type: 'log' }>): void {
    if (++this.logs > SANDBOX_LIMITS.maxLogsPerTask + 1) return;
    callHook(() => this.hooks.onLog?.(fields ? { level, message, fields } : { level, message }));
  }

  private forwardMetric({ name, value, tags }: Extract<RunnerMessage, { type: 'metric' }>): void {
    if (++this.metrics > SANDBOX_LIMITS.maxMetricsPerTask) return;
    callHook(() => this.hooks.onMetric?.(tags ? { name, value, tags } : { name, value }));
  }

  /** Answers one request of the child (HTTP, artifacts), bounded in number and concurrency: the child is not trusted. */
  private async serve<R extends HttpResult | ArtifactResult | ModelResult>(
    requestId: number,
    reply: 'http_result' | 'artifact_result' | 'model_result',
    handle: (() => Promise<R>) | undefined,
    refuse: (code: 'egress_denied' | 'request_failed', message: string) => R,
  ): Promise<void> {
    const { maxConcurrentHostCalls, maxHostCallsPerTask } = SANDBOX_LIMITS;
    let result: R;
    if (!handle) result = refuse('egress_denied', 'this worker does not offer that to steps');
    else if (this.hostCallsInFlight >= maxConcurrentHostCalls)
      result = refuse('request_failed', `more than ${maxConcurrentHostCalls} requests at once`);
    else if (++this.hostCallsTotal > maxHostCallsPerTask)
      result = refuse('egress_denied', `more than ${maxHostCallsPerTask} requests in one step`);
    else {
      this.hostCallsInFlight++;
      try {
        result = await handle();
      } catch (error) {
        result = refuse('request_failed', error instanceof Error ? error.message : String(error));
      } finally {
        this.hostCallsInFlight--;
      }
    }
    if (!this.settled) this.child.send({ type: reply, taskId: this.message.taskId, requestId, result } as HostMessage);
  }

  private onAbort(signal: AbortSignal | undefined, handler: () => void): void {
    if (!signal) return;
    if (signal.aborted) return handler();
    signal.addEventListener('abort', handler, { once: true });
    this.disposers.push(() => signal.removeEventListener('abort', handler));
  }
}

/** A throwing hook must not become an uncaught exception in the worker. */
function callHook(call: () => void): void {
  try {
    call();
  } catch (error) {
    process.emitWarning(`sandbox telemetry hook threw: ${error instanceof Error ? error.message : String(error)}`);
  }
}
