import {
  CancellationScope,
  CancelledFailure,
  condition,
  defineSignal,
  executeChild,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import type { BatonActivities } from '../activities/index.js';
import { evaluateCondition, evaluateTemplate, expressionErrorCode, type ExpressionContext } from '../contracts/expressions/index.js';
import { WORKFLOW_TASK_EXPRESSION_STEPS, WorkflowTaskBudget } from './task-budget.js';
import { EventQueue } from './event-queue.js';
import { nextActions, runOutcome, type StepStates } from '../contracts/graph.js';
import {
  APPROVAL_SIGNAL,
  DEFAULT_MAX_PARALLEL,
  FAN_OUT_BUDGET_PATCH,
  LIGHT_STEPS_PATCH,
  isChildRunStep,
  jsonBytes,
  failureHandlerId,
  forEachWorkflowId,
  INLINE_LOCAL_FAN_OUT_PATCH,
  MAX_FOR_EACH_ITEMS,
  MAX_FOR_EACH_PAYLOAD_BYTES,
  RECORD_STEP_SUCCESS_PATCH,
  RUN_FOR_EACH_WORKFLOW,
  DEFAULT_POOL,
  stepPool,
  type ApprovalDecision,
  type ApprovalDefinition,
  type ErrorInfo,
  type RunEvent,
  type RunForEachInput,
  type RunForEachResult,
  type RunPipelineInput,
  type RunPipelineResult,
  STEP_FAILURE_TYPES,
  type PinnedStep,
  type PipelineStep,
  type StepOutputs,
  stepExecution,
} from '../contracts/index.js';
import { inWorkflowStep } from './in-workflow-step.js';
import { runChildPipeline, type ChildRunOutcome } from './child-run.js';
import { runForEach } from './run-for-each.workflow.js';
import {
  classifyFailure,
  executeStepActivity,
  lightExecution,
  withSecrets,
  ms,
  now,
  recordEvents,
  recordRunStart,
  stepTimeoutMs,
} from './step-activity.js';

/** In-workflow steps run in one activation before their records are awaited (see runInWorkflow). */
const IN_WORKFLOW_CHAIN = 50;

const approvalSignal = defineSignal<[ApprovalDecision]>(APPROVAL_SIGNAL);

const ADMISSION_OPTIONS: ActivityOptions & LocalActivityOptions = {
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: [STEP_FAILURE_TYPES.invalidInput],
  },
};
const { admitFanOut } = proxyActivities<BatonActivities>(ADMISSION_OPTIONS);
/** A fan-out run in the workflow is admitted without a round trip through the server too. */
const { admitFanOut: admitFanOutLocally } = proxyLocalActivities<BatonActivities>(ADMISSION_OPTIONS);

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
  private readonly budget = new WorkflowTaskBudget();
  private readonly steps: Record<string, PipelineStep>;
  private readonly states: StepStates;
  private readonly outputs: Record<string, StepOutputs | null> = {};
  private readonly errors: Record<string, ErrorInfo> = {};
  private readonly running = new Map<string, Promise<void>>();
  /** The first decision per approval step wins; later ones are ignored. */
  private readonly decisions = new Map<string, ApprovalDecision>();
  private timedOut = false;
  /** Everything the run does; cancelled by a cancel request or the run timeout. */
  private readonly scope = new CancellationScope();
  private finished = false;
  /** The SLA breach is recorded while the run goes on; the end of the run waits for that record. */
  private slaRecorded: Promise<void> = Promise.resolve();
  /** Runs since light steps record their events through one queue; older ones record each batch on its own. */
  private readonly queue?: EventQueue;
  /** In-workflow steps since the records last caught up. */
  private inWorkflowChain = 0;
  /** The latest time a local step reported: the workflow's own clock stands still while local activities run. */
  private clock = '';

  constructor(private readonly input: RunPipelineInput) {
    if (patched(LIGHT_STEPS_PATCH)) this.queue = new EventQueue((events) => recordEvents(input.tenantId, input.runId, events));
    this.steps = input.pipeline.definition.steps;
    this.states = Object.fromEntries(Object.keys(this.steps).map((id) => [id, 'pending']));
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
      .map(([stepId, outputs]) => ({
        type: 'step.reused',
        key: `step:${stepId}:reused`,
        at: this.now(),
        stepId,
        fromRun: reuse!.fromRun,
        outputs,
      }));
    const { concurrency } = this.input.pipeline.definition;
    // Reused steps are recorded at once, so even a run cancelled while queued leaves none behind.
    const first = [...(concurrency ? [] : [{ type: 'run.started', key: 'run.started', at: this.now() } as RunEvent]), ...reused];
    if (concurrency) await this.emit(...first);
    else {
      const { ended } = await recordRunStart(this.input.tenantId, this.input.runId, first);
      if (ended) return ended;
    }
    const scope = this.scope;
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
    let endedFirst: RunPipelineResult | undefined;
    try {
      await scope.run(async () => {
        if (concurrency) endedFirst = await this.admit(concurrency);
        if (!endedFirst) await this.walk();
      });
    } catch (error) {
      if (!isCancellation(error)) throw error;
      return this.stopEarly(error);
    }
    if (endedFirst) return endedFirst;
    // Steps may end with ordinary failures after a cancel or timeout; the run still stopped early.
    if (this.timedOut || scope.consideredCancelled) return this.stopEarly(new CancelledFailure('Run cancelled'));
    return this.finish();
  }

  /**
   * Waits (run still `queued`) until the pipeline has fewer than `concurrency` runs going; answers
   * how the run ended if it ended first (given up by the control plane: nothing may run).
   */
  private async admit(concurrency: number): Promise<RunPipelineResult | undefined> {
    const { admitRun } = proxyActivities<BatonActivities>({
      startToCloseTimeout: '30s',
      retry: { initialInterval: '1s', backoffCoefficient: 1.5, maximumInterval: '10s' },
    });
    // Histories recorded before admitRun answered hold no answer: go on.
    return (await admitRun(this.input.tenantId, this.input.runId, concurrency, { type: 'run.started', key: 'run.started', at: this.now() }))
      ?.ended;
  }

  private watchSla(): void {
    const { sla } = this.input.pipeline.definition;
    if (!sla) return;
    sleep(ms(sla, sla)).then(
      () => {
        if (!this.finished) this.slaRecorded = this.emit({ type: 'run.sla_breached', key: 'run.sla_breached', at: this.now(), sla });
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
      return await evaluateCondition(this.steps[stepId].if, this.context(), this.budget.current());
    } catch (error) {
      return { message: `\`if\` could not be evaluated: ${(error as Error).message}`, code: expressionErrorCode(error), step: stepId };
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

  private async execute(stepId: string, step: PipelineStep = this.steps[stepId], runError?: ErrorInfo): Promise<void> {
    if (step.approval) return this.awaitApproval(stepId, step.approval);
    if (step.forEach !== undefined) return this.fanOut(stepId, step);
    let stepInput: Record<string, unknown>;
    try {
      stepInput = (await evaluateTemplate(step.with ?? {}, this.context(runError), this.budget.current())) as Record<string, unknown>;
    } catch (error) {
      await this.emit(
        this.failEvent(stepId, 'failed', {
          message: `\`with\` could not be evaluated: ${(error as Error).message}`,
          code: expressionErrorCode(error),
          step: stepId,
        }),
      );
      return;
    }
    const pin = this.input.pipeline.pins[stepId];
    if (isChildRunStep(pin)) return this.runChild(stepId, stepInput, step.timeout);
    const { defaults } = this.input.pipeline.definition;
    const secrets = withSecrets(step.with);
    const execution = lightExecution(stepExecution(step, pin, this.input.pipeline.definition, Boolean(secrets.secrets)));
    if (execution === 'workflow') return this.runInWorkflow(stepId, step.uses!, pin, stepInput);
    // The step records its own start: what the workflow queued before comes first.
    // (Awaited only with a queue: an await more would reorder the commands of older histories.)
    if (this.queue) await this.queue.settled();
    // A local step records its end itself, with its start when it was quick: one transaction, not
    // two. A late stale attempt cannot add a second success: the sandbox ends an attempt at its
    // timeout, before Temporal would start another.
    const recordsSuccess = execution !== 'local' && patched(RECORD_STEP_SUCCESS_PATCH);
    try {
      const result = await executeStepActivity(
        {
          runId: this.input.runId,
          tenantId: this.input.tenantId,
          stepId,
          uses: step.uses!,
          pin,
          input: stepInput,
          idempotencyKey: `${this.input.runId}:${stepId}`,
          timeoutMs: stepTimeoutMs(step, defaults),
          ...(recordsSuccess ? { recordSuccess: false } : {}),
          ...secrets,
        },
        step,
        defaults,
        stepPool(step, this.input.pipeline.definition),
        execution === 'local',
      );
      this.heard(result.endedAt);
      this.outputs[stepId] = result.outputs;
      this.states[stepId] = 'succeeded';
      if (recordsSuccess) {
        await this.emit({
          type: 'step.succeeded',
          key: `step:${stepId}:succeeded`,
          at: this.now(),
          stepId,
          attempt: result.attempt ?? 1,
          outputs: result.outputs,
        });
      }
    } catch (error) {
      if (isCancellation(error)) {
        this.states[stepId] = 'cancelled';
        throw error;
      }
      const { status, info, endedAt } = classifyFailure(stepId, error);
      this.heard(endedAt);
      await this.emit(this.failEvent(stepId, status, info));
    } finally {
      if (execution === 'local') this.budget.renew();
    }
  }

  /**
   * A step the interpreter carries out itself. Its events are queued, not awaited, so the steps
   * after it go on at once; they are recorded in order before anything else is (see emit).
   */
  private async runInWorkflow(stepId: string, uses: string, pin: PinnedStep, input: Record<string, unknown>): Promise<void> {
    const { events, outputs, error } = inWorkflowStep(this.now(), stepId, uses, pin, input);
    if (error) events.push(this.failEvent(stepId, 'failed', error));
    else {
      this.outputs[stepId] = outputs!;
      this.states[stepId] = 'succeeded';
      events.push({ type: 'step.succeeded', key: `step:${stepId}:succeeded`, at: this.now(), stepId, attempt: 1, outputs: outputs! });
    }
    if (!this.queue) return this.emit(...events);
    this.queue.add(...events);
    // A chain of such steps runs in one activation; past half its expression budget or every
    // IN_WORKFLOW_CHAIN steps (Temporal fails an activation that holds the thread for 2 s), let the
    // records catch up: their result comes in a new activation, which may spend a budget of its own.
    this.inWorkflowChain += 1;
    if (this.inWorkflowChain >= IN_WORKFLOW_CHAIN || this.budget.current().left < WORKFLOW_TASK_EXPRESSION_STEPS / 2) {
      this.inWorkflowChain = 0;
      await this.queue.settled();
      this.budget.renew();
    }
  }

  /** A `pipeline/run` step: a child run, cancelled with this run or at the step's own `timeout` (see child-run.ts). */
  private async runChild(stepId: string, request: Record<string, unknown>, timeout: string | undefined): Promise<void> {
    const { runId, tenantId } = this.input;
    let outcome: ChildRunOutcome;
    try {
      outcome = await runChildPipeline({
        runId,
        tenantId,
        depth: this.input.parent?.depth ?? 0,
        stepId,
        request,
        ...(timeout ? { timeoutMs: ms(timeout, timeout) } : {}),
        record: (run, events) => recordEvents(tenantId, run, events),
        callerCancelled: () => this.scope.consideredCancelled,
      });
    } catch (cancellation) {
      this.states[stepId] = 'cancelled';
      throw cancellation;
    }
    if (!outcome.ok) return this.emit(this.failEvent(stepId, outcome.status, outcome.error));
    this.outputs[stepId] = outcome.outputs;
    this.states[stepId] = 'succeeded';
    await this.emit({
      type: 'step.succeeded',
      key: `step:${stepId}:succeeded`,
      at: this.now(),
      stepId,
      attempt: 1,
      outputs: outcome.outputs,
    });
  }

  /**
   * A `forEach` step: its items run in a child workflow (see run-for-each.workflow.ts), so a fan-out
   * of thousands adds two events to this history, not thousands.
   */
  private async fanOut(stepId: string, step: PipelineStep): Promise<void> {
    const fail = (code: string, message: string) => this.emit(this.failEvent(stepId, 'failed', { message, code, step: stepId }));
    let items: unknown;
    try {
      items = await evaluateTemplate(step.forEach, this.context(), this.budget.current());
    } catch (error) {
      return fail(expressionErrorCode(error), `\`forEach\` could not be evaluated: ${(error as Error).message}`);
    }
    if (!Array.isArray(items))
      return fail('expression_error', `\`forEach\` must give an array; it gave ${items === null ? 'null' : typeof items}`);
    if (items.length > MAX_FOR_EACH_ITEMS)
      return fail('too_many_items', `\`forEach\` gave ${items.length} items; a step fans out to at most ${MAX_FOR_EACH_ITEMS}`);
    const { runId, tenantId, pipeline } = this.input;
    const pool = stepPool(step, pipeline.definition);
    const pin = pipeline.pins[stepId];
    const execution = lightExecution(stepExecution(step, pin, pipeline.definition, Boolean(withSecrets(step.with).secrets)));
    const input: RunForEachInput = {
      runId,
      tenantId,
      stepId,
      step: { uses: step.uses, with: step.with, retry: step.retry, timeout: step.timeout },
      defaults: pipeline.definition.defaults,
      pin,
      // Absent for the default pool: the input of a fan-out is as it was before pools existed.
      ...(pool === DEFAULT_POOL ? {} : { pool }),
      // Items the workflow could carry out itself run locally: a fan-out's thousands of them in the
      // workflow would hold its thread far longer than an activation may.
      ...(execution === 'activity' ? {} : { execution: 'local' as const }),
      context: this.context(),
      items,
      maxParallel: step.maxParallel ?? DEFAULT_MAX_PARALLEL,
      depth: this.input.parent?.depth ?? 0,
    };
    const reusedItems = this.input.reuse?.items?.[stepId];
    // Reused items are a saving, never a reason to fail: without room for them, they run again.
    if (
      reusedItems &&
      jsonBytes({ ...input, reuse: { fromRun: this.input.reuse!.fromRun, items: reusedItems } }) <= MAX_FOR_EACH_PAYLOAD_BYTES
    ) {
      input.reuse = { fromRun: this.input.reuse!.fromRun, items: reusedItems };
    }
    const size = jsonBytes(input);
    if (size > MAX_FOR_EACH_PAYLOAD_BYTES) {
      return fail(
        'payload_too_large',
        `The items and upstream outputs of this fan-out take ${size} bytes; the limit is ${MAX_FOR_EACH_PAYLOAD_BYTES}. Pass references (paths, ids) rather than data`,
      );
    }
    const fannedOut = {
      type: 'step.fanned_out',
      key: `step:${stepId}:fanned_out`,
      at: this.now(),
      stepId,
      items: items.length,
      maxParallel: input.maxParallel,
    } as const;
    // Checked only for local fan-outs, so that histories of the others replay without its marker.
    const inline = input.execution === 'local' && patched(INLINE_LOCAL_FAN_OUT_PATCH);
    if (patched(FAN_OUT_BUDGET_PATCH)) {
      try {
        await CancellationScope.nonCancellable(() => (inline ? admitFanOutLocally : admitFanOut)(tenantId, runId, fannedOut));
      } catch (error) {
        return this.emit(this.failEvent(stepId, 'failed', classifyFailure(stepId, error).info));
      }
    } else {
      await this.emit(fannedOut);
    }
    let result: RunForEachResult;
    try {
      result = inline
        ? await runForEach({ ...input, inline: true })
        : await executeChild(RUN_FOR_EACH_WORKFLOW, {
            workflowId: forEachWorkflowId(runId, stepId),
            args: [input],
            parentClosePolicy: ParentClosePolicy.TERMINATE,
            typedSearchAttributes: workflowInfo().typedSearchAttributes,
          });
    } catch (error) {
      if (isCancellation(error) && this.scope.consideredCancelled) {
        this.states[stepId] = 'cancelled';
        throw error;
      }
      // Cancelled or terminated from outside Baton (Temporal UI or CLI): the step fails, the run goes on.
      const cause = (error as Error).cause;
      return fail('step_error', `The fan-out stopped: ${cause instanceof Error ? cause.message : (error as Error).message}`);
    }
    if (!result.ok) {
      await this.emit(this.failEvent(stepId, result.status, result.error));
      return;
    }
    this.outputs[stepId] = result.outputs;
    this.states[stepId] = 'succeeded';
    await this.emit({
      type: 'step.succeeded',
      key: `step:${stepId}:succeeded`,
      at: this.now(),
      stepId,
      attempt: 1,
      outputs: result.outputs,
    });
  }

  /** The run waits (status `waiting`) for a decision, or for the approval's timeout and its `onTimeout`. */
  private async awaitApproval(stepId: string, approval: ApprovalDefinition): Promise<void> {
    const timeoutMs = ms(approval.timeout, approval.timeout);
    await this.emit({
      type: 'step.waiting',
      key: `step:${stepId}:waiting`,
      at: this.now(),
      stepId,
      roles: approval.roles,
      deadline: new Date(Date.now() + timeoutMs).toISOString(),
    });
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
      type: 'step.approval_decided',
      key: `step:${stepId}:decided`,
      at: this.now(),
      stepId,
      approved,
      timedOut: !decision,
      by: decision?.by ?? null,
      comment: decision?.comment ?? null,
      error,
    });
    this.states[stepId] = approved ? 'succeeded' : 'failed';
    if (approved)
      this.outputs[stepId] = { approved: true, timedOut: !decision, by: decision?.by ?? null, comment: decision?.comment ?? null };
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
        if (state === 'running' || state === 'cancelled')
          events.push(this.failEvent(stepId, 'cancelled', { message: `Stopped: ${reason}`, code: 'cancelled', step: stepId }));
        else if (state === 'pending') events.push(this.skip(stepId, reason));
      }
      const error: ErrorInfo = { message: `Stopped: ${reason}`, code: status };
      events.push(...(this.input.pipeline.definition.onFailure ?? []).map((_, index) => this.skip(failureHandlerId(index), reason)));
      events.push({ type: 'run.completed', key: 'run.completed', at: this.now(), status, outputs: null, error });
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
      const step = outcome.failedSteps[0];
      const stepCode = this.errors[step]?.stepCode;
      const message = `Step ${step} ${this.states[step] === 'timed_out' ? 'timed out' : 'failed'}: ${this.errors[step]?.message ?? 'unknown error'}`;
      result = { status: 'failed', outputs: null, error: { message, code: 'step_failed', ...(stepCode ? { stepCode } : {}), step } };
    } else {
      result = await this.evaluateOutputs();
    }
    let cancelledDuringHandlers: unknown;
    if (result.status === 'failed') cancelledDuringHandlers = await this.runFailureHandlers(result.error!);
    else await this.skipFailureHandlers('the run did not fail');
    this.finished = true;
    await CancellationScope.nonCancellable(async () => {
      await this.slaRecorded;
      await this.emit({ type: 'run.completed', key: 'run.completed', at: this.now(), ...result });
    });
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the cancellation Temporal threw, thrown on as it is
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
      const outputs = (await evaluateTemplate(
        this.input.pipeline.definition.outputs ?? {},
        this.context(),
        this.budget.current(),
      )) as Record<string, unknown>;
      return { status: 'succeeded', outputs, error: null };
    } catch (error) {
      return {
        status: 'failed',
        outputs: null,
        error: { message: `\`outputs\` could not be evaluated: ${(error as Error).message}`, code: expressionErrorCode(error) },
      };
    }
  }

  private context(runError?: ErrorInfo): ExpressionContext {
    const { runId, inputs, pipeline } = this.input;
    const steps = Object.fromEntries(
      Object.keys(this.steps).map((id) => [id, { outputs: this.outputs[id] ?? null, status: this.states[id] }]),
    );
    return {
      inputs,
      steps,
      run: { id: runId, pipeline: pipeline.name, version: pipeline.version, ...(runError ? { error: runError } : {}) },
    };
  }

  private skip(stepId: string, reason: string): RunEvent {
    this.states[stepId] = 'skipped';
    return { type: 'step.skipped', key: `step:${stepId}:skipped`, at: this.now(), stepId, reason };
  }

  private failEvent(stepId: string, status: 'failed' | 'timed_out' | 'cancelled', error: ErrorInfo): RunEvent {
    this.states[stepId] = status;
    this.errors[stepId] = error;
    return { type: 'step.failed', key: `step:${stepId}:failed`, at: this.now(), stepId, status, error };
  }

  /** Now, never before a time a local step already reported (ISO strings of one format compare as times). */
  private now(): string {
    const workflowNow = now();
    return workflowNow > this.clock ? workflowNow : this.clock;
  }

  private heard(at: string | undefined): void {
    if (at && at > this.clock) this.clock = at;
  }

  /** Records `events` after all before them; resolves once they are recorded. */
  private emit(...events: RunEvent[]): Promise<void> {
    if (!this.queue) return recordEvents(this.input.tenantId, this.input.runId, events);
    // Nothing to record waits for nothing, as without the queue (walk() emits after every pass).
    if (!events.length) return Promise.resolve();
    this.queue.add(...events);
    return this.queue.settled();
  }
}
