import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allEvents,
  temporalClient,
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  stepOf,
  uniqueName,
  waitForRun,
  type RunView,
  type TestTenant,
} from './support/builders.js';

interface RunSummary {
  id: string;
  pipeline: string;
  status: string;
  trigger: string;
  parentRunId: string | null;
}

describe('pipeline/run', () => {
  let tenant: TestTenant;
  let temporal: Client;
  beforeAll(async () => {
    tenant = await newTenant();
    temporal = await temporalClient();
  });
  afterAll(() => temporal?.connection.close());

  const childrenOf = async (runId: string): Promise<RunSummary[]> =>
    (await tenant.get(`/v1/runs?parentRunId=${runId}`).expect(200)).body.items;
  const childOf = async (run: RunView): Promise<RunView> => {
    const [child] = await childrenOf(run.id);
    return (await tenant.get(`/v1/runs/${child.id}`).expect(200)).body;
  };

  it('runs another pipeline of the tenant as a child run and hands its outputs on', async () => {
    const child = uniqueName('child');
    await savePipeline(
      tenant,
      newPipeline(
        child,
        { double: { uses: 'transform/jsonata@^1', with: { expression: 'n * 2', data: { n: '${{ inputs.n }}' } } } },
        {
          inputs: { n: { type: 'integer' }, label: { type: 'string', default: 'doubled' } },
          required: ['n'],
          outputs: { value: '${{ steps.double.outputs.result }}', label: '${{ inputs.label }}' },
        },
      ),
    );
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('parent'), {
        call: { uses: 'pipeline/run@^1', with: { pipeline: child, inputs: { n: 21 } } },
        after: {
          uses: 'core/echo@^1',
          needs: ['call'],
          with: { got: '${{ steps.call.outputs.outputs.value }}', label: '${{ steps.call.outputs.outputs.label }}' },
        },
      }),
    );
    expect(run.status).toBe('succeeded');
    expect(stepOf(run, 'after').outputs).toEqual({ got: 42, label: 'doubled' });

    const children = await childrenOf(run.id);
    expect(children).toEqual([expect.objectContaining({ pipeline: child, status: 'succeeded', trigger: 'pipeline', parentRunId: run.id })]);
    expect(stepOf(run, 'call')).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      outputs: { runId: children[0].id, status: 'succeeded', outputs: { value: 42, label: 'doubled' } },
    });
    const childRun = await childOf(run);
    expect(childRun).toMatchObject({ inputs: { n: 21, label: 'doubled' }, outputs: { value: 42, label: 'doubled' } });
    expect((await allEvents(tenant, run.id)).filter((e) => e.type === 'step.child_started')).toEqual([
      expect.objectContaining({ stepId: 'call', childRunId: childRun.id, pipeline: child, version: 1 }),
    ]);
    // The child is a Temporal child workflow of the parent, listed under its own pipeline.
    const description = await temporal.workflow.getHandle(childRun.id).describe();
    expect(description.parentExecution?.workflowId).toBe(run.id);
    expect(description.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value])).toEqual(
      expect.arrayContaining([
        ['BatonPipeline', child],
        ['BatonTenant', tenant.tenantId],
      ]),
    );
  });

  it('fans out to one child run per item, outputs in item order', async () => {
    const child = uniqueName('child-region');
    await savePipeline(
      tenant,
      newPipeline(
        child,
        { shout: { uses: 'transform/jsonata@^1', with: { expression: '$uppercase(r)', data: { r: '${{ inputs.region }}' } } } },
        {
          inputs: { region: { type: 'string' } },
          required: ['region'],
          outputs: { region: '${{ steps.shout.outputs.result }}' },
        },
      ),
    );
    const run = await runToEnd(
      tenant,
      newPipeline(
        uniqueName('parent-fan'),
        {
          regions: {
            uses: 'pipeline/run@^1',
            forEach: ['eu', 'us', 'apac'],
            maxParallel: 2,
            with: { pipeline: child, inputs: { region: '${{ item }}' } },
          },
        },
        { outputs: { regions: '${{ steps.regions.outputs.outputs.region }}' } },
      ),
    );
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toEqual({ regions: ['EU', 'US', 'APAC'] });
    expect(stepOf(run, 'regions').items).toEqual({ total: 3, succeeded: 3, failed: 0 });
    const children = await childrenOf(run.id);
    expect(children.map((c) => [c.pipeline, c.status, c.parentRunId])).toEqual(Array(3).fill([child, 'succeeded', run.id]));
    const started = (await allEvents(tenant, run.id)).filter((e) => e.type === 'step.child_started');
    expect(started.map((e) => e.item).sort()).toEqual([0, 1, 2]);
    expect(new Set(started.map((e) => e.childRunId))).toEqual(new Set(children.map((c) => c.id)));
  });

  it('fails the step when the child run fails, with the child run named', async () => {
    const child = uniqueName('child-fails');
    await savePipeline(
      tenant,
      newPipeline(child, { boom: { uses: 'core/fail@^1', with: { message: 'no data today', retryable: false } } }),
    );
    const run = await runToEnd(tenant, newPipeline(uniqueName('parent'), { call: { uses: 'pipeline/run@^1', with: { pipeline: child } } }));
    expect(run.status).toBe('failed');
    const childRun = await childOf(run);
    expect(childRun.status).toBe('failed');
    expect(stepOf(run, 'call')).toMatchObject({
      status: 'failed',
      error: { code: 'child_run_failed', message: `Child run ${childRun.id} of ${child} failed: Step boom failed: no data today` },
    });
  });

  it("refuses a missing pipeline, another tenant's pipeline and inputs that do not fit, without starting a child", async () => {
    const other = await newTenant();
    const theirs = uniqueName('theirs');
    await savePipeline(other, newPipeline(theirs, { noop: { uses: 'core/echo@^1', with: {} } }));
    const strict = uniqueName('strict');
    await savePipeline(
      tenant,
      newPipeline(
        strict,
        { noop: { uses: 'core/echo@^1', with: {} } },
        { inputs: { day: { type: 'string', format: 'date' } }, required: ['day'] },
      ),
    );
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('parent'), {
        ghost: { uses: 'pipeline/run@^1', with: { pipeline: 'no-such-pipeline' }, continueOnError: true },
        foreign: { uses: 'pipeline/run@^1', with: { pipeline: theirs }, continueOnError: true },
        wrong: { uses: 'pipeline/run@^1', with: { pipeline: strict, inputs: { day: 'yesterday' } }, continueOnError: true },
        old: { uses: 'pipeline/run@^1', with: { pipeline: strict, version: 9, inputs: { day: '2026-11-26' } }, continueOnError: true },
      }),
    );
    expect(stepOf(run, 'ghost').error).toMatchObject({ code: 'pipeline_not_found', message: 'Pipeline no-such-pipeline was not found' });
    expect(stepOf(run, 'foreign').error).toMatchObject({ code: 'pipeline_not_found', message: `Pipeline ${theirs} was not found` });
    expect(stepOf(run, 'wrong').error).toMatchObject({
      code: 'invalid_inputs',
      message: expect.stringContaining('inputs.day: Must be a date (YYYY-MM-DD)'),
    });
    expect(stepOf(run, 'old').error).toMatchObject({ code: 'pipeline_not_found', message: `Pipeline ${strict} has no version 9` });
    expect(await childrenOf(run.id)).toEqual([]);
  });

  it('rejects a pipeline/run step with no pipeline, or with a retry, when the pipeline is saved', async () => {
    const name = uniqueName('bad');
    const response = await tenant.put(
      `/v1/pipelines/${name}`,
      newPipeline(name, {
        call: { uses: 'pipeline/run@^1', with: { inputs: {} } },
        again: { uses: 'pipeline/run@^1', with: { pipeline: 'other' }, retry: { maxAttempts: 3 } },
      }),
    );
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([
      expect.objectContaining({ path: 'steps.call.with.pipeline' }),
      {
        path: 'steps.again.retry',
        message: 'A pipeline/run step does not retry the child run; give the steps of that pipeline a retry instead',
      },
    ]);
  });

  /** Starts a parent whose child sleeps a minute; resolves once the child's step is running. */
  async function parentOfSleepingChild(): Promise<{ id: string; childId: string; child: string }> {
    const child = uniqueName('child-slow');
    await savePipeline(tenant, newPipeline(child, { nap: { uses: 'core/sleep@^1', with: { ms: 60_000 } } }));
    const parent = uniqueName('parent');
    await savePipeline(tenant, newPipeline(parent, { call: { uses: 'pipeline/run@^1', with: { pipeline: child } } }));
    const id = await startRun(tenant, parent);
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const [found] = await childrenOf(id);
      if (found) return { id, child, childId: (await waitForRun(tenant, found.id, (r) => stepOf(r, 'nap').status === 'running')).id };
    }
    throw new Error(`run ${id} started no child run`);
  }

  it('cancels the child run when the parent is cancelled', async () => {
    const { id, childId } = await parentOfSleepingChild();
    await tenant.post(`/v1/runs/${id}/cancel`).expect(202);
    const run = await waitForRun(tenant, id);
    expect(run.status).toBe('cancelled');
    expect(stepOf(run, 'call').status).toBe('cancelled');
    const childRun = await waitForRun(tenant, childId);
    expect(childRun.status).toBe('cancelled');
    expect(stepOf(childRun, 'nap').status).toBe('cancelled');
  });

  it('fails the step when the child run is cancelled on its own', async () => {
    const { id, childId, child } = await parentOfSleepingChild();
    await tenant.post(`/v1/runs/${childId}/cancel`).expect(202);
    const run = await waitForRun(tenant, id);
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'call').error).toMatchObject({
      code: 'child_run_failed',
      message: `Child run ${childId} of ${child} was cancelled`,
    });
  });

  it("cancels the child run at the step's timeout and times the step out", async () => {
    const child = uniqueName('child-slow');
    await savePipeline(tenant, newPipeline(child, { nap: { uses: 'core/sleep@^1', with: { ms: 60_000 } } }));
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('parent'), { call: { uses: 'pipeline/run@^1', timeout: '2s', with: { pipeline: child } } }),
    );
    expect(run.status).toBe('failed');
    const childRun = await childOf(run);
    expect(childRun.status).toBe('cancelled');
    expect(stepOf(childRun, 'nap').status).toBe('cancelled');
    expect(stepOf(run, 'call')).toMatchObject({
      status: 'timed_out',
      error: { code: 'timeout', message: `Child run ${childRun.id} of ${child} was cancelled: the step's timeout of 2000 ms passed` },
    });
  });

  it('stops a pipeline that runs itself at the depth limit', async () => {
    const name = uniqueName('recursive');
    const run = await runToEnd(tenant, newPipeline(name, { again: { uses: 'pipeline/run@^1', with: { pipeline: name } } }));
    expect(run.status).toBe('failed');
    const depths: string[] = [];
    for (
      let current: RunView | undefined = run;
      current;
      current = (await childrenOf(current.id)).length ? await childOf(current) : undefined
    ) {
      depths.push(stepOf(current, 'again').error?.code ?? 'none');
    }
    // Five levels of children below the first run; the last refuses to start a sixth.
    expect(depths).toEqual([...Array(5).fill('child_run_failed'), 'too_deep']);
  });
});
