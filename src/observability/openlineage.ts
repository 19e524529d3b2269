import { v5 as uuidV5 } from 'uuid';

/**
 * Baton's lineage as OpenLineage run events (https://openlineage.io/spec): each step of a run that
 * read or wrote datasets is one job run (`<pipeline>.<step>`), a child of the pipeline's run.
 */

export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
export const OPENLINEAGE_PRODUCER = 'urn:baton:openlineage';

/** Step runs get their own OpenLineage run id, the same every time it is computed. */
const STEP_RUN_NAMESPACE = '5b6f3f4e-7c1d-4d8e-9a57-0c6b1f2e9d31';

/** One step of one run that read or wrote datasets, with everything it read and wrote. */
export interface StepLineage {
  runId: string;
  pipeline: string;
  stepId: string;
  uses: string;
  status: string;
  at: Date;
  inputs: Dataset[] | null;
  outputs: Dataset[] | null;
}

export interface Dataset {
  namespace: string;
  name: string;
}

export const jobNamespace = (tenantId: string) => `baton/${tenantId}`;

export function stepRunId(runId: string, stepId: string): string {
  return uuidV5(`${runId}/${stepId}`, STEP_RUN_NAMESPACE);
}

/** The step run's final event: COMPLETE when the step succeeded, else FAIL (or ABORT when cancelled). */
export function toOpenLineageEvent(tenantId: string, step: StepLineage) {
  const namespace = jobNamespace(tenantId);
  return {
    eventType: step.status === 'succeeded' ? 'COMPLETE' : step.status === 'cancelled' ? 'ABORT' : 'FAIL',
    eventTime: new Date(step.at).toISOString(),
    producer: OPENLINEAGE_PRODUCER,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: {
      runId: stepRunId(step.runId, step.stepId),
      facets: {
        parent: {
          _producer: OPENLINEAGE_PRODUCER,
          _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/ParentRunFacet.json#/$defs/ParentRunFacet',
          run: { runId: step.runId },
          job: { namespace, name: step.pipeline },
        },
      },
    },
    job: {
      namespace,
      name: `${step.pipeline}.${step.stepId}`,
      facets: { baton: { pipeline: step.pipeline, step: step.stepId, uses: step.uses } },
    },
    inputs: step.inputs ?? [],
    outputs: step.outputs ?? [],
  };
}
