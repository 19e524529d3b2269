import { describe, expect, it } from 'vitest';
import { openLineageValidator } from '../../test/support/openlineage-schemas.js';
import {
  batonFacetsSchema,
  lineageSettings,
  runEvents,
  stepRunEvent,
  stepRunId,
  toOpenLineageDataset,
  toRecordedDataset,
  type RunLineage,
  type StepRun,
} from './openlineage.js';

const TENANT = '2f0b7c52-6a3e-4c1f-9a0e-4d2b8c1e7f10';
const OTHER_TENANT = '9a1c3e5f-7b2d-4f6a-8c0e-1d3f5a7b9c2e';
const RUN = '0190d3a4-5b6c-7d8e-9f01-23456789abcd';
const settings = lineageSettings({
  publicUrl: 'https://baton.example.com/',
  artifactsDir: '/var/lib/baton/artifacts',
  ARTIFACTS_S3_BUCKET: undefined,
  ARTIFACTS_S3_PREFIX: '',
});
const s3 = lineageSettings({
  publicUrl: 'https://baton.example.com',
  artifactsDir: '/unused',
  ARTIFACTS_S3_BUCKET: 'lake',
  ARTIFACTS_S3_PREFIX: 'baton/',
});
const valid = openLineageValidator([batonFacetsSchema(settings.facetsUrl)]);

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds));
const artifact = (name: string) => ({ namespace: 'baton-artifacts', name });
const step = (stepId: string, fields: Partial<StepRun> = {}): StepRun => ({
  stepId,
  uses: 'files/write@^1',
  status: 'succeeded',
  attempt: 1,
  startedAt: at(1),
  endedAt: at(2),
  error: null,
  inputs: null,
  outputs: null,
  ...fields,
});
const run = (fields: Partial<RunLineage> = {}): RunLineage => ({
  runId: RUN,
  pipeline: 'orders',
  version: 3,
  status: 'succeeded',
  trigger: 'api',
  startedAt: at(0),
  endedAt: at(9),
  error: null,
  parent: null,
  steps: [
    step('save', { outputs: [artifact('exports/orders.json')] }),
    step('load', {
      uses: 'files/read@^1',
      startedAt: at(3),
      endedAt: at(4),
      inputs: [artifact('exports/orders.json')],
      outputs: [artifact('runs/r/load/rows.ndjson')],
    }),
    step('shape', {
      uses: 'transform/dataset@^1',
      startedAt: at(5),
      endedAt: at(6),
      inputs: [artifact('runs/r/load/rows.ndjson')],
      outputs: [{ namespace: 'postgres://db.internal:5432', name: 'warehouse.public.orders' }],
    }),
  ],
  ...fields,
});
const summary = (events: ReturnType<typeof runEvents>) => events.map((e) => `${e.eventType} ${e.job.name}`);

describe('OpenLineage events', () => {
  it('are valid against the 2-0-2 spec and their facets’ schemas, for a success, a failure and a cancel', () => {
    const failed = run({
      status: 'failed',
      error: { message: 'Step load failed', code: 'step_failed', step: 'load' },
      steps: [step('save'), step('load', { status: 'failed', error: { message: 'no artifact exports/x.json', code: 'step_failed' } })],
    });
    const cancelled = run({ status: 'cancelled', steps: [step('wait', { status: 'running', endedAt: null })] });
    const child = run({ parent: { runId: '0190d3a4-0000-7000-8000-000000000001', pipeline: 'nightly' }, trigger: 'pipeline' });
    for (const ran of [run(), failed, cancelled, child]) {
      const events = runEvents(TENANT, ran, settings);
      expect(events.length).toBe(2 + 2 * ran.steps.length);
      for (const event of events) expect(valid(JSON.parse(JSON.stringify(event)))).toEqual([]);
    }
  });

  it('start and end the pipeline run around its steps, each step run a child of it', () => {
    const events = runEvents(TENANT, run(), settings);
    expect(summary(events)).toEqual([
      'START orders',
      'START orders.save',
      'COMPLETE orders.save',
      'START orders.load',
      'COMPLETE orders.load',
      'START orders.shape',
      'COMPLETE orders.shape',
      'COMPLETE orders',
    ]);
    const [start, ...rest] = events;
    const end = rest.pop()!;
    expect(start).toMatchObject({
      eventTime: at(0).toISOString(),
      run: { runId: RUN },
      job: {
        namespace: `baton/${TENANT}`,
        name: 'orders',
        facets: { jobType: { processingType: 'BATCH', integration: 'BATON', jobType: 'PIPELINE' } },
      },
    });
    expect(end).toMatchObject({ eventTime: at(9).toISOString(), run: { runId: RUN } });
    for (const event of rest) {
      expect(event.run.runId).toBe(stepRunId(RUN, event.job.name.split('.')[1]));
      expect(event.run.facets).toMatchObject({ parent: { run: { runId: RUN }, job: { namespace: start.job.namespace, name: 'orders' } } });
      expect(event.job.facets.jobType).toMatchObject({ jobType: 'STEP' });
    }
    // The same events every time they are built: a retried delivery repeats them exactly.
    expect(runEvents(TENANT, run(), settings)).toEqual(events);
  });

  it('say FAIL with the error for a failed step and run, ABORT for what was cancelled', () => {
    const failed = runEvents(
      TENANT,
      run({
        status: 'timed_out',
        error: { message: 'The run took longer than 1h', code: 'timeout' },
        steps: [
          step('save'),
          step('load', {
            status: 'failed',
            startedAt: at(3),
            endedAt: at(4),
            error: { message: 'boom', code: 'step_failed', stepCode: 'bad_rows' },
          }),
        ],
      }),
      settings,
    );
    expect(summary(failed)).toEqual([
      'START orders',
      'START orders.save',
      'COMPLETE orders.save',
      'START orders.load',
      'FAIL orders.load',
      'FAIL orders',
    ]);
    expect(failed[4].run.facets).toMatchObject({ errorMessage: { message: 'boom (bad_rows)', programmingLanguage: 'JavaScript' } });
    expect(failed[5].run.facets).toMatchObject({
      errorMessage: { message: 'The run took longer than 1h (timeout)' },
      baton_run: { status: 'timed_out' },
    });

    const cancelled = runEvents(
      TENANT,
      run({ status: 'cancelled', steps: [step('wait', { status: 'waiting', endedAt: null })] }),
      settings,
    );
    expect(summary(cancelled)).toEqual(['START orders', 'START orders.wait', 'ABORT orders.wait', 'ABORT orders']);
    // A step still going when its run was cancelled ends with the run.
    expect(cancelled[2].eventTime).toBe(at(9).toISOString());
  });

  it('names artifacts where the store keeps them, per tenant, and other datasets as the step did', () => {
    const key = artifact('exports/orders.json');
    expect(toOpenLineageDataset(TENANT, key, settings.artifacts)).toEqual({
      namespace: 'file',
      name: `/var/lib/baton/artifacts/${TENANT}/exports/orders.json`,
    });
    expect(toOpenLineageDataset(TENANT, key, s3.artifacts)).toEqual({
      namespace: 's3://lake',
      name: `baton/${TENANT}/exports/orders.json`,
    });
    expect(toOpenLineageDataset(OTHER_TENANT, key, s3.artifacts)).not.toEqual(toOpenLineageDataset(TENANT, key, s3.artifacts));
    // A name that is no artifact key still stays inside its tenant.
    expect(toOpenLineageDataset(TENANT, artifact(`../${OTHER_TENANT}/x`), s3.artifacts).name).toBe(
      `baton/${TENANT}/..%2F${OTHER_TENANT}%2Fx`,
    );
    const table = { namespace: 'postgres://db.internal:5432', name: 'warehouse.public.orders' };
    expect(toOpenLineageDataset(TENANT, table, s3.artifacts)).toEqual(table);

    // And back, to find a dataset asked for by either name.
    for (const dataset of [key, artifact(`../${OTHER_TENANT}/x`)]) {
      const named = toOpenLineageDataset(TENANT, dataset, s3.artifacts);
      expect(toRecordedDataset(TENANT, named, s3.artifacts)).toEqual(dataset);
      expect(toRecordedDataset(TENANT, { name: named.name }, s3.artifacts)).toEqual(dataset);
    }
    expect(toRecordedDataset(OTHER_TENANT, toOpenLineageDataset(TENANT, key, s3.artifacts), s3.artifacts).namespace).toBe('s3://lake');
    expect(toRecordedDataset(TENANT, { name: 'exports/orders.json' }, settings.artifacts)).toEqual({ name: 'exports/orders.json' });
    expect(toRecordedDataset(TENANT, table, settings.artifacts)).toEqual(table);
  });

  it('put what a step read on its START, and what it wrote only on its end', () => {
    const load = run().steps[1];
    const start = stepRunEvent(TENANT, run(), load, 'START', settings);
    const end = stepRunEvent(TENANT, run(), load, 'COMPLETE', settings);
    expect(start.inputs).toEqual(end.inputs);
    expect(start.inputs).toHaveLength(1);
    expect(start.outputs).toEqual([]);
    expect(end.outputs).toEqual([{ namespace: 'file', name: `/var/lib/baton/artifacts/${TENANT}/runs/r/load/rows.ndjson` }]);
    // GET /v1/lineage shows a step still going as RUNNING.
    const running = stepRunEvent(TENANT, run(), { ...load, status: 'running', endedAt: null }, 'RUNNING', settings);
    expect(valid(JSON.parse(JSON.stringify(running)))).toEqual([]);
  });

  it('are refused by the validator when a custom facet is not a facet', () => {
    const [event] = runEvents(TENANT, run(), settings);
    const broken = JSON.parse(JSON.stringify(event));
    broken.job.facets.baton = { pipeline: 'orders' };
    delete broken.run.facets.baton_run._producer;
    expect(valid(broken)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('job facet baton: a custom facet needs a prefixed key'),
        expect.stringMatching(/^event\/job\/facets\/baton must have required property '_producer'/),
        expect.stringMatching(/^run facet baton_run must have required property '_producer'/),
      ]),
    );
  });
});
