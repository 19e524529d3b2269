/**
 * Light steps (docs/pipelines.md#how-a-step-runs-execution): core/echo carried out by the workflow,
 * core/log, core/fail and `execution: local` steps as local activities. Each route must look the
 * same from the pipeline's side — outputs, events, retries, timeouts, cancellation — and the
 * Temporal history shows which route a step took.
 */
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachWorkflowId } from '../workers/contracts/index.js';
import {
  allEvents,
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  stepOf,
  temporalClient,
  uniqueName,
  waitForRun,
  type EventView,
  type TestTenant,
} from './support/builders.js';

/** The `executeStep` activities and local activities a workflow scheduled, from its history. */
async function routes(temporal: Client, workflowId: string): Promise<{ activities: number; localActivities: number; chunks: number }> {
  const { events } = await temporal.workflow.getHandle(workflowId).fetchHistory();
  // A local activity's marker names its type in its `data` detail, a JSON payload.
  const localType = (data: Uint8Array | null | undefined) =>
    (JSON.parse(Buffer.from(data ?? []).toString()) as { activity_type?: string }).activity_type;
  const localMarker = (e: (typeof events & object)[number]) =>
    e.markerRecordedEventAttributes?.markerName === 'core_local_activity'
      ? localType(e.markerRecordedEventAttributes.details?.data?.payloads?.[0]?.data)
      : undefined;
  return {
    activities: events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'executeStep').length,
    localActivities: events!.filter((e) => localMarker(e) === 'executeStep').length,
    chunks: events!.filter((e) => localMarker(e) === 'executeItemChunk').length,
  };
}

const ofStep = (events: EventView[], stepId: string) =>
  events.filter((e) => e.stepId === stepId).map((e) => `${e.type}:${(e.attempt as number | undefined) ?? ''}`);

describe('light steps', () => {
  let tenant: TestTenant;
  let temporal: Client;
  beforeAll(async () => {
    tenant = await newTenant();
    temporal = await temporalClient();
  });
  afterAll(() => temporal?.connection.close());

  it('runs core/echo in the workflow and execution: local steps locally, with the events and outputs an activity has', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(
        uniqueName('light'),
        {
          shape: { uses: 'core/echo@^1', with: { orders: '${{ inputs.orders }}', tags: ['a', 'b'] } },
          note: { uses: 'core/log@^1', needs: ['shape'], with: { message: '${{ steps.shape.outputs.orders }} orders' } },
          nap: { uses: 'core/sleep@^1', needs: ['shape'], execution: 'local', with: { ms: 300 } },
          kept: {
            uses: 'core/echo@^1',
            needs: ['note', 'nap'],
            execution: 'activity',
            with: { slept: '${{ steps.nap.outputs.sleptMs }}' },
          },
        },
        { inputs: { orders: { type: 'integer' } }, outputs: { slept: '${{ steps.kept.outputs.slept }}' } },
      ),
      { inputs: { orders: 3 } },
    );
    expect(run.status).toBe('succeeded');
    expect(run.outputs).toEqual({ slept: 300 });
    expect(stepOf(run, 'shape')).toMatchObject({ status: 'succeeded', attempt: 1, outputs: { orders: 3, tags: ['a', 'b'] } });
    expect(stepOf(run, 'nap')).toMatchObject({ status: 'succeeded', outputs: { sleptMs: 300 } });
    const events = await allEvents(tenant, run.id);
    for (const step of ['shape', 'note', 'nap', 'kept'])
      expect(ofStep(events, step).filter((e) => !e.startsWith('step.log'))).toEqual(['step.started:1', 'step.succeeded:1']);
    // What the step was given, recorded as for an activity.
    expect(events.find((e) => e.stepId === 'shape' && e.type === 'step.started')).toMatchObject({
      input: { orders: 3, tags: ['a', 'b'] },
      uses: 'core/echo@^1',
    });
    expect(events.find((e) => e.type === 'step.log')).toMatchObject({ stepId: 'note', message: '3 orders' });
    // A local step that ran 300 ms was shown started while it ran, before it ended.
    const nap = events.filter((e) => e.stepId === 'nap');
    expect(Date.parse(nap[1].at) - Date.parse(nap[0].at)).toBeGreaterThanOrEqual(250);
    // Only the step that said `execution: activity` went through the server as an activity.
    expect(await routes(temporal, run.id)).toMatchObject({ activities: 1 });
    expect((await routes(temporal, run.id)).localActivities).toBeGreaterThanOrEqual(2);
  });

  it('retries a local step by its policy, attempt by attempt, and times it out at its timeout', async () => {
    const name = uniqueName('light-retry');
    const run = await runToEnd(
      tenant,
      newPipeline(name, {
        flaky: { uses: 'core/fail@^1', with: { message: 'transient', times: 2 }, retry: { maxAttempts: 3, initialInterval: '200ms' } },
        stuck: {
          uses: 'core/sleep@^1',
          execution: 'local',
          timeout: '1s',
          retry: { maxAttempts: 2, initialInterval: '100ms' },
          with: { ms: 60_000 },
        },
      }),
    );
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'flaky')).toMatchObject({ status: 'succeeded', attempt: 3 });
    expect(stepOf(run, 'stuck')).toMatchObject({ status: 'timed_out', attempt: 2 });
    const events = await allEvents(tenant, run.id);
    expect(ofStep(events, 'flaky')).toEqual([
      'step.started:1',
      'step.attempt_failed:1',
      'step.started:2',
      'step.attempt_failed:2',
      'step.started:3',
      'step.succeeded:3',
    ]);
    const failures = events.filter((e) => e.stepId === 'flaky' && e.type === 'step.attempt_failed');
    // The backoff between attempts is the policy's (200 ms, then 400 ms).
    const started = events.filter((e) => e.stepId === 'flaky' && e.type === 'step.started').map((e) => Date.parse(e.at));
    expect(started[1] - Date.parse(failures[0].at)).toBeGreaterThanOrEqual(150);
    expect(started[2] - Date.parse(failures[1].at)).toBeGreaterThanOrEqual(350);
    expect(ofStep(events, 'stuck')).toEqual([
      'step.started:1',
      'step.attempt_failed:1',
      'step.started:2',
      'step.attempt_failed:2',
      'step.failed:',
    ]);
    expect(events.find((e) => e.stepId === 'stuck' && e.type === 'step.failed')).toMatchObject({ status: 'timed_out' });
    expect((await routes(temporal, run.id)).activities).toBe(0);
  });

  it('cancels a running local step with its run, within a workflow task', async () => {
    const name = uniqueName('light-cancel');
    await savePipeline(tenant, newPipeline(name, { nap: { uses: 'core/sleep@^1', execution: 'local', with: { ms: 60_000 } } }));
    const id = await startRun(tenant, name);
    await waitForRun(tenant, id, (r) => stepOf(r, 'nap').status === 'running');
    const cancelledAt = Date.now();
    await tenant.post(`/v1/runs/${id}/cancel`).expect(202);
    const run = await waitForRun(tenant, id);
    expect(run.status).toBe('cancelled');
    expect(stepOf(run, 'nap').status).toBe('cancelled');
    // A local step holds its workflow task, which Temporal renews every 8 s (80% of its 10 s
    // timeout): the cancel reaches the step with the next one (docs/pipelines.md).
    expect(Date.now() - cancelledAt).toBeLessThan(15_000);
  });

  it('fails an in-workflow step whose outputs no step could give, at once and for good', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('light-bad'), {
        nul: { uses: 'core/echo@^1', with: { text: '${{ $decodeUrl("%00") }}' } },
        after: { uses: 'core/echo@^1', needs: ['nul'], with: {} },
      }),
    );
    expect(run.status).toBe('failed');
    expect(stepOf(run, 'nul')).toMatchObject({ status: 'failed', attempt: 1, error: { code: 'invalid_output' } });
    expect(stepOf(run, 'after').status).toBe('skipped');
    const events = await allEvents(tenant, run.id);
    expect(ofStep(events, 'nul')).toEqual(['step.started:1', 'step.attempt_failed:1', 'step.failed:']);
  });

  it('runs forEach items locally, outputs in item order, failing fast', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('light-fan'), {
        echoed: { uses: 'core/echo@^1', forEach: '${{ [1..1500] }}', with: { n: '${{ item * 2 }}' } },
        naps: { uses: 'core/sleep@^1', forEach: [30, 10, 20], maxParallel: 2, execution: 'local', with: { ms: '${{ item }}' } },
        broken: {
          uses: 'core/fail@^1',
          forEach: [1, 2, 3],
          maxParallel: 1,
          with: { message: 'no', retryable: false },
          execution: 'local',
          continueOnError: true,
        },
      }),
    );
    expect(run.status).toBe('succeeded');
    const echoed = stepOf(run, 'echoed');
    expect(echoed.items).toEqual({ total: 1500, succeeded: 1500, failed: 0 });
    expect((echoed.outputs as Array<{ n: number }>).slice(0, 3)).toEqual([{ n: 2 }, { n: 4 }, { n: 6 }]);
    expect((echoed.outputs as unknown[]).length).toBe(1500);
    expect(stepOf(run, 'naps').outputs).toEqual([{ sleptMs: 30 }, { sleptMs: 10 }, { sleptMs: 20 }]);
    expect(stepOf(run, 'broken')).toMatchObject({ status: 'failed', error: { code: 'step_error' } });
    // core/echo items run as local activities (a fan-out's thousands would hold the workflow's thread), never as activities.
    // Local items run many to a local activity, in the run's own workflow: chunks of at most 1,000
    // items (two for the 1,500 echoes), one for each of the others.
    expect(await routes(temporal, run.id)).toMatchObject({ activities: 0, localActivities: 0, chunks: 4 });
    await expect(temporal.workflow.getHandle(forEachWorkflowId(run.id, 'naps')).describe()).rejects.toThrow(/not found/i);
  });

  it('fails a fan-out whose local items fail together; local items already running finish, none starts after', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('light-fan-fail'), {
        // Siblings failing in the same instant: cancelling the others raced their ends (TMPRL1100).
        together: {
          uses: 'core/fail@^1',
          forEach: [0, 1, 2, 3, 4, 5],
          maxParallel: 3,
          with: { message: 'no', retryable: false },
          retry: { maxAttempts: 1 },
          continueOnError: true,
        },
        // Item 1's input is refused at once while items 0 and 2 sleep; item 3 never starts.
        finished: {
          uses: 'core/sleep@^1',
          forEach: [300, -1, 300, 300],
          maxParallel: 3,
          execution: 'local',
          with: { ms: '${{ item }}' },
          retry: { maxAttempts: 1 },
          continueOnError: true,
        },
      }),
    );
    expect(run.status).toBe('succeeded');
    const together = stepOf(run, 'together');
    expect(together).toMatchObject({ status: 'failed', error: { code: 'step_error' }, items: { total: 6, succeeded: 0, failed: 3 } });
    expect(new Set(together.attempts!.map((a) => a.item))).toEqual(new Set([0, 1, 2]));
    const finished = stepOf(run, 'finished');
    expect(finished).toMatchObject({
      status: 'failed',
      error: { code: 'invalid_input', message: expect.stringMatching(/^Item 1 of 4/) },
      items: { total: 4, succeeded: 2, failed: 1 },
    });
    expect(finished.attempts!.map((a) => [a.item, a.status]).sort()).toEqual([
      [0, 'succeeded'],
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
  });

  it("refuses execution: local where a step cannot run on the workflow's worker, naming the field", async () => {
    const name = uniqueName('light-refused');
    const response = await tenant.put(`/v1/pipelines/${name}`, {
      ...newPipeline(name, { train: { uses: 'core/sleep@^1', runsOn: 'gpu', execution: 'local', with: { ms: 1 } } }),
    });
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.errors).toContainEqual(expect.objectContaining({ path: 'steps.train.execution' }));
    const odd = await tenant.put(`/v1/pipelines/${name}`, { ...newPipeline(name, { s: { uses: 'core/echo@^1', execution: 'inline' } }) });
    expect(odd.status).toBe(422);
    expect(odd.body.errors).toContainEqual({ path: 'steps.s.execution', message: 'Must be activity or local' });
  });
});
