import type { Tracer } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import type { BatonMetrics, SandboxKillReason, StepOutcomeLabel } from '../../src/runtime/metrics/baton-metrics.js';
import type { SecretPlacement } from '../contracts/expressions/index.js';
import {
  eventKeyPrefix,
  STEP_FAILURE_TYPES,
  STEP_INPUT_RECORD_BYTES,
  type ExecuteStepInput,
  type ExecuteStepOutput,
  type RunEvent,
} from '../contracts/index.js';
import { redact } from '../contracts/secret-envelope.js';
import { isSecretField } from '../contracts/secret-fields.js';
import type { SandboxOutcome, StepSandbox } from '../sandbox/step-sandbox.js';
import { withoutNul } from '../contracts/stored-json.js';
import type { ModelStore } from './model-store.js';
import type { PluginStore } from './plugin-store.js';
import type { RunEventsRepository } from '../../src/runtime/ledger/run-events.repository.js';
import { SecretMissingError, type SecretStore } from './secret-store.js';
import { inStepSpan } from './step-span.js';
import { StepLogBuffer } from './step-log-buffer.js';
import { attemptRecorder } from './attempt-recorder.js';

export interface ExecuteStepDeps {
  events: RunEventsRepository;
  plugins: PluginStore;
  sandbox: StepSandbox;
  secrets: SecretStore;
  /** Serves steps' `ctx.models` in the run's tenant; without it steps have no registry. */
  models?: ModelStore;
  heartbeatEveryMs: number;
  metrics: Pick<BatonMetrics, 'stepFinished' | 'sandboxKilled'>;
  /** Set when the worker traces: a span per step attempt. */
  tracer?: Tracer;
}

type FailureCode =
  | Extract<SandboxOutcome, { ok: false }>['error']['code']
  | 'worker_shutdown'
  | 'secrets_unavailable'
  | 'secret_missing'
  | 'secret_not_allowed';

const FAILURE_TYPE: Record<FailureCode, string> = {
  step_error: STEP_FAILURE_TYPES.stepError,
  invalid_input: STEP_FAILURE_TYPES.invalidInput,
  invalid_output: STEP_FAILURE_TYPES.invalidOutput,
  output_too_large: STEP_FAILURE_TYPES.invalidOutput,
  plugin_missing: STEP_FAILURE_TYPES.pluginMissing,
  timeout: STEP_FAILURE_TYPES.timeout,
  crashed: STEP_FAILURE_TYPES.sandbox,
  memory_exceeded: STEP_FAILURE_TYPES.sandbox,
  cancelled: STEP_FAILURE_TYPES.sandbox,
  worker_shutdown: STEP_FAILURE_TYPES.sandbox,
  protocol_error: STEP_FAILURE_TYPES.sandbox,
  sandbox_unavailable: STEP_FAILURE_TYPES.sandbox,
  secrets_unavailable: STEP_FAILURE_TYPES.invalidInput,
  secret_missing: STEP_FAILURE_TYPES.invalidInput,
  secret_not_allowed: STEP_FAILURE_TYPES.invalidInput,
};

/** The step input with the secret at each placement put in; every other string stays as it is. */
function placeSecrets(
  input: Record<string, unknown>,
  placements: SecretPlacement[],
  secrets: Record<string, string>,
): Record<string, unknown> {
  if (!placements.length) return input;
  const placed = structuredClone(input);
  for (const { path, name } of placements) {
    let parent: Record<string | number, unknown> = placed;
    for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
    parent[path[path.length - 1]] = secrets[name];
  }
  return placed;
}

/**
 * The step's input as a run event keeps it: each secret's place holds its name (the workflow never
 * had the value; the worker puts it in only for the step), and past the size limit only the size.
 */
function recordedInput(input: ExecuteStepInput): { input: Record<string, unknown> } | { inputBytes: number } {
  const named = placeSecrets(
    input.input,
    input.secrets ?? [],
    Object.fromEntries((input.secrets ?? []).map(({ name }) => [name, `[secret ${name}]`])),
  );
  const bytes = Buffer.byteLength(JSON.stringify(named));
  // An expression can make a NUL character (`$decodeUrl("%00")`), which PostgreSQL would refuse to store.
  return bytes <= STEP_INPUT_RECORD_BYTES ? { input: withoutNul(named) as Record<string, unknown> } : { inputBytes: bytes };
}

const now = () => new Date().toISOString();

/** How long a local step's start may wait to be recorded with what follows it. */
const START_RECORD_DELAY_MS = 250;

/** Why the sandbox stopped a step's process, for outcomes that end it; undefined when it was not stopped. */
function killReason(outcome: SandboxOutcome, workerShutdown: boolean): SandboxKillReason | undefined {
  if (outcome.ok) return undefined;
  switch (outcome.error.code) {
    case 'timeout':
      return 'timeout';
    case 'memory_exceeded':
      return 'memory';
    case 'crashed':
      return 'crash';
    case 'protocol_error':
      return 'protocol';
    case 'cancelled':
      return workerShutdown ? 'shutdown' : 'cancel';
    default:
      return undefined;
  }
}

const stepOutcome = (outcome: SandboxOutcome): StepOutcomeLabel =>
  outcome.ok ? 'succeeded' : outcome.error.code === 'cancelled' ? 'cancelled' : 'failed';

/** What one attempt of a step knows of where it runs: an activity of its own, or an item of a chunk (execute-item-chunk.activity.ts). */
export interface StepAttempt {
  attempt: number;
  /** A local activity's own: its start is held back to go with what it records next (one transaction). */
  holdStart: boolean;
  queuedAt: string;
  signal: AbortSignal;
  workerShutdown: () => boolean;
  heartbeat?: () => void;
  warn: (message: string) => void;
}

/**
 * Runs one attempt of a plugin step and records it; rejects with the ApplicationFailure Temporal
 * would report (its type says whether another attempt may follow) or a CancelledFailure.
 */
export function createStepAttempt(deps: Omit<ExecuteStepDeps, 'events'> & { events: Pick<RunEventsRepository, 'append'> }) {
  return async function runAttempt(input: ExecuteStepInput, at: StepAttempt): Promise<ExecuteStepOutput> {
    const { attempt, queuedAt } = at;
    const { tenantId, runId, stepId, item, pin } = input;
    const subject = eventKeyPrefix(stepId, item);
    const itemField = item === undefined ? {} : { item };
    const started: RunEvent = {
      type: 'step.started',
      key: `${subject}:started:${attempt}`,
      at: now(),
      stepId,
      ...itemField,
      uses: input.uses,
      attempt,
      queuedAt,
      // What the step is given, for the run's view: once per step (an item's is the step's with its item).
      ...(item === undefined && attempt === 1 ? recordedInput(input) : {}),
    };
    const record = attemptRecorder(deps.events, tenantId, runId);
    // A local step (short by design) is recorded started with what it records next: a quick one
    // with its end, in one transaction; one still running after START_RECORD_DELAY_MS on its own then.
    const startTimer = at.holdStart ? setTimeout(() => void record().catch(() => undefined), START_RECORD_DELAY_MS) : undefined;
    startTimer?.unref();
    await record.lead(started, !startTimer);

    const fail = async (code: FailureCode, message: string, retryable: boolean, stepCode?: string): Promise<never> => {
      const error = { message, code, ...(stepCode ? { stepCode } : {}) };
      await record({
        type: 'step.attempt_failed',
        key: `${subject}:attempt_failed:${attempt}`,
        at: now(),
        stepId,
        ...itemField,
        attempt,
        error,
        retryable,
      });
      throw ApplicationFailure.create({
        type: FAILURE_TYPE[code],
        message,
        nonRetryable: !retryable,
        // When it ended, third: a workflow running the step locally has no clock of its own that moved meanwhile.
        details: [code, stepCode ?? null, now()],
      });
    };

    const bundle = await deps.plugins.bundleFor(pin.digest);
    if (!bundle) return fail('plugin_missing', `Plugin ${pin.plugin}@${pin.version} (${pin.digest}) is not in the registry`, false);

    // Secrets are opened here, just before the step runs, and never leave this process but to the
    // step: what the step gives back (outputs, logs, errors) has their values redacted. The
    // pipeline's references must resolve; the secrets the step declares come along when set.
    const placements = input.secrets ?? [];
    // The validator refuses these at save; a version saved before it did is stopped here.
    const misplaced = placements.find((p) => !isSecretField(bundle.access.inputSchemas[pin.step], p.path));
    if (misplaced)
      return fail(
        'secret_not_allowed',
        `Secret ${misplaced.name} is passed to \`${misplaced.path.join('.')}\`, which ${pin.plugin}/${pin.step} does not declare secret`,
        false,
      );
    const names = [...new Set(placements.map((p) => p.name))];
    const declared = (bundle.access.secrets[pin.step] ?? []).filter((name) => !names.includes(name));
    let secrets: Record<string, string> = {};
    if (names.length && !deps.secrets.available)
      return fail('secrets_unavailable', `Secret ${names[0]} cannot be resolved: this worker has no SECRETS_MASTER_KEY`, false);
    if (deps.secrets.available && (names.length || declared.length)) {
      try {
        secrets = await deps.secrets.resolve(tenantId, names, declared);
      } catch (error) {
        if (error instanceof SecretMissingError) return fail('secret_missing', error.message, false);
        // A keyring that cannot open the tenant's data key: retried, so a corrected worker can go on.
        return fail('secrets_unavailable', `Secrets could not be opened on this worker: ${(error as Error).message}`, true);
      }
    }
    const stepInput = placeSecrets(input.input, placements, secrets);
    const hide = <T>(value: T): T => redact(value, Object.values(secrets));

    // A step's registry calls act in the run's tenant; what they change becomes a run event of the step
    // (keyed by model and version, so a retried attempt that gets its first version back adds none).
    const modelStore = deps.models;
    const models =
      modelStore &&
      ((call: Parameters<ModelStore['handle']>[1]) =>
        modelStore.handle({ tenantId, runId, stepId, idempotencyKey: input.idempotencyKey }, call, async (change) => {
          const { type, ...data } = change;
          const suffix =
            change.type === 'model.registered'
              ? `${change.name}:${change.version}`
              : `${change.name}:${change.type === 'model.promoted' ? change.version : 'verdict'}:${attempt}:${randomUUID()}`;
          await record({ type, key: `${subject}:${type}:${suffix}`, at: now(), stepId, ...itemField, attempt, data });
        }));
    // Raw connections reach only the endpoints the tenant approved for the plugin, read now: a withdrawal holds from the next step.
    const network = bundle.access.network.length
      ? {
          patterns: bundle.access.network,
          endpoints: await deps.plugins.networkEndpoints(tenantId, pin.plugin),
          approveHint: `PUT /v1/plugins/${pin.plugin}/network`,
        }
      : undefined;
    const logs = new StepLogBuffer(record, { tenantId, runId, stepId, item, attempt }, hide);
    const heartbeat = at.heartbeat && setInterval(at.heartbeat, deps.heartbeatEveryMs);
    let outcome: SandboxOutcome;
    const startedAt = performance.now();
    let seconds: number;
    try {
      outcome = await inStepSpan(deps.tracer, input, attempt, hide, (traceparent) =>
        deps.sandbox.run(
          {
            tenantId,
            pluginKey: `${pin.plugin}@${pin.version}`,
            entry: bundle.entry,
            digest: pin.digest,
            // Where the step may reach comes from the signed manifest the registry verified, never from the child.
            egress: bundle.access.egress[pin.step] ?? [],
            network,
            firstParty: bundle.access.firstParty,
            grants: bundle.access.sandbox,
            stepId: pin.step,
            input: stepInput,
            timeoutMs: input.timeoutMs,
            // The runner hands the step only the secrets it declares.
            ctx: { runId, stepId, attempt, idempotencyKey: input.idempotencyKey, secrets, ...(traceparent && { traceparent }) },
          },
          {
            onLog: (entry) => logs.log(entry.level, entry.message, entry.fields),
            onMetric: (entry) => logs.metric(entry.name, entry.value, entry.tags),
            onLineage: (entry) => logs.lineage(entry.direction, entry.namespace, entry.name),
            onEvent: (entry) => logs.event(entry.type, entry.data),
            signal: at.signal,
            ...(models && { models }),
          },
        ),
      );
      seconds = (performance.now() - startedAt) / 1000;
    } finally {
      clearInterval(heartbeat);
      clearTimeout(startTimer);
      // Losing a batch of log lines must not hide how the step itself ended.
      await logs.flush().catch((error: Error) => at.warn(`Could not record step logs: ${error.message}`));
    }

    deps.metrics.stepFinished(tenantId, `${pin.plugin}/${pin.step}`, stepOutcome(outcome), seconds);
    const killed = killReason(outcome, at.workerShutdown());
    if (killed) deps.metrics.sandboxKilled(killed);

    if (outcome.ok) {
      const outputs = hide(outcome.outputs);
      // The fan-out records the item's success, and its start when it was quick, with other items'.
      if (item !== undefined && input.recordLater) return { outputs, attempt, endedAt: now(), unrecorded: await record.unrecorded() };
      if (item !== undefined) {
        // Keyed without the attempt: an item counts as succeeded once, whichever attempt got there first.
        await record({ type: 'step.item_succeeded', key: `${subject}:succeeded`, at: now(), stepId, item, attempt, outputs });
      } else if (input.recordSuccess !== false) {
        await record({ type: 'step.succeeded', key: `${subject}:succeeded:${attempt}`, at: now(), stepId, attempt, outputs });
      }
      return { outputs, attempt, endedAt: now() };
    }
    if (outcome.error.code === 'cancelled' && at.signal.aborted) {
      // A worker shutting down aborts the signal too; that is no cancel, the step must run again elsewhere.
      if (at.workerShutdown()) return fail('worker_shutdown', 'The worker shut down while the step ran', true);
      // A quick attempt's start is held back to go with its end; cancelled, it goes alone.
      await record();
      throw new CancelledFailure('Step cancelled');
    }
    return fail(outcome.error.code, hide(outcome.error.message), outcome.error.retryable, outcome.error.stepCode);
  };
}
