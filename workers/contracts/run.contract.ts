import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { PinnedPipeline, PinnedStep } from './pipeline.contract.js';

export const RUN_PIPELINE_WORKFLOW = 'runPipeline';
export const DEFAULT_TASK_QUEUE = 'baton-shared';
export const SEARCH_ATTRIBUTES = { tenant: 'BatonTenant', pipeline: 'BatonPipeline' } as const;
/** The typed keys of SEARCH_ATTRIBUTES, as clients set them on a start and workflows on a child or a continue. */
export const TENANT_SEARCH_KEY = defineSearchAttributeKey(SEARCH_ATTRIBUTES.tenant, SearchAttributeType.KEYWORD);
export const PIPELINE_SEARCH_KEY = defineSearchAttributeKey(SEARCH_ATTRIBUTES.pipeline, SearchAttributeType.KEYWORD);

export const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const STEP_STATUSES = [...RUN_STATUSES, 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'timed_out'];

/** A step's evaluated input is kept with its run events up to this size (JSON bytes); a larger one only says its size. */
export const STEP_INPUT_RECORD_BYTES = 64 * 1024;

/**
 * What started a run: the API, a schedule, a webhook, another run's end (`pipeline`), a step's domain
 * event, a retry, or a message from a broker (`amqp`, `nats`).
 */
export const RUN_TRIGGERS = ['api', 'schedule', 'webhook', 'pipeline', 'event', 'retry', 'amqp', 'nats'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export interface RunPipelineInput {
  runId: string;
  tenantId: string;
  pipeline: PinnedPipeline;
  inputs: Record<string, unknown>;
  trigger: RunTrigger;
  /**
   * Retry from the failed step: outputs of steps that succeeded in `fromRun`, reused without running
   * them, and of the items that succeeded in its `forEach` steps that did not (by step id, then item index).
   */
  reuse?: { fromRun: string; outputs: Record<string, StepOutputs>; items?: Record<string, Record<number, Record<string, unknown>>> };
  /** Set on a child run: the `pipeline/run` step that started it, and how deep the tree of runs is. */
  parent?: { runId: string; stepId: string; depth: number };
}

/** The step the engine carries out itself, as a child run, instead of in a sandbox. */
export const CHILD_RUN_STEP = { plugin: 'pipeline', step: 'run' } as const;
export const isChildRunStep = (pin: PinnedStep) => pin.plugin === CHILD_RUN_STEP.plugin && pin.step === CHILD_RUN_STEP.step;
/** Runs started by runs started by runs…: a pipeline that runs itself stops here. */
export const MAX_RUN_DEPTH = 5;

/** What `startChildRun` needs to record a child run and hand back its workflow input. */
export interface ChildRunRequest {
  tenantId: string;
  parent: { runId: string; stepId: string; depth: number };
  /** Chosen by the parent workflow, so a retried activity records the same run. */
  childRunId: string;
  /** The step's evaluated `with`: `{ pipeline, version?, inputs? }`. */
  with: Record<string, unknown>;
}

/** PostgreSQL channel on which a run's id is announced when events are appended to it (payload: the run id). */
export const RUN_EVENTS_CHANNEL = 'baton_run_events';

/** Signal that carries a decision on an approval step (`POST /v1/runs/{id}/approvals/{stepId}`). */
export const APPROVAL_SIGNAL = 'baton.approval';

export interface ApprovalDecision {
  stepId: string;
  approve: boolean;
  comment?: string;
  by: { role: string; userId?: string; apiKeyId?: string };
}

export interface ErrorInfo {
  message: string;
  /** `step_failed`, `timeout`, `cancelled`, `invalid_output`, `sandbox_crashed`, ... */
  code?: string;
  /** The plugin's own code for what went wrong (its `StepError` code), e.g. `quality_failed`. */
  stepCode?: string;
  step?: string;
}

export interface RunPipelineResult {
  status: Extract<RunStatus, 'succeeded' | 'failed' | 'cancelled' | 'timed_out'>;
  outputs: Record<string, unknown> | null;
  error: ErrorInfo | null;
}

/**
 * What recording a run's start answers the workflow (`recordRunEvents` with `run.started`, or
 * `admitRun`): `ended` when the run ended before its workflow started — the control plane gave it
 * up (the engine's reply to the start was lost, so the caller was told it did not start) — and
 * the workflow must run nothing. Histories recorded before it carry no answer, which means "go on".
 */
export interface RunStartAnswer {
  ended?: RunPipelineResult;
}

/**
 * Domain events a plugin step may emit with `ctx.emit(type, data)`; the worker drops any other type a
 * step sends. Each becomes a run event of that type (and may raise an alert, e.g. `model.drift_detected`).
 */
export const STEP_DOMAIN_EVENT_TYPES = ['model.drift_detected'] as const;
export type StepDomainEventType = (typeof STEP_DOMAIN_EVENT_TYPES)[number];

/**
 * Every fact about a run is an event appended (idempotently, by `key`) to PostgreSQL by the
 * worker; the control plane only reads them and the projections kept beside them.
 */
export type RunEvent =
  | { type: 'run.started'; key: string; at: string }
  | { type: 'run.sla_breached'; key: string; at: string; sla: string }
  /** The run's workflow was lost (Temporal restored to an older point) and is started again. */
  | { type: 'run.recovered'; key: string; at: string; reason: string }
  | {
      type: 'run.completed';
      key: string;
      at: string;
      status: RunPipelineResult['status'];
      outputs: Record<string, unknown> | null;
      error: ErrorInfo | null;
    }
  /**
   * `queuedAt`: when Temporal scheduled this attempt (after the backoff of a retry); `at` minus it is the queue wait.
   * `input`: the step's `with` as evaluated, each secret named, never its value; on a step's first
   * attempt only, not an item's; left out (with its size in `inputBytes`) past STEP_INPUT_RECORD_BYTES.
   */
  | {
      type: 'step.started';
      key: string;
      at: string;
      stepId: string;
      item?: number;
      uses: string;
      attempt: number;
      queuedAt?: string;
      input?: Record<string, unknown>;
      inputBytes?: number;
      /** Set when the workflow carried the step out itself (no sandbox, no activity). */
      execution?: 'workflow';
    }
  | {
      type: 'step.log';
      key: string;
      at: string;
      stepId: string;
      item?: number;
      attempt: number;
      level: LogLevel;
      message: string;
      fields?: Record<string, unknown>;
    }
  | {
      type: 'step.metric';
      key: string;
      at: string;
      stepId: string;
      item?: number;
      attempt: number;
      name: string;
      value: number;
      tags?: Record<string, string>;
    }
  /** A dataset the step read or wrote (OpenLineage naming), as the step reported it with `ctx.lineage`. */
  | {
      type: 'step.lineage';
      key: string;
      at: string;
      stepId: string;
      item?: number;
      attempt: number;
      direction: 'input' | 'output';
      namespace: string;
      name: string;
    }
  /** A domain event the step emitted with `ctx.emit`, with the JSON object it gave. */
  | { type: StepDomainEventType; key: string; at: string; stepId: string; item?: number; attempt: number; data: Record<string, unknown> }
  /**
   * A step's `ctx.models` call changed the registry: `data` names the model and version (and the
   * stages, for a promote; the champion, challenger and decision, for a recorded comparison).
   */
  | {
      type: 'model.registered' | 'model.promoted' | 'model.compared';
      key: string;
      at: string;
      stepId: string;
      item?: number;
      attempt: number;
      data: Record<string, unknown>;
    }
  | {
      type: 'step.attempt_failed';
      key: string;
      at: string;
      stepId: string;
      item?: number;
      attempt: number;
      error: ErrorInfo;
      retryable: boolean;
    }
  | { type: 'step.succeeded'; key: string; at: string; stepId: string; attempt: number; outputs: StepOutputs }
  /** A `forEach` step starts: `items` executions, at most `maxParallel` at once. */
  | {
      type: 'step.child_started';
      key: string;
      at: string;
      stepId: string;
      item?: number;
      childRunId: string;
      pipeline: string;
      version: number;
    }
  | { type: 'step.fanned_out'; key: string; at: string; stepId: string; items: number; maxParallel: number }
  | {
      type: 'step.item_succeeded';
      key: string;
      at: string;
      stepId: string;
      item: number;
      attempt: number;
      outputs: Record<string, unknown>;
      fromRun?: string;
    }
  | {
      type: 'step.item_failed';
      key: string;
      at: string;
      stepId: string;
      item: number;
      status: Extract<StepStatus, 'failed' | 'timed_out' | 'cancelled'>;
      error: ErrorInfo;
    }
  | {
      type: 'step.failed';
      key: string;
      at: string;
      stepId: string;
      attempt?: number;
      status: Extract<StepStatus, 'failed' | 'timed_out' | 'cancelled'>;
      error: ErrorInfo;
    }
  | { type: 'step.skipped'; key: string; at: string; stepId: string; reason: string }
  | { type: 'step.reused'; key: string; at: string; stepId: string; fromRun: string; outputs: StepOutputs }
  | { type: 'step.waiting'; key: string; at: string; stepId: string; roles: string[]; deadline: string }
  | {
      type: 'step.approval_decided';
      key: string;
      at: string;
      stepId: string;
      approved: boolean;
      timedOut: boolean;
      by: ApprovalDecision['by'] | null;
      comment: string | null;
      error: ErrorInfo | null;
    };

export type RunEventType = RunEvent['type'];

/** How the event keys of one step, or of one item of a `forEach` step, begin; keys stay unique per run. */
export const eventKeyPrefix = (stepId: string, item?: number) => (item === undefined ? `step:${stepId}` : `step:${stepId}[${item}]`);
/** A step's outputs; a `forEach` step's are its items' outputs, in item order. */
export type StepOutputs = Record<string, unknown> | Array<Record<string, unknown>>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
