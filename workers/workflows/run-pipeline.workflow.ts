import {
  ActivityCancellationType, ActivityFailure, ApplicationFailure, CancellationScope, CancelledFailure, condition, defineSignal, isCancellation,
  patched, proxyActivities, proxyLocalActivities, setHandler, sleep, TimeoutFailure,
} from '@temporalio/workflow';
import type { BatonActivities } from '../activities/index.js';
import { parseDuration } from '../contracts/duration.js';
import { evaluateCondition, evaluateTemplate, type ExpressionContext } from '../contracts/expressions.js';
import { nextActions, runOutcome, type StepState, type StepStates } from '../contracts/graph.js';
import {
  APPROVAL_SIGNAL, DEFAULT_RETRY, failureHandlerId, RECORD_STEP_SUCCESS_PATCH, DEFAULT_STEP_TIMEOUT, STEP_FAILURE_TYPES, type ApprovalDecision, type ApprovalDefinition, type ErrorInfo, type RunEvent, type RunPipelineInput, type RunPipelineResult, type StepDefinition,
} from '../contracts/index.js';

/** The sandbox kills a step at its timeout; Temporal's own timeout is a backstop just after. */
const ACTIVITY_TIMEOUT_GRACE_MS = 5_000;
const NON_RETRYABLE = [STEP_FAILURE_TYPES.invalidInput, STEP_FAILURE_TYPES.invalidOutput, STEP_FAILURE_TYPES.pluginMissing];

const { recordRunEvents } = proxyLocalActivities<BatonActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '10s', backoffCoefficient: 2 },
});

const approvalSignal = defineSignal<[ApprovalDecision]>(APPROVAL_SIGNAL);

const now = () => new Date().toISOString();
const ms = (duration: string | undefined, fallback: string) => parseDuration(duration ?? fallback) ?? parseDuration(fallback)!;

/**
 * The one interpreter: walks any pipeline's step graph and runs each step through the generic
 * `executeStep` activity. Everything it learns is appended as run events; nothing here knows
 * about any particular connector.
 */
export async function runPipeline(input: RunPipelineInput): Promise<RunPipelineResult> {
  const interpreter = new PipelineInterpreter(input);
  return interpreter.run();
}

class PipelineInterpreter {
  private readonly steps: Record<string, StepDefinition>;
  private readonly states: StepStates;
  private readonly outputs: Record<string, Record<string, unknown> | null> = {};
  private readonly errors: Record<string, ErrorInfo> = {};
  private readonly running = new Map<string, Promise<void>>();
  /** The first decision per approval step wins; later ones are ignored. */
  private readonly decisions = new Map<string, ApprovalDecision>();
  private timedOut = false;
  private finished = false;
  /** The SLA breach is recorded while the run goes on; the end of the run waits for that record. */
  private slaRecorded: Promise<void> = Promise.resolve();

  constructor(private readonly input: RunPipelineInput) {
    this.steps = input.pipeline.definition.steps;
    this.states = Object.fromEntries(Object.keys(this.steps).map((id) => [id, 'pending' as StepState]));
    setHandler(approvalSignal, (decision) => {
      if (this.steps[decision.stepId]?.approval && !this.decisions.has(decision.stepId)) this.decisions.set(decision.stepId, decision);
    });
    for (const [stepId, outputs] of Object.entries(input.reuse?.outputs ?? {})) {
      if (!(stepId in this.steps)) continue;
      this.states[stepId] = 'succeeded';
      this.outputs[stepId] = outputs;
    }
  }

  async run(): Promise<RunPipelineResult> {
    const { reuse } = this.input;
    const reused: RunEvent[] = Object.entries(reuse?.outputs ?? {})
      .filter(([stepId]) => stepId in this.steps)
      .map(([stepId, outputs]) => ({ type: 'step.reused', key: `step:${stepId}:reused`, at: now(), stepId, fromRun: reuse!.fromRun, outputs }));
    const { concurrency } = this.input.pipeline.definition;
    // Reused steps are recorded at once, so even a run cancelled while queued leaves none behind.
    await this.emit(...(concurrency ? [] : [{ type: 'run.started', key: 'run.started', at: now() } as RunEvent]), ...reused);
    const scope = new CancellationScope();
    const runTimeout = this.input.pipeline.definition.timeout;
    if (runTimeout) {
      sleep(ms(runTimeout, runTimeout)).then(
        () => {
          this.timedOut = true;
          scope.cancel();
        },
        () => undefined,
      );
    }
    this.watchSla();
    try {
      await scope.run(async () => {
        if (concurrency) await this.admit(concurrency);
        await this.walk();
      });
    } catch (error) {
      if (!isCancellation(error)) throw error;
      return this.stopEarly(error);
    }
    // Steps may end with ordinary failures after a cancel or timeout; the run still stopped early.
    if (this.timedOut || scope.consideredCancelled) return this.stopEarly(new CancelledFailure('Run cancelled'));
    return this.finish();
  }

  /** Waits (run still `queued`) until the pipeline has fewer than `concurrency` runs going. */
  private async admit(concurrency: number): Promise<void> {
    const { admitRun } = proxyActivities<BatonActivities>({
      startToCloseTimeout: '30s',
      retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '10s' },
    });
    await admitRun(this.input.tenantId, this.input.runId, concurrency, { type: 'run.started', key: 'run.started', at: now() });
  }

  private watchSla(): void {
    const { sla } = this.input.pipeline.definition;
    if (!sla) return;
    sleep(ms(sla, sla)).then(
      () => {
        if (!this.finished) this.slaRecorded = this.emit({ type: 'run.sla_breached', key: 'run.sla_breached', at: now(), sla });
      },
      () => undefined,
    );
  }

  /** Starts every step as soon as its needs finished, until nothing is left to start. */
  private async walk(): Promise<void> {
    for (;;) {
      const { run, skip } = nextActions(this.steps, this.states);
      const events: RunEvent[] = skip.map(({ stepId, reason }) => this.skip(stepId, reason));
      for (const stepId of run) {
        const condition = await this.condition(stepId);
        if (condition === true) this.start(stepId);
        else if (condition === false) events.push(this.skip(stepId, '`if` was false'));
        else events.push(this.failEvent(stepId, 'failed', condition));
      }
      await this.emit(...events);
      if (run.length || skip.length) continue;
      if (!this.running.size) return;
      await Promise.race(this.running.values());
    }
  }

  private async condition(stepId: string): Promise<boolean | ErrorInfo> {
    try {
      return await evaluateCondition(this.steps[stepId]!.if, this.context());
    } catch (error) {
      return { message: `\`if\` could not be evaluated: ${(error as Error).message}`, code: 'expression_error', step: stepId };
    }
  }

  private start(stepId: string): void {
    this.states[stepId] = 'running';
    const execution = this.execute(stepId).finally(() => this.running.delete(stepId));
    // A cancelled step rejects even while nobody awaits it (walk() may be recording events);
    // an unhandled rejection would fail the workflow task, so mark it handled here.
    execution.catch(() => undefined);
    this.running.set(stepId, execution);
  }

  private async execute(stepId: string, step: StepDefinition = this.steps[stepId]!, runError?: ErrorInfo): Promise<void> {
    if (step.approval) return this.awaitApproval(stepId, step.approval);
    let stepInput: Record<string, unknown>;
    try {
      stepInput = (await evaluateTemplate(step.with ?? {}, this.context(runError))) as Record<string, unknown>;
    } catch (error) {
      await this.emit(this.failEvent(stepId, 'failed', { message: `\`with\` could not be evaluated: ${(error as Error).message}`, code: 'expression_error', step: stepId }));
      return;
    }
    const defaults = this.input.pipeline.definition.defaults;
    const timeoutMs = ms(step.timeout ?? defaults?.timeout, DEFAULT_STEP_TIMEOUT);
    const retry = { ...DEFAULT_RETRY, ...defaults?.retry, ...step.retry };
    const initialInterval = ms(retry.initialInterval, DEFAULT_RETRY.initialInterval);
    const { executeStep } = proxyActivities<BatonActivities>({
      startToCloseTimeout: timeoutMs + ACTIVITY_TIMEOUT_GRACE_MS,
      heartbeatTimeout: '10s',
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: {
        maximumAttempts: retry.maxAttempts,
        initialInterval,
        backoffCoefficient: retry.backoffCoefficient,
        // Temporal refuses to schedule an activity whose maximum interval is below its initial one.
        maximumInterval: Math.max(initialInterval, ms(retry.maxInterval, DEFAULT_RETRY.maxInterval)),
        nonRetryableErrorTypes: NON_RETRYABLE,
      },
    });
    const recordsSuccess = patched(RECORD_STEP_SUCCESS_PATCH);
    try {
      const result = await executeStep({
        runId: this.input.runId, tenantId: this.input.tenantId, stepId, uses: step.uses!, pin: this.input.pipeline.pins[stepId]!,
        input: stepInput, idempotencyKey: `${this.input.runId}:${stepId}`, timeoutMs, ...(recordsSuccess ? { recordSuccess: false } : {}),
      });
      this.outputs[stepId] = result.outputs;
      this.states[stepId] = 'succeeded';
      if (recordsSuccess) {
        await this.emit({ type: 'step.succeeded', key: `step:${stepId}:succeeded`, at: now(), stepId, attempt: result.attempt ?? 1, outputs: result.outputs });
      }
    } catch (error) {
      if (isCancellation(error)) {
        this.states[stepId] = 'cancelled';
        throw error;
      }
      const { status, info } = classifyFailure(stepId, error);
      await this.emit(this.failEvent(stepId, status, info));
    }
  }

  /** The run waits (status `waiting`) for a decision, or for the approval's timeout and its `onTimeout`. */
  private async awaitApproval(stepId: string, approval: ApprovalDefinition): Promise<void> {
    const timeoutMs = ms(approval.timeout, approval.timeout);
    await this.emit({ type: 'step.waiting', key: `step:${stepId}:waiting`, at: now(), stepId, roles: approval.roles, deadline: new Date(Date.now() + timeoutMs).toISOString() });
    const decided = await condition(() => this.decisions.has(stepId), timeoutMs);
    const decision = decided ? this.decisions.get(stepId)! : undefined;
    const approved = decision ? decision.approve : approval.onTimeout === 'approve';
    const who = decision?.by.userId ? `user ${decision.by.userId}` : `API key ${decision?.by.apiKeyId}`;
    const error: ErrorInfo | null = approved
      ? null
      : decision
        ? { message: `Rejected by ${who}${decision.comment ? `: ${decision.comment}` : ''}`, code: 'rejected', step: stepId }
        : { message: `Nobody decided within ${approval.timeout}`, code: 'approval_timed_out', step: stepId };
    await this.emit({
      type: 'step.approval_decided', key: `step:${stepId}:decided`, at: now(), stepId, approved, timedOut: !decision,
      by: decision?.by ?? null, comment: decision?.comment ?? null, error,
    });
    this.states[stepId] = approved ? 'succeeded' : 'failed';
    if (approved) this.outputs[stepId] = { approved: true, timedOut: !decision, by: decision?.by ?? null, comment: decision?.comment ?? null };
    else this.errors[stepId] = error!;
  }

  /** Cancelled by a user or by the run timeout: wait for running steps to stop, record it all. */
  private async stopEarly(cancellation: unknown): Promise<RunPipelineResult> {
    return CancellationScope.nonCancellable(async () => {
      await Promise.allSettled(this.running.values());
      const status = this.timedOut ? 'timed_out' : 'cancelled';
      const reason = this.timedOut ? `the run timed out after ${this.input.pipeline.definition.timeout}` : 'the run was cancelled';
      const events: RunEvent[] = [];
      for (const [stepId, state] of Object.entries(this.states)) {
        if (state === 'running' || state === 'cancelled') events.push(this.failEvent(stepId, 'cancelled', { message: `Stopped: ${reason}`, code: 'cancelled', step: stepId }));
        else if (state === 'pending') events.push(this.skip(stepId, reason));
      }
      const error: ErrorInfo = { message: `Stopped: ${reason}`, code: status };
      events.push(...(this.input.pipeline.definition.onFailure ?? []).map((_, index) => this.skip(failureHandlerId(index), reason)));
      events.push({ type: 'run.completed', key: 'run.completed', at: now(), status, outputs: null, error });
      this.finished = true;
      await this.slaRecorded;
      await this.emit(...events);
      if (!this.timedOut) throw cancellation;
      return { status, outputs: null, error };
    });
  }

  private async finish(): Promise<RunPipelineResult> {
    const outcome = runOutcome(this.steps, this.states);
    let result: RunPipelineResult;
    if (outcome.status === 'failed') {
      const step = outcome.failedSteps[0]!;
      result = { status: 'failed', outputs: null, error: { message: `Step ${step} ${this.states[step] === 'timed_out' ? 'timed out' : 'failed'}: ${this.errors[step]?.message ?? 'unknown error'}`, code: 'step_failed', step } };
    } else {
      result = await this.evaluateOutputs();
    }
    let cancelledDuringHandlers: unknown;
    if (result.status === 'failed') cancelledDuringHandlers = await this.runFailureHandlers(result.error!);
    else await this.skipFailureHandlers('the run did not fail');
    this.finished = true;
    await CancellationScope.nonCancellable(async () => {
      await this.slaRecorded;
      await this.emit({ type: 'run.completed', key: 'run.completed', at: now(), ...result });
    });
    if (cancelledDuringHandlers) throw cancelledDuringHandlers;
    return result;
  }

  /**
   * `onFailure` handlers, in order; their own failures are recorded but do not change the run's.
   * A cancel stops them (the rest are skipped) and is returned, so the run is still recorded as
   * failed before the workflow ends as cancelled.
   */
  private async runFailureHandlers(error: ErrorInfo): Promise<unknown> {
    const handlers = this.input.pipeline.definition.onFailure ?? [];
    for (const [index, handler] of handlers.entries()) {
      const id = failureHandlerId(index);
      try {
        await this.execute(id, handler, error);
      } catch (cancellation) {
        if (!isCancellation(cancellation)) throw cancellation;
        await this.emit(
          this.failEvent(id, 'cancelled', { message: 'Stopped: the run was cancelled', code: 'cancelled', step: id }),
          ...handlers.slice(index + 1).map((_, rest) => this.skip(failureHandlerId(index + 1 + rest), 'the run was cancelled')),
        );
        return cancellation;
      }
    }
    return undefined;
  }

  private async skipFailureHandlers(reason: string): Promise<void> {
    const handlers = this.input.pipeline.definition.onFailure ?? [];
    await this.emit(...handlers.map((_, index) => this.skip(failureHandlerId(index), reason)));
  }

  private async evaluateOutputs(): Promise<RunPipelineResult> {
    try {
      const outputs = (await evaluateTemplate(this.input.pipeline.definition.outputs ?? {}, this.context())) as Record<string, unknown>;
      return { status: 'succeeded', outputs, error: null };
    } catch (error) {
      return { status: 'failed', outputs: null, error: { message: `\`outputs\` could not be evaluated: ${(error as Error).message}`, code: 'expression_error' } };
    }
  }

  private context(runError?: ErrorInfo): ExpressionContext {
    const { runId, inputs, pipeline } = this.input;
    const steps = Object.fromEntries(Object.keys(this.steps).map((id) => [id, { outputs: this.outputs[id] ?? null, status: this.states[id]! }]));
    return { inputs, steps, run: { id: runId, pipeline: pipeline.name, version: pipeline.version, ...(runError ? { error: runError } : {}) } };
  }

  private skip(stepId: string, reason: string): RunEvent {
    this.states[stepId] = 'skipped';
    return { type: 'step.skipped', key: `step:${stepId}:skipped`, at: now(), stepId, reason };
  }

  private failEvent(stepId: string, status: 'failed' | 'timed_out' | 'cancelled', error: ErrorInfo): RunEvent {
    this.states[stepId] = status;
    this.errors[stepId] = error;
    return { type: 'step.failed', key: `step:${stepId}:failed`, at: now(), stepId, status, error };
  }

  /** Events are recorded even while the run is being cancelled. */
  private async emit(...events: RunEvent[]): Promise<void> {
    if (!events.length) return;
    await CancellationScope.nonCancellable(() => recordRunEvents(this.input.tenantId, this.input.runId, events));
  }
}

function classifyFailure(stepId: string, error: unknown): { status: 'failed' | 'timed_out'; info: ErrorInfo } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    const code = typeof cause.details?.[0] === 'string' ? (cause.details[0] as string) : 'step_error';
    return { status: cause.type === STEP_FAILURE_TYPES.timeout ? 'timed_out' : 'failed', info: { message: cause.message, code, step: stepId } };
  }
  if (cause instanceof TimeoutFailure) {
    return { status: 'timed_out', info: { message: `The step's worker stopped responding (${cause.timeoutType})`, code: 'timeout', step: stepId } };
  }
  return { status: 'failed', info: { message: (cause as Error)?.message ?? String(cause), code: 'step_error', step: stepId } };
}

