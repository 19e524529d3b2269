import { v5 as uuidV5 } from 'uuid';
import type { ErrorInfo } from '../../workers/contracts/run.contract.js';
import { ARTIFACTS_NAMESPACE } from '../../plugins/sdk/src/step-context.js';
import { ArtifactKeyError, checkArtifactKey, tenantPath } from '../runtime/artifacts/artifact-store.js';
import type { RuntimeConfig } from '../runtime/config/runtime-config.js';

/**
 * Baton's runs as OpenLineage run events (https://openlineage.io/spec, 2-0-2): a pipeline run is a
 * run of job `<pipeline>`, each of its steps that ran a run of job `<pipeline>.<step>` with the
 * pipeline run as its `parent`. Each gets a START and one of COMPLETE, FAIL or ABORT.
 */

export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
export const OPENLINEAGE_PRODUCER = 'urn:baton:openlineage';
const PARENT_FACET = 'https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet';
const JOB_TYPE_FACET = 'https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet';
const ERROR_MESSAGE_FACET = 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet';
/** Where the API serves the schema of Baton's own facets (`baton_job`, `baton_run`), below PUBLIC_URL. */
export const BATON_FACETS_PATH = '/v1/lineage/facets';

/** Step runs get their own OpenLineage run id, the same every time it is computed. */
const STEP_RUN_NAMESPACE = '5b6f3f4e-7c1d-4d8e-9a57-0c6b1f2e9d31';

export type EventType = 'START' | 'RUNNING' | 'COMPLETE' | 'FAIL' | 'ABORT';
const END_OF: Record<string, EventType> = { succeeded: 'COMPLETE', failed: 'FAIL', timed_out: 'FAIL', cancelled: 'ABORT' };
/** How a run or step ended; a step still going when its run ended was stopped with it. */
export const endEventType = (status: string): EventType => END_OF[status] ?? 'ABORT';
/** A step's latest event, while its run may still be going: RUNNING until it ended. */
export const latestEventType = (status: string): EventType => END_OF[status] ?? 'RUNNING';

export interface Dataset {
  namespace: string;
  name: string;
}

/** One step of one run that ran, with everything it read and wrote (as the step named it) over all its attempts. */
export interface StepRun {
  stepId: string;
  uses: string;
  status: string;
  attempt: number;
  startedAt: Date;
  endedAt: Date | null;
  error: ErrorInfo | null;
  inputs: Dataset[] | null;
  outputs: Dataset[] | null;
}

/** A step run found by the dataset it touched, with its pipeline run. */
export interface StepLineage extends StepRun {
  runId: string;
  pipeline: string;
  /** When the step last recorded lineage. */
  at: Date;
}

/** An ended run and the steps of it that ran, in the order they started. */
export interface RunLineage {
  runId: string;
  pipeline: string;
  version: number;
  status: string;
  trigger: string;
  startedAt: Date;
  endedAt: Date;
  error: ErrorInfo | null;
  /** The run that started this one as a child (a `pipeline/run` step or a forEach over a pipeline). */
  parent: { runId: string; pipeline: string } | null;
  steps: StepRun[];
}

/** Where the tenant's artifacts live, which names them (the OpenLineage naming spec: `file`, `s3://<bucket>`). */
export type ArtifactLocation = { kind: 'file'; root: string } | { kind: 's3'; bucket: string; prefix: string };

export interface LineageSettings {
  artifacts: ArtifactLocation;
  /** The `$id` of the schema of Baton's facets, served by the API. */
  facetsUrl: string;
}

export function lineageSettings(
  config: Pick<RuntimeConfig, 'publicUrl' | 'artifactsDir' | 'ARTIFACTS_S3_BUCKET' | 'ARTIFACTS_S3_PREFIX'>,
): LineageSettings {
  return {
    artifacts: config.ARTIFACTS_S3_BUCKET
      ? { kind: 's3', bucket: config.ARTIFACTS_S3_BUCKET, prefix: config.ARTIFACTS_S3_PREFIX }
      : { kind: 'file', root: config.artifactsDir.replace(/\/+$/, '') },
    facetsUrl: `${config.publicUrl.replace(/\/+$/, '')}${BATON_FACETS_PATH}`,
  };
}

export const jobNamespace = (tenantId: string) => `baton/${tenantId}`;

export function stepRunId(runId: string, stepId: string): string {
  return uuidV5(`${runId}/${stepId}`, STEP_RUN_NAMESPACE);
}

/** Where a tenant's artifacts are: `<root>/<tenant>/` on disk, `<prefix><tenant>/` in the bucket. */
function artifactsOf(tenantId: string, artifacts: ArtifactLocation): Dataset {
  return artifacts.kind === 'file'
    ? { namespace: 'file', name: `${artifacts.root}/${tenantId}/` }
    : { namespace: `s3://${artifacts.bucket}`, name: `${artifacts.prefix}${tenantId}/` };
}

/**
 * A dataset as OpenLineage names it. An artifact is named by where the store keeps it, which is
 * within its tenant: two tenants' `exports/a.json` are two datasets. Other names are the step's.
 */
export function toOpenLineageDataset(tenantId: string, dataset: Dataset, artifacts: ArtifactLocation): Dataset {
  if (dataset.namespace !== ARTIFACTS_NAMESPACE) return { namespace: dataset.namespace, name: dataset.name };
  const within = artifactsOf(tenantId, artifacts);
  let path: string;
  try {
    path = tenantPath(tenantId, dataset.name);
  } catch (error) {
    if (!(error instanceof ArtifactKeyError)) throw error;
    // Not a key a store could hold (steps may name any string): still one name, inside the tenant.
    path = `${tenantId}/${encodeURIComponent(dataset.name)}`;
  }
  return { namespace: within.namespace, name: `${within.name}${path.slice(tenantId.length + 1)}` };
}

/** The other way: a dataset asked for by its OpenLineage name, as the steps recorded it (an artifact by its key). */
export function toRecordedDataset(
  tenantId: string,
  dataset: { namespace?: string; name: string },
  artifacts: ArtifactLocation,
): { namespace?: string; name: string } {
  const within = artifactsOf(tenantId, artifacts);
  if ((dataset.namespace ?? within.namespace) !== within.namespace || !dataset.name.startsWith(within.name)) return dataset;
  const rest = dataset.name.slice(within.name.length);
  return { namespace: ARTIFACTS_NAMESPACE, name: isArtifactKey(rest) ? rest : decoded(rest) };
}

function isArtifactKey(key: string): boolean {
  try {
    checkArtifactKey(key);
    return true;
  } catch {
    return false;
  }
}

function decoded(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

function base(eventType: EventType, at: Date) {
  return { eventType, eventTime: new Date(at).toISOString(), producer: OPENLINEAGE_PRODUCER, schemaURL: OPENLINEAGE_SCHEMA_URL };
}

const facet = (schemaURL: string) => ({ _producer: OPENLINEAGE_PRODUCER, _schemaURL: schemaURL });

function jobType(jobType: 'PIPELINE' | 'STEP') {
  return { ...facet(JOB_TYPE_FACET), processingType: 'BATCH', integration: 'BATON', jobType };
}

function errorMessage(error: ErrorInfo | null, fallback: string) {
  const code = error?.stepCode ?? error?.code;
  const message = error?.message ?? fallback;
  return { ...facet(ERROR_MESSAGE_FACET), message: code ? `${message} (${code})` : message, programmingLanguage: 'JavaScript' };
}

/** The pipeline run's START or end event. */
export function pipelineRunEvent(tenantId: string, run: RunLineage, eventType: EventType, settings: LineageSettings) {
  const namespace = jobNamespace(tenantId);
  return {
    ...base(eventType, eventType === 'START' ? run.startedAt : run.endedAt),
    run: {
      runId: run.runId,
      facets: {
        ...(run.parent && {
          parent: { ...facet(PARENT_FACET), run: { runId: run.parent.runId }, job: { namespace, name: run.parent.pipeline } },
        }),
        ...(eventType === 'FAIL' && { errorMessage: errorMessage(run.error, `The run ${run.status.replace('_', ' ')}`) }),
        baton_run: {
          ...facet(`${settings.facetsUrl}#/$defs/BatonRunFacet`),
          runId: run.runId,
          status: eventType === 'START' ? 'running' : run.status,
          trigger: run.trigger,
        },
      },
    },
    job: {
      namespace,
      name: run.pipeline,
      facets: {
        jobType: jobType('PIPELINE'),
        baton_job: { ...facet(`${settings.facetsUrl}#/$defs/BatonJobFacet`), pipeline: run.pipeline, version: run.version },
      },
    },
    inputs: [],
    outputs: [],
  };
}

/**
 * A step run's START or end event (for its end: COMPLETE, FAIL, or ABORT also when it was still
 * going as its run ended, at `runEndedAt`). Both carry what it read; the end also what it wrote.
 */
export function stepRunEvent(
  tenantId: string,
  run: { runId: string; pipeline: string; endedAt?: Date },
  step: StepRun,
  eventType: EventType,
  settings: LineageSettings,
) {
  const namespace = jobNamespace(tenantId);
  const datasets = (list: Dataset[] | null) => (list ?? []).map((d) => toOpenLineageDataset(tenantId, d, settings.artifacts));
  const endedAt = step.endedAt ?? run.endedAt ?? step.startedAt;
  return {
    ...base(eventType, eventType === 'START' ? step.startedAt : endedAt),
    run: {
      runId: stepRunId(run.runId, step.stepId),
      facets: {
        parent: { ...facet(PARENT_FACET), run: { runId: run.runId }, job: { namespace, name: run.pipeline } },
        ...(eventType === 'FAIL' && { errorMessage: errorMessage(step.error, `The step ${step.status.replace('_', ' ')}`) }),
        baton_run: {
          ...facet(`${settings.facetsUrl}#/$defs/BatonRunFacet`),
          runId: run.runId,
          status: eventType === 'START' ? 'running' : step.status,
          attempt: step.attempt,
        },
      },
    },
    job: {
      namespace,
      name: `${run.pipeline}.${step.stepId}`,
      facets: {
        jobType: jobType('STEP'),
        baton_job: { ...facet(`${settings.facetsUrl}#/$defs/BatonJobFacet`), pipeline: run.pipeline, step: step.stepId, uses: step.uses },
      },
    },
    inputs: datasets(step.inputs),
    outputs: eventType === 'START' ? [] : datasets(step.outputs),
  };
}

export type OpenLineageRunEvent = ReturnType<typeof stepRunEvent> | ReturnType<typeof pipelineRunEvent>;

/**
 * Every event of an ended run, in an order a lineage server can take one by one: the pipeline
 * run's START first, its end last, each step's START before its end.
 */
export function runEvents(tenantId: string, run: RunLineage, settings: LineageSettings): OpenLineageRunEvent[] {
  const steps = run.steps.flatMap((step) => {
    const end = endEventType(step.status);
    return [
      { at: step.startedAt.getTime(), order: 0, event: stepRunEvent(tenantId, run, step, 'START', settings) },
      { at: (step.endedAt ?? run.endedAt).getTime(), order: 1, event: stepRunEvent(tenantId, run, step, end, settings) },
    ];
  });
  steps.sort((a, b) => a.at - b.at || a.order - b.order);
  return [
    pipelineRunEvent(tenantId, run, 'START', settings),
    ...steps.map((s) => s.event),
    pipelineRunEvent(tenantId, run, endEventType(run.status), settings),
  ];
}

/** The JSON Schema of Baton's custom facets, as the API serves it at `facetsUrl`. */
export function batonFacetsSchema(facetsUrl: string) {
  const openLineage = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs';
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: facetsUrl,
    $defs: {
      BatonJobFacet: {
        type: 'object',
        allOf: [
          { $ref: `${openLineage}/JobFacet` },
          {
            type: 'object',
            description: 'The Baton pipeline (and step) this job is.',
            properties: {
              pipeline: { type: 'string', description: 'The pipeline' },
              version: { type: 'integer', description: 'The version of the pipeline the run ran' },
              step: { type: 'string', description: 'The step of the pipeline, for a step job' },
              uses: { type: 'string', description: 'The plugin step it runs, `plugin/step@range`' },
            },
            required: ['pipeline'],
          },
        ],
      },
      BatonRunFacet: {
        type: 'object',
        allOf: [
          { $ref: `${openLineage}/RunFacet` },
          {
            type: 'object',
            description: "Baton's run this OpenLineage run is or belongs to.",
            properties: {
              runId: { type: 'string', format: 'uuid', description: "Baton's pipeline run (GET /v1/runs/{id})" },
              status: { type: 'string', description: "Baton's status of the run or step: running at START, then how it ended" },
              trigger: { type: 'string', description: 'What started the pipeline run' },
              attempt: { type: 'integer', description: 'The attempts the step took' },
            },
            required: ['runId', 'status'],
          },
        ],
      },
    },
    type: 'object',
    properties: {
      baton_job: { $ref: '#/$defs/BatonJobFacet' },
      baton_run: { $ref: '#/$defs/BatonRunFacet' },
    },
  };
}
