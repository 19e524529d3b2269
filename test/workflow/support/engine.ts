/**
 * The workflow tier's harness: the real interpreter workflows of workers/workflows/ on a Temporal
 * dev server (see global-setup.ts), with every activity they proxy faked in this process, so each
 * test decides how each step ends and reads back what the engine asked for and recorded.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { createExecuteItemChunk } from '../../../workers/activities/execute-item-chunk.activity.js';
import type { BatonActivities } from '../../../workers/activities/index.js';
import {
  failureHandlerId,
  poolTaskQueue,
  RUN_PIPELINE_WORKFLOW,
  STEP_FAILURE_TYPES,
  type ExecuteStepInput,
  type ExecuteStepOutput,
  type PinnedPipeline,
  type PinnedStep,
  type PipelineDefinition,
  type RunEvent,
  type RunPipelineInput,
  type RunPipelineResult,
  type RunStartAnswer,
} from '../../../workers/contracts/index.js';

try {
  // The SDK's own lines (a worker starting, an activity failing as the test meant it to) would bury the test report.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Installed already by an earlier file in this process.
}

/** One client and connection per file to the tier's shared dev server. */
export function useWorkflowEnvironment(): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createFromExistingServer({ address: inject('workflowTemporalAddress') });
  });
  afterAll(async () => {
    await env?.teardown();
  });
  return () => env!;
}

export interface StepCall {
  input: ExecuteStepInput;
  attempt: number;
  /** Waits this long, heartbeating; rejects with a CancelledFailure when the workflow cancels the step. */
  wait(ms: number): Promise<void>;
}
/** How one execution of a step (or of one item) ends: its outputs, or a thrown failure. */
export type StepBehaviour = (call: StepCall) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** The default: outputs are the step's evaluated `with`, so tests see what the workflow passed. */
export const echo: StepBehaviour = ({ input }) => input.input;

/** Fails as the real `executeStep` does: an ApplicationFailure of a Baton type, `[code, stepCode]` as details. */
export function fail(
  message: string,
  options: { code?: string; stepCode?: string; retryable?: boolean; type?: string } = {},
): StepBehaviour {
  const code = options.code ?? 'step_error';
  return () => {
    throw ApplicationFailure.create({
      type: options.type ?? STEP_FAILURE_TYPES.stepError,
      message,
      nonRetryable: !options.retryable,
      details: options.stepCode ? [code, options.stepCode] : [code],
    });
  };
}

/** Fails retryably on the first `times` attempts, then behaves as `then`. */
export function failTimes(times: number, then: StepBehaviour = echo): StepBehaviour {
  const failing = fail('flaky', { retryable: true });
  return (call) => (call.attempt <= times ? failing(call) : then(call));
}

/** Takes `ms` (cancellably), then behaves as `then`. */
export function slow(ms: number, then: StepBehaviour = echo): StepBehaviour {
  return async (call) => {
    await call.wait(ms);
    return then(call);
  };
}

/** The step's sandbox kills it at its `timeout`, as the real activity reports it. */
export const overrunsItsTimeout: StepBehaviour = async (call) => {
  await call.wait(call.input.timeoutMs);
  return fail(`The step ran longer than its timeout of ${call.input.timeoutMs} ms`, { code: 'timeout', type: STEP_FAILURE_TYPES.timeout })(
    call,
  );
};

export interface Attempt {
  stepId: string;
  item?: number;
  attempt: number;
  input: ExecuteStepInput;
  /** The Temporal run of the workflow that scheduled it (a `forEach` child's changes when it continues as new). */
  workflowRunId: string;
  /** The task queue the attempt was taken from: the run's own, or a worker pool's. */
  taskQueue: string;
  startedAt: number;
  endedAt?: number;
  outcome?: 'succeeded' | 'failed' | 'cancelled';
}

export interface FakeOptions {
  /** By step id (items of a `forEach` step too); a step without one echoes its `with`. */
  steps?: Record<string, StepBehaviour>;
  /** Pipelines a `pipeline/run` step may start, by name. */
  children?: Record<string, Omit<PipelineDefinition, 'apiVersion' | 'kind' | 'name'>>;
  /** `admitRun` for a pipeline with `concurrency`: defaults to admitting at once. */
  admitRun?: (runId: string, limit: number) => RunStartAnswer | Promise<RunStartAnswer>;
  /** What recording `run.started` answers: defaults to "go on". */
  runStart?: (runId: string) => RunStartAnswer;
  /** `admitFanOut`: defaults to admitting every fan-out. */
  admitFanOut?: (runId: string, items: number) => void;
}

/** The activities the workflows proxy, faked, with everything they were asked to do kept for the test. */
export class FakeActivities {
  readonly attempts: Attempt[] = [];
  /** Every run event recorded, by Baton run id, in the order recorded. */
  readonly events = new Map<string, RunEvent[]>();
  readonly admissions: Array<{ runId: string; limit: number; at: number }> = [];
  readonly childRuns: string[] = [];
  private readonly runningNow = new Map<string, number>();
  private readonly mostAtOnce = new Map<string, number>();

  constructor(private readonly options: FakeOptions = {}) {}

  eventsOf(runId: string): RunEvent[] {
    return this.events.get(runId) ?? [];
  }

  attemptsOf(stepId: string, item?: number): Attempt[] {
    return this.attempts.filter((attempt) => attempt.stepId === stepId && (item === undefined || attempt.item === item));
  }

  /** The most executions of `stepId` that were running at the same time. */
  maxConcurrent(stepId: string): number {
    return this.mostAtOnce.get(stepId) ?? 0;
  }

  /** Resolves once `predicate` holds for the run's events (polled: the fakes run in this process). */
  async waitForEvent(runId: string, predicate: (event: RunEvent) => boolean, timeoutMs = 10_000): Promise<RunEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.eventsOf(runId).find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`No such event on run ${runId} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  private record(runId: string, events: RunEvent[]): void {
    const recorded = this.events.get(runId) ?? [];
    // Appends are idempotent by key, as in PostgreSQL: a retried activity adds nothing twice.
    for (const event of events) if (!recorded.some((known) => known.key === event.key)) recorded.push(event);
    this.events.set(runId, recorded);
  }

  activities(): BatonActivities {
    const { options } = this;
    /** One attempt of a step or item, in the activity under way: executeStep's own, or one of a chunk's items. */
    const runAttempt = async (input: ExecuteStepInput, attempt: number): Promise<ExecuteStepOutput> => {
      const context = Context.current();
      const { workflowExecution, taskQueue } = context.info;
      const { runId, stepId, item } = input;
      const subject = item === undefined ? `step:${stepId}` : `step:${stepId}[${item}]`;
      const record: Attempt = {
        stepId,
        item,
        attempt,
        input,
        workflowRunId: workflowExecution?.runId ?? '',
        taskQueue,
        startedAt: Date.now(),
      };
      this.attempts.push(record);
      this.record(runId, [
        {
          type: 'step.started',
          key: `${subject}:started:${attempt}`,
          at: new Date().toISOString(),
          stepId,
          ...(item === undefined ? {} : { item }),
          uses: input.uses,
          attempt,
        },
      ]);
      const now = (this.runningNow.get(stepId) ?? 0) + 1;
      this.runningNow.set(stepId, now);
      this.mostAtOnce.set(stepId, Math.max(now, this.mostAtOnce.get(stepId) ?? 0));
      const wait = async (ms: number) => {
        // A local activity (a chunk of items) cannot heartbeat; its cancel comes without one.
        if (context.info.isLocal)
          return sleep(ms, undefined, { signal: context.cancellationSignal }).catch(() => {
            throw new CancelledFailure('cancelled');
          });
        const beat = setInterval(() => context.heartbeat(), 50);
        try {
          context.heartbeat();
          await context.sleep(ms);
        } finally {
          clearInterval(beat);
        }
      };
      try {
        const outputs = await (options.steps?.[stepId] ?? echo)({ input, attempt, wait });
        record.outcome = 'succeeded';
        if (item !== undefined && input.recordLater) return { outputs, attempt, unrecorded: [] };
        if (item !== undefined) {
          this.record(runId, [
            { type: 'step.item_succeeded', key: `${subject}:succeeded`, at: new Date().toISOString(), stepId, item, attempt, outputs },
          ]);
        } else if (input.recordSuccess !== false) {
          this.record(runId, [
            { type: 'step.succeeded', key: `${subject}:succeeded:${attempt}`, at: new Date().toISOString(), stepId, attempt, outputs },
          ]);
        }
        return { outputs, attempt };
      } catch (error) {
        record.outcome = error instanceof CancelledFailure ? 'cancelled' : 'failed';
        throw error;
      } finally {
        record.endedAt = Date.now();
        this.runningNow.set(stepId, this.runningNow.get(stepId)! - 1);
      }
    };
    return {
      executeStep: (input) => runAttempt(input, Context.current().info.attempt),
      // The fakes record what the attempts do themselves, so the chunk's event appender is never asked.
      executeItemChunk: createExecuteItemChunk(() => (input, at) => runAttempt(input, at.attempt), { append: async () => 0 }, 1_000),
      recordRunEvents: async (_tenantId, runId, events) => {
        this.record(runId, events);
        if (events.some((event) => event.type === 'run.started')) return options.runStart?.(runId) ?? {};
        return {};
      },
      admitRun: async (_tenantId, runId, limit, started) => {
        this.admissions.push({ runId, limit, at: Date.now() });
        const answer = (await options.admitRun?.(runId, limit)) ?? {};
        if (!answer.ended) this.record(runId, [started]);
        return answer;
      },
      admitFanOut: async (_tenantId, runId, fannedOut) => {
        options.admitFanOut?.(runId, fannedOut.items);
        this.record(runId, [fannedOut]);
      },
      startChildRun: async (request) => {
        const name = String(request.with.pipeline);
        const definition = options.children?.[name];
        if (!definition)
          throw ApplicationFailure.create({
            type: STEP_FAILURE_TYPES.invalidInput,
            message: `No pipeline ${name}`,
            nonRetryable: true,
            details: ['invalid_input'],
          });
        this.childRuns.push(request.childRunId);
        return {
          runId: request.childRunId,
          tenantId: request.tenantId,
          pipeline: newPipeline({ ...definition, name }),
          inputs: (request.with.inputs as Record<string, unknown>) ?? {},
          trigger: 'pipeline',
          parent: request.parent,
        };
      },
      startScheduledRun: async (request) => {
        const definition = options.children?.scheduled;
        if (!definition) return { skipped: 'no pipeline' };
        return {
          runId: request.runId,
          tenantId: request.tenantId,
          pipeline: newPipeline({ ...definition, name: 'scheduled' }),
          inputs: {},
          trigger: 'schedule',
        };
      },
    };
  }
}

type StepsOf = PipelineDefinition['steps'];

/** A pinned pipeline as the control plane hands it to a run: every `uses` pinned to version 1.0.0. */
export function newPipeline(definition: Partial<Omit<PipelineDefinition, 'steps'>> & { steps: StepsOf }): PinnedPipeline {
  const pin = (uses: string | undefined): PinnedStep | undefined => {
    if (!uses) return undefined;
    const [plugin, step] = uses.split('@')[0].split('/');
    return { plugin, step, version: '1.0.0', digest: `sha256:${plugin}-${step}` };
  };
  const pins: Record<string, PinnedStep> = {};
  for (const [id, step] of Object.entries(definition.steps)) if (pin(step.uses)) pins[id] = pin(step.uses)!;
  for (const [index, handler] of (definition.onFailure ?? []).entries()) pins[failureHandlerId(index)] = pin(handler.uses)!;
  const name = definition.name ?? 'workflow-tier';
  return { name, version: 1, definition: { apiVersion: 'baton/v1', kind: 'Pipeline', ...definition, name }, pins };
}

export interface RunOutcome {
  runId: string;
  /** How the workflow ended, when it returned. */
  result?: RunPipelineResult;
  /** How it ended, when it failed (a cancelled run ends in a CancelledFailure). */
  failure?: WorkflowFailedError;
  events: RunEvent[];
  /** Each step's last recorded status. */
  statuses: Record<string, string>;
  elapsedMs: number;
}

export interface RunOptions {
  inputs?: Record<string, unknown>;
  reuse?: RunPipelineInput['reuse'];
  /** Runs beside the workflow, before its result is awaited: signals, cancels. */
  during?: (handle: WorkflowHandle, runId: string) => Promise<void>;
}

/**
 * Runs `pipeline` to its end on a worker of its own (a fresh task queue) that serves the real
 * workflows with `fakes` as activities.
 */
export async function runPipeline(
  env: TestWorkflowEnvironment,
  fakes: FakeActivities,
  pipeline: PinnedPipeline,
  options: RunOptions = {},
): Promise<RunOutcome> {
  const runId = randomUUID();
  const input: RunPipelineInput = {
    runId,
    tenantId: 'tenant-workflow-tier',
    pipeline,
    inputs: options.inputs ?? {},
    trigger: 'api',
    ...(options.reuse ? { reuse: options.reuse } : {}),
  };
  const started = Date.now();
  const outcome = await onWorker(env, fakes, async (taskQueue) => {
    const handle = await env.client.workflow.start(RUN_PIPELINE_WORKFLOW, {
      taskQueue,
      workflowId: runId,
      args: [input],
      // A backstop: a broken engine fails its test instead of hanging the tier.
      workflowExecutionTimeout: '2m',
    });
    await options.during?.(handle, runId);
    try {
      return { result: (await handle.result()) as RunPipelineResult };
    } catch (error) {
      if (error instanceof WorkflowFailedError) return { failure: error };
      throw error;
    }
  });
  const events = fakes.eventsOf(runId);
  return { runId, ...outcome, events, statuses: stepStatuses(events), elapsedMs: Date.now() - started };
}

/** Runs `body` while a worker serving the real workflows and `fakes` polls a task queue of its own. */
export async function onWorker<T>(
  env: TestWorkflowEnvironment,
  fakes: FakeActivities,
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `workflow-tier-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: fakes.activities(),
    // Heartbeats reach the server at once, so a cancelled step hears of it within ~100 ms.
    maxHeartbeatThrottleInterval: '100ms',
    defaultHeartbeatThrottleInterval: '100ms',
    // Workflows in this thread, not in a pool thread that loads the 5 MB bundle anew for each worker
    // (~1.5 s a test instead of ~0.2 s); the cost is the deadlock detector, which debug mode turns off.
    debugMode: true,
  });
  return worker.runUntil(body(taskQueue));
}

/**
 * Runs `body` while a worker of pool `pool` polls that pool's step queue for runs on `runQueue`:
 * activities only, as `baton worker --pool <pool>` does.
 */
export async function onPoolWorker<T>(
  env: TestWorkflowEnvironment,
  fakes: FakeActivities,
  runQueue: string,
  pool: string,
  body: () => Promise<T>,
): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: poolTaskQueue(runQueue, pool),
    activities: fakes.activities(),
    maxHeartbeatThrottleInterval: '100ms',
    defaultHeartbeatThrottleInterval: '100ms',
  });
  return worker.runUntil(body());
}

/** Each step's last status, as the run events tell it (what the run's step rows would show). */
export function stepStatuses(events: RunEvent[]): Record<string, string> {
  const statuses: Record<string, string> = {};
  for (const event of events) {
    if (event.type === 'step.succeeded' || event.type === 'step.reused') statuses[event.stepId] = 'succeeded';
    else if (event.type === 'step.failed') statuses[event.stepId] = event.status;
    else if (event.type === 'step.skipped') statuses[event.stepId] = 'skipped';
    else if (event.type === 'step.waiting') statuses[event.stepId] = 'waiting';
    else if (event.type === 'step.approval_decided') statuses[event.stepId] = event.approved ? 'succeeded' : 'failed';
    else if (event.type === 'step.started' && event.item === undefined) statuses[event.stepId] = 'running';
  }
  return statuses;
}

/** The events of one type, narrowed. */
export function eventsOfType<T extends RunEvent['type']>(events: RunEvent[], type: T): Array<Extract<RunEvent, { type: T }>> {
  return events.filter((event): event is Extract<RunEvent, { type: T }> => event.type === type);
}
