import { Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import {
  jsonBytes,
  MAX_FOR_EACH_PAYLOAD_BYTES,
  type StepOutputs,
  type ApprovalDecision,
  type ErrorInfo,
  type PipelineDefinition,
  TERMINAL_RUN_STATUSES,
  type RunPipelineInput,
  type RunTrigger,
  type StepStatus,
} from '../../workers/contracts/index.js';
import { runStepRows, upstreamOf } from '../../workers/contracts/graph.js';
import { checkRunInputs } from '../../workers/contracts/run-inputs.js';
import type { Principal } from '../common/auth/principal.js';
import { roleSatisfies } from '../common/auth/roles.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { toHttpError } from '../billing/entitlements.service.js';
import type { IdempotencyClaim } from '../common/idempotency/idempotency-claim.js';
import type { Sql } from '../runtime/database/sql.js';
import { AdmissionRefused } from '../runtime/ledger/run-admission.js';
import { EngineUnavailable, RunDispatcher } from '../runtime/ledger/run-dispatcher.js';
import { RunLedger } from '../runtime/ledger/run-ledger.js';
import { faultPoint } from '../runtime/fault-points.js';
import type { PipelineWithVersion } from '../pipelines/pipelines.repository.js';
import { BatonMetrics } from '../runtime/metrics/baton-metrics.js';
import { unchangedSteps } from '../pipelines/definition/pipeline-diff.js';
import { PipelinesService } from '../pipelines/pipelines.service.js';
import {
  ERROR_SUMMARY_CHARS,
  type ApprovalBody,
  type RetryRunBody,
  type RunListQuery,
  type RunLogsQuery,
  type RunEventsQuery,
  type StartRunBody,
} from './dto/runs.dto.js';
import type { RunEventEntity } from './entities/run-event.entity.js';
import type { RunStepEntity } from './entities/run-step.entity.js';
import { poolField, stepsDueOnPools } from './pool-waits.js';
import { WorkerPools } from '../worker-pools/worker-pools.service.js';
import type { RunEntity } from './entities/run.entity.js';
import { ApprovalDecisionsService } from './approval-decisions.service.js';
import { RunsError, stepNotInRun } from './runs.errors.js';
import { attemptsByStep, inputsByStep, runGraph, TIMELINE_EVENT_TYPES, TIMELINE_ITEMS } from './run-timeline.js';
import { RunsRepository, type EventFilter } from './runs.repository.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** A run's error for a list: its codes and the start of its message. */
const toErrorSummary = (error: ErrorInfo | null) => {
  if (!error) return null;
  const characters = Array.from(error.message ?? '');
  const message =
    characters.length > ERROR_SUMMARY_CHARS ? `${characters.slice(0, ERROR_SUMMARY_CHARS - 1).join('')}…` : characters.join('');
  return {
    message,
    ...(error.code ? { code: error.code } : {}),
    ...(error.stepCode ? { stepCode: error.stepCode } : {}),
    ...(error.step ? { step: error.step } : {}),
  };
};

export const toRunSummary = (r: RunEntity) => ({
  id: r.id,
  pipeline: r.pipelineName,
  version: r.version,
  status: r.status,
  trigger: r.trigger,
  retryOf: r.retryOf,
  parentRunId: r.parentRunId,
  scheduleId: r.scheduleId,
  createdAt: r.createdAt.toISOString(),
  startedAt: iso(r.startedAt),
  endedAt: iso(r.endedAt),
  error: toErrorSummary(r.error),
});

export const toStepResponse = (s: RunStepEntity) => ({
  id: s.stepId,
  uses: s.uses,
  status: s.status,
  attempt: s.attempt,
  startedAt: iso(s.startedAt),
  endedAt: iso(s.endedAt),
  outputs: s.outputs,
  error: s.error,
  ...(s.itemsTotal === null ? {} : { items: { total: s.itemsTotal, succeeded: s.itemsSucceeded, failed: s.itemsFailed } }),
});

export const toRunResponse = (r: RunEntity, steps: RunStepEntity[]) => ({
  ...toRunSummary(r),
  inputs: r.inputs,
  outputs: r.outputs,
  error: r.error,
  steps: steps.map(toStepResponse),
});

export const toEventResponse = (e: RunEventEntity) => {
  const { type: _type, key: _key, at, ...data } = e.data;
  return { id: Number(e.id), type: e.type, stepId: e.stepId, at: at ?? e.createdAt.toISOString(), ...data };
};

/** The events `GET /v1/runs/{id}/logs` reads. */
export const logFilter = (query: RunLogsQuery): Omit<EventFilter, 'after' | 'limit'> => ({
  types: ['step.log'],
  stepId: query.step,
  item: query.item,
  level: query.level,
});

/** Events page forward in the order they happened; `nextCursor` is the `after` of the next page. */
const toEventPage = (events: RunEventEntity[], limit: number) => ({
  items: events.map(toEventResponse),
  nextCursor: events.length === limit ? events[events.length - 1].id : null,
});

interface LaunchOptions {
  retryOf?: string;
  reuse?: RunPipelineInput['reuse'];
  runId?: string;
  /** More of the response, recorded for replays with the rest. */
  response?: Record<string, unknown>;
  idempotency?: IdempotencyClaim;
  /** Written with the run; throwing gives the run up. */
  alongside?: (sql: Sql) => Promise<void>;
  /** Undoes `alongside` when the run cannot start. */
  undo?: (sql: Sql) => Promise<void>;
}

/** Runs that triggers start, each by one recorded delivery. */
const TRIGGERED = new Set<RunTrigger>(['webhook', 'pipeline', 'event', 'amqp', 'nats']);

/** How many worker pools one run's page asks Temporal about. */
const POOLS_ASKED_PER_RUN = 8;

@Injectable()
export class RunsService {
  private readonly logger = new Logger(RunsService.name);

  constructor(
    private readonly runs: RunsRepository,
    private readonly pipelines: PipelinesService,
    private readonly temporal: Client,
    private readonly ledger: RunLedger,
    private readonly dispatcher: RunDispatcher,
    private readonly metrics: BatonMetrics,
    private readonly approvals: ApprovalDecisionsService,
    private readonly pools: WorkerPools,
  ) {}

  async start(principal: Principal, name: string, body: StartRunBody, idempotency?: IdempotencyClaim) {
    const pinned = await this.pipelines.require(principal.tenantId, name, body.version);
    const checked = checkRunInputs(pinned.version.id, pinned.version.definition, body.inputs ?? {});
    if (checked.problems.length) throw new RunsError('invalid_inputs', 'The run inputs do not match the pipeline inputs', checked.problems);
    return this.launch(principal.tenantId, pinned, checked.inputs, 'api', { idempotency });
  }

  /**
   * A run Baton starts on a tenant's behalf (an inbound webhook, another run's end) of the
   * pipeline's latest version, with the id the caller chose so that a repeated delivery finds it.
   * `delivery.record` writes the delivery with the run (and throws to give the run up when the
   * delivery was recorded first); `delivery.undo` forgets it if the run cannot start after all.
   */
  async startTriggered(
    tenantId: string,
    /** `name` (the latest version) or `name@tag` (the version the release tag points to now). */
    ref: string,
    inputs: Record<string, unknown>,
    trigger: Extract<RunTrigger, 'webhook' | 'pipeline' | 'event' | 'amqp' | 'nats'>,
    runId: string,
    delivery?: { record: (sql: Sql) => Promise<void>; undo: (sql: Sql) => Promise<void> },
  ) {
    const pinned = await this.pipelines.requireRef(tenantId, ref);
    const checked = checkRunInputs(pinned.version.id, pinned.version.definition, inputs);
    if (checked.problems.length) throw new RunsError('invalid_inputs', 'The inputs do not match the pipeline inputs', checked.problems);
    return this.launch(tenantId, pinned, checked.inputs, trigger, { runId, alongside: delivery?.record, undo: delivery?.undo });
  }

  /**
   * A new run of the exact pipeline version and inputs of a finished one. With `fromFailed`, steps
   * that succeeded keep their outputs and are not run again; the rest runs as usual. `otherRetries`
   * lists the runs earlier retries of the same run started.
   */
  /** How many runs of the pipeline have not ended, per version: they finish on the version they started with. */
  inFlight(tenantId: string, pipeline: string) {
    return this.runs.inFlightByVersion(tenantId, pipeline);
  }

  async retry(principal: Principal, id: string, body: RetryRunBody, idempotency?: IdempotencyClaim) {
    const original = await this.require(principal.tenantId, id);
    if (!TERMINAL_RUN_STATUSES.includes(original.status))
      throw new RunsError('run_not_finished', `The run is still ${original.status}; cancel it or wait for it to end`);
    if (body.fromFailed && original.status === 'succeeded')
      throw new RunsError('nothing_to_retry', 'The run succeeded: there is no failed step to retry from');
    const ran = await this.pipelines.requireVersionOf(principal.tenantId, original.pipelineId, original.version);
    const pinned =
      body.version === undefined || body.version === original.version
        ? ran
        : await this.pipelines.require(principal.tenantId, original.pipelineName, body.version === 'latest' ? undefined : body.version);
    const reuse = body.fromFailed
      ? await this.reusableResults(principal.tenantId, original.id, pinned.version.definition, unchangedSteps(ran.version, pinned.version))
      : undefined;
    // Two retries without an Idempotency-Key make two runs: the answer names the others.
    const runId = randomUUID();
    const others = await this.runs.findRetriesOf(principal.tenantId, original.id, runId);
    const otherRetries = others.map((r) => ({ id: r.id, createdAt: r.createdAt.toISOString(), status: r.status }));
    // Another version may declare other inputs: the run's own are checked against it (defaults filled in).
    const checked =
      pinned === ran
        ? { inputs: original.inputs, problems: [] }
        : checkRunInputs(pinned.version.id, pinned.version.definition, original.inputs);
    if (checked.problems.length)
      throw new RunsError(
        'invalid_inputs',
        `The run's inputs do not match the inputs of version ${pinned.version.version}`,
        checked.problems,
      );
    return this.launch(principal.tenantId, pinned, checked.inputs, 'retry', {
      retryOf: original.id,
      reuse,
      idempotency,
      runId,
      response: { otherRetries },
    });
  }

  /**
   * What a retry from the failed step keeps: the outputs of succeeded steps, and of the succeeded
   * items of a `forEach` step whose upstream steps are all kept, so that its items are the same
   * list again (items are matched by position).
   */
  private async reusableResults(
    tenantId: string,
    runId: string,
    definition: PipelineDefinition,
    /** The steps whose results still hold on the version retried. */
    unchanged: Set<string>,
  ): Promise<NonNullable<RunPipelineInput['reuse']>> {
    const steps = (await this.runs.findSteps(tenantId, runId)).filter((s) => unchanged.has(s.stepId));
    const outputs: Record<string, StepOutputs> = Object.fromEntries(
      steps.filter((s) => s.status === 'succeeded').map((s) => [s.stepId, s.outputs ?? {}]),
    );
    const fannedOut = steps
      .filter(
        (s) =>
          s.status !== 'succeeded' && s.itemsSucceeded > 0 && [...upstreamOf(definition.steps, s.stepId)].every((need) => need in outputs),
      )
      .map((s) => s.stepId);
    const items: NonNullable<RunPipelineInput['reuse']>['items'] = {};
    for (const { stepId, item, outputs: itemOutputs } of await this.runs.findItemOutputs(tenantId, runId, fannedOut))
      (items[stepId] ??= {})[item] = itemOutputs;
    const reuse = { fromRun: runId, outputs, ...(Object.keys(items).length ? { items } : {}) };
    // Too much to hand the workflow in one payload (with what it already carries): those items run again.
    if (reuse.items && jsonBytes({ reuse, definition }) > MAX_FOR_EACH_PAYLOAD_BYTES) delete reuse.items;
    return reuse;
  }

  /**
   * Records the queued run, its steps and the intent to start it in the run ledger (with what
   * must commit with it: the Idempotency-Key's record, a trigger's delivery), then hands it to
   * the dispatcher at once; the run id is the workflow id. A run past the plan's concurrency stays
   * queued until a slot frees. With the engine down, the run is given up and the caller told.
   */
  private async launch(
    tenantId: string,
    { pipeline, version }: PipelineWithVersion,
    inputs: Record<string, unknown>,
    trigger: RunTrigger,
    extra: LaunchOptions = {},
  ) {
    const definition = version.definition;
    const name = pipeline.name;
    const id = extra.runId ?? randomUUID();
    const response = {
      id,
      status: 'queued' as const,
      pipeline: name,
      version: version.version,
      ...(extra.retryOf ? { retryOf: extra.retryOf } : {}),
      ...extra.response,
    };
    const input: RunPipelineInput = {
      runId: id,
      tenantId,
      trigger,
      inputs,
      pipeline: { name, version: version.version, definition, pins: version.pins },
      ...(extra.reuse ? { reuse: extra.reuse } : {}),
    };
    try {
      await this.ledger.record({
        run: {
          id,
          tenantId,
          trigger,
          pipeline: { id: pipeline.id, name, version: version.version },
          inputs,
          retryOf: extra.retryOf ?? null,
          steps: runStepRows(definition),
        },
        dispatch: input,
        alongside: async (sql) => {
          await extra.alongside?.(sql);
          await extra.idempotency?.record(sql, response);
        },
      });
    } catch (error) {
      throw error instanceof AdmissionRefused ? toHttpError(error) : error;
    }
    this.metrics.runStarted(tenantId, trigger);
    faultPoint('run.after-ledger');
    try {
      await this.dispatcher.dispatch(id);
    } catch (error) {
      // Recorded: whatever failed here, the dispatch job sends it. Only a down engine is told to the caller.
      if (!(error instanceof EngineUnavailable)) {
        this.logger.warn(`Run ${id} is recorded; its workflow will be started by the dispatch job: ${(error as Error).message}`);
        return response;
      }
      const undo = async (sql: Sql) => {
        await extra.undo?.(sql);
        await extra.idempotency?.forget(sql);
      };
      if (await this.ledger.abandon(tenantId, id, 'The workflow engine did not accept the run', undo)) {
        this.logger.error(error.message);
        this.metrics.runFinished(tenantId, 'failed');
        throw new RunsError('engine_unavailable', 'The workflow engine is not reachable; the run was not started');
      }
    }
    return response;
  }

  async list(principal: Principal, query: RunListQuery) {
    const rows = await this.runs.list(principal.tenantId, query, query.limit, decodeCursor(query.cursor));
    return toPage(rows, query.limit, toRunSummary);
  }

  /**
   * The run with its steps, each step's attempts in time (`attempts`, for a Gantt chart) and the
   * pinned pipeline's graph with each node's status (`graph`, for a DAG); a run a trigger started
   * names its delivery and the run that caused it (`triggeredBy`).
   */
  async get(principal: Principal, id: string) {
    const tenantId = principal.tenantId;
    const run = await this.require(tenantId, id);
    const [steps, events, pinned, delivery] = await Promise.all([
      this.runs.findSteps(tenantId, id),
      this.runs.timelineEvents(tenantId, id, TIMELINE_EVENT_TYPES, TIMELINE_ITEMS),
      this.pipelines.findVersionOf(tenantId, run.pipelineId, run.version),
      TRIGGERED.has(run.trigger) ? this.runs.triggerDelivery(tenantId, id) : null,
    ]);
    const timeline = events.map((e) => e.data) as Parameters<typeof attemptsByStep>[0];
    const attempts = attemptsByStep(timeline);
    const inputs = inputsByStep(timeline);
    const response = toRunResponse(run, steps);
    const statuses = new Map(steps.map((s) => [s.stepId, s.status]));
    const waiting =
      pinned && ['running', 'waiting'].includes(run.status) ? await this.waitingForPools(pinned.version, statuses) : new Map();
    return {
      ...response,
      queueWaitMs: run.startedAt ? run.startedAt.getTime() - run.createdAt.getTime() : null,
      triggeredBy: delivery,
      steps: response.steps.map((step, i) => ({
        ...step,
        input: inputs.get(step.id)?.input ?? null,
        ...(inputs.get(step.id)?.inputBytes ? { inputBytes: inputs.get(step.id)!.inputBytes } : {}),
        attempts: attempts.get(step.id) ?? [],
        ...((steps[i].itemsTotal ?? 0) > TIMELINE_ITEMS ? { attemptsOfItems: TIMELINE_ITEMS } : {}),
        ...poolField(pinned?.version, step.id),
        ...(waiting.has(step.id) ? { waitingFor: 'pool' as const } : {}),
      })),
      graph: pinned ? runGraph(pinned.version.definition, statuses) : null,
    };
  }

  /**
   * The steps a worker should be running now whose pool has no worker Temporal knows of. One
   * request asks about a few pools at most: a pipeline may name one per step.
   */
  private async waitingForPools(version: PipelineWithVersion['version'], statuses: ReadonlyMap<string, StepStatus>) {
    const due = stepsDueOnPools(version.definition, version.pins, statuses);
    const pools = [...new Set(due.values())].slice(0, POOLS_ASKED_PER_RUN);
    const presences = await Promise.all(pools.map((pool) => this.pools.presence(pool)));
    const idle = new Set(pools.filter((_, i) => presences[i]?.workers === 0));
    return new Map([...due].filter(([, pool]) => idle.has(pool)));
  }

  /** Asks Temporal to cancel; the workflow stops the running steps and records `cancelled`. */
  async cancel(principal: Principal, id: string) {
    const run = await this.require(principal.tenantId, id);
    if (TERMINAL_RUN_STATUSES.includes(run.status)) throw new RunsError('run_finished', `The run already ended as ${run.status}`);
    try {
      await this.temporal.workflow.getHandle(id).cancel();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new RunsError('run_finished', 'The run already ended');
      this.logger.error(`Could not cancel run ${id}: ${(error as Error).message}`);
      throw new RunsError('engine_unavailable', 'The workflow engine is not reachable; try again');
    }
    return { id, status: run.status, cancelRequested: true };
  }

  /**
   * Records the decision (the first for the step wins; a later one gets `decision_already_made`
   * with the winner), then hands it to the waiting workflow.
   */
  async decide(principal: Principal, id: string, stepId: string, body: ApprovalBody) {
    const run = await this.require(principal.tenantId, id);
    const { version } = await this.pipelines.requireVersionOf(principal.tenantId, run.pipelineId, run.version);
    const approval = Object.hasOwn(version.definition.steps, stepId) ? version.definition.steps[stepId].approval : undefined;
    if (!approval) throw new RunsError('step_not_found', `Run ${id} has no approval step ${stepId}`);
    if (!approval.roles.some((role) => roleSatisfies(principal.role, role))) {
      throw new RunsError('approval_forbidden', `Deciding ${stepId} needs the ${approval.roles.join(' or ')} role`);
    }
    const step = (await this.runs.findSteps(principal.tenantId, id)).find((s) => s.stepId === stepId);
    if (step?.status !== 'waiting')
      throw new RunsError('step_not_waiting', `Step ${stepId} is ${step?.status ?? 'unknown'}, not waiting for a decision`);
    const decision: ApprovalDecision = {
      stepId,
      approve: body.approve,
      ...(body.comment ? { comment: body.comment } : {}),
      by: {
        role: principal.role,
        ...(principal.userId ? { userId: principal.userId } : {}),
        ...(principal.apiKeyId ? { apiKeyId: principal.apiKeyId } : {}),
      },
    };
    await this.approvals.decide(principal.tenantId, id, decision);
    return { runId: id, stepId, approve: body.approve, delivered: true };
  }

  async events(principal: Principal, id: string, query: RunEventsQuery) {
    await this.require(principal.tenantId, id);
    const events = await this.runs.events(principal.tenantId, id, { after: query.after, limit: query.limit });
    return toEventPage(events, query.limit);
  }

  async logs(principal: Principal, id: string, query: RunLogsQuery) {
    await this.require(principal.tenantId, id);
    if (query.step && !(await this.runs.hasStep(principal.tenantId, id, query.step))) throw stepNotInRun(id, query.step);
    const events = await this.runs.events(principal.tenantId, id, { ...logFilter(query), after: query.after, limit: query.limit });
    return toEventPage(events, query.limit);
  }

  /** The run of the tenant, or 404 `run_not_found`: for features that hang off a run (its artifacts). */
  async requireRun(tenantId: string, id: string): Promise<Pick<RunEntity, 'id' | 'pipelineName' | 'status'>> {
    return this.require(tenantId, id);
  }

  private async require(tenantId: string, id: string): Promise<RunEntity> {
    const run = await this.runs.findById(tenantId, id);
    if (!run) throw new RunsError('run_not_found', `Run ${id} was not found`);
    return run;
  }
}
