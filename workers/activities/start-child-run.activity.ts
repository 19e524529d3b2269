import { ApplicationFailure } from '@temporalio/activity';
import type { BatonMetrics } from '../../src/runtime/metrics/baton-metrics.js';
import { AdmissionRefused } from '../../src/runtime/ledger/run-admission.js';
import type { RunLedger } from '../../src/runtime/ledger/run-ledger.js';
import { MAX_RUN_DEPTH, STEP_FAILURE_TYPES, type ChildRunRequest, type RunPipelineInput } from '../contracts/index.js';
import { checkRunInputs } from '../contracts/run-inputs.js';
import { ledgerRun, type ChildRunsRepository } from './child-runs.repository.js';

/** A child run that cannot start as asked: the step fails for good, with the reason as its code. */
const refuse = (code: string, message: string) =>
  ApplicationFailure.create({ type: STEP_FAILURE_TYPES.invalidInput, message, nonRetryable: true, details: [code] });

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Records the child run of a `pipeline/run` step (queued, trigger `pipeline`, pointing at its
 * parent) once admitted, and returns its workflow input: the exact pipeline version it will run,
 * with inputs checked and defaults filled in, as a run started through the API. A refusal (the
 * tree's fan-out budget, the plan's step-seconds, the tenant's standing) fails the step with its code.
 */
export function createStartChildRun(runs: ChildRunsRepository, ledger: RunLedger, metrics: Pick<BatonMetrics, 'runStarted'>) {
  return async function startChildRun(request: ChildRunRequest): Promise<RunPipelineInput> {
    const { tenantId, parent, childRunId } = request;
    const { pipeline: name, version, inputs = {} } = request.with;
    if (typeof name !== 'string') throw refuse('invalid_input', '`with.pipeline` must be the name of a pipeline');
    if (version !== undefined && !Number.isInteger(version)) throw refuse('invalid_input', '`with.version` must be a whole number');
    if (!isObject(inputs)) throw refuse('invalid_input', '`with.inputs` must be an object');
    if (parent.depth > MAX_RUN_DEPTH)
      throw refuse('too_deep', `Runs may start child runs ${MAX_RUN_DEPTH} levels deep; does ${name} start itself?`);

    const recorded = await runs.findRecorded(tenantId, childRunId);
    const pinned = recorded?.pipeline ?? (await runs.findPinnedVersion(tenantId, name, version as number | undefined));
    if (!pinned)
      throw refuse(
        'pipeline_not_found',
        version === undefined ? `Pipeline ${name} was not found` : `Pipeline ${name} has no version ${version as number}`,
      );
    const checked = checkRunInputs(pinned.versionId, pinned.definition, recorded?.inputs ?? inputs);
    if (checked.problems.length) {
      throw refuse(
        'invalid_inputs',
        `The inputs do not fit pipeline ${name}: ${checked.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      );
    }
    if (!recorded) {
      const run = ledgerRun({ id: childRunId, tenantId, trigger: 'pipeline', parentRunId: parent.runId }, pinned, checked.inputs);
      try {
        // The parent workflow starts it (as its child): no outbox row.
        if ((await ledger.record({ run })).recorded) metrics.runStarted(tenantId, 'pipeline');
      } catch (error) {
        if (error instanceof AdmissionRefused) throw refuse(error.code, error.message);
        throw error;
      }
    }
    return {
      runId: childRunId,
      tenantId,
      trigger: 'pipeline',
      inputs: checked.inputs,
      parent,
      pipeline: { name: pinned.name, version: pinned.version, definition: pinned.definition, pins: pinned.pins },
    };
  };
}
