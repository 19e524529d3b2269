import { describe, expect, it } from 'vitest';
import { CancelledFailure } from '@temporalio/workflow';
import { forEachWorkflowId } from '../../workers/contracts/index.js';
import { eventsOfType, FakeActivities, fail, failTimes, newPipeline, runPipeline, slow, useWorkflowEnvironment } from './support/engine.js';

const env = useWorkflowEnvironment();

/** How many local activities of each type the run's workflow ran (each is a marker naming its type). */
async function localActivities(runId: string): Promise<Record<string, number>> {
  const { events } = await env().client.workflow.getHandle(runId).fetchHistory();
  const counts: Record<string, number> = {};
  for (const event of events ?? []) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') continue;
    const data = marker.details?.data?.payloads?.[0]?.data;
    const type = (JSON.parse(Buffer.from(data ?? []).toString()) as { activity_type: string }).activity_type;
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

const local = { uses: 'core/noop@^1', execution: 'local' } as const;

describe('forEach of local items (many items to a local activity)', () => {
  it('runs the items of a chunk at most maxParallel at once, outputs in item order, in one local activity', async () => {
    const fakes = new FakeActivities({
      steps: { each: (call) => slow(400 - (call.input.item ?? 0) * 50, () => ({ doubled: (call.input.input.n as number) * 2 }))(call) },
    });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: { each: { ...local, forEach: [1, 2, 3, 4, 5, 6], maxParallel: 2, with: { n: '${{ item }}' } } },
        outputs: { doubled: '${{ steps.each.outputs.doubled }}' },
      }),
    );

    expect(run.result).toEqual({ status: 'succeeded', outputs: { doubled: [2, 4, 6, 8, 10, 12] }, error: null });
    expect(fakes.maxConcurrent('each')).toBe(2);
    expect(fakes.attemptsOf('each', 3)[0].input).toMatchObject({ idempotencyKey: `${run.runId}:each:3`, item: 3, input: { n: 4 } });
    expect(
      eventsOfType(run.events, 'step.item_succeeded')
        .map((event) => event.item)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await localActivities(run.runId)).toMatchObject({ executeItemChunk: 1 });
    expect((await localActivities(run.runId)).executeStep).toBeUndefined();
    // No child workflow: the fan-out ran in the run's own.
    await expect(env().client.workflow.getHandle(forEachWorkflowId(run.runId, 'each')).describe()).rejects.toThrow(/not found/i);
  });

  it("retries an item inside its chunk by the step's policy", async () => {
    const fakes = new FakeActivities({ steps: { each: (call) => (call.input.item === 1 ? failTimes(2)(call) : call.input.input) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          each: { ...local, forEach: ['a', 'b', 'c'], with: { v: '${{ item }}' }, retry: { maxAttempts: 3, initialInterval: '100ms' } },
        },
      }),
    );
    expect(run.result?.status).toBe('succeeded');
    const item1 = fakes.attemptsOf('each', 1);
    expect(item1.map((attempt) => [attempt.attempt, attempt.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'succeeded'],
    ]);
    // The backoff between attempts is the policy's: 100 ms, then 200 ms.
    expect(item1[1].startedAt - item1[0].endedAt!).toBeGreaterThanOrEqual(95);
    expect(item1[2].startedAt - item1[1].endedAt!).toBeGreaterThanOrEqual(195);
    expect(eventsOfType(run.events, 'step.item_succeeded').find((event) => event.item === 1)).toMatchObject({ attempt: 3 });
    expect(await localActivities(run.runId)).toMatchObject({ executeItemChunk: 1 });
  });

  it("runs a retry due after the chunk's time in a later chunk, after its backoff", async () => {
    const fakes = new FakeActivities({ steps: { each: (call) => (call.input.item === 0 ? failTimes(1)(call) : call.input.input) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({ steps: { each: { ...local, forEach: [0, 1], retry: { maxAttempts: 2, initialInterval: '3s' } } } }),
    );
    expect(run.result?.status).toBe('succeeded');
    const [first, second] = fakes.attemptsOf('each', 0);
    expect([first.attempt, first.outcome, second.attempt, second.outcome]).toEqual([1, 'failed', 2, 'succeeded']);
    expect(second.startedAt - first.endedAt!).toBeGreaterThanOrEqual(2_900);
    expect(await localActivities(run.runId)).toMatchObject({ executeItemChunk: 2 });
  });

  it('fails the step at the first item that fails for good: running items finish, no more start, a pending retry is stopped', async () => {
    const fakes = new FakeActivities({
      steps: {
        each: (call) => {
          if (call.input.item === 2) return slow(300, fail('item rejected', { stepCode: 'bad_row' }))(call);
          // Item 1 fails retryably at once; its next attempt, 5 s later, never comes.
          if (call.input.item === 1) return failTimes(1)(call);
          return slow(1_000)(call);
        },
      },
    });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          each: { ...local, forEach: [0, 1, 2, 3, 4, 5, 6, 7], maxParallel: 4, retry: { maxAttempts: 3, initialInterval: '5s' } },
          after: { uses: 'core/noop@^1', needs: ['each'] },
        },
      }),
    );

    expect(run.result?.error).toMatchObject({ message: 'Step each failed: Item 2 of 8: item rejected', stepCode: 'bad_row', step: 'each' });
    expect(run.statuses).toEqual({ each: 'failed', after: 'skipped' });
    const byItem = fakes.attemptsOf('each').sort((a, b) => a.item! - b.item! || a.attempt - b.attempt);
    expect(byItem.map((attempt) => [attempt.item, attempt.outcome])).toEqual([
      [0, 'succeeded'],
      [1, 'failed'],
      [2, 'failed'],
      [3, 'succeeded'],
      [4, 'succeeded'],
    ]);
    expect(run.elapsedMs).toBeLessThan(5_000);
    const itemFailures = eventsOfType(run.events, 'step.item_failed').map((event) => [event.item, event.status]);
    expect(itemFailures.sort()).toEqual([
      [1, 'cancelled'],
      [2, 'failed'],
    ]);
  });

  it("evaluates each item's `with` in its chunk; an item whose `with` fails fails the step, as the workflow's own evaluation did", async () => {
    const fakes = new FakeActivities({ steps: { each: slow(200) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          each: {
            ...local,
            forEach: [{ n: 1 }, { n: 2 }, { n: 'x' }, { n: 4 }],
            maxParallel: 2,
            with: { doubled: '${{ item.n * 2 }}', region: '${{ inputs.region }}' },
          },
        },
      }),
      { inputs: { region: 'eu' } },
    );
    expect(fakes.attemptsOf('each', 1)[0].input.input).toEqual({ doubled: 4, region: 'eu' });
    const failed = eventsOfType(run.events, 'step.item_failed');
    expect(failed).toEqual([
      expect.objectContaining({ item: 2, status: 'failed', error: expect.objectContaining({ code: 'expression_error' }) }),
    ]);
    expect(failed[0].error.message).toMatch(/^`with` could not be evaluated: /);
    expect(eventsOfType(run.events, 'step.failed')[0].error.message).toMatch(/^Item 2 of 4: `with` could not be evaluated/);
    // Items 0 and 1 ran (and finished); item 2 never ran; item 3 never started.
    expect(fakes.attempts.map((attempt) => attempt.item).sort()).toEqual([0, 1]);
  });

  it('fails an item at once on a failure no retry can mend', async () => {
    const fakes = new FakeActivities({
      steps: { each: fail('no such plugin', { code: 'plugin_missing', type: 'BatonPluginMissing', retryable: true }) },
    });
    const run = await runPipeline(env(), fakes, newPipeline({ steps: { each: { ...local, forEach: [0], retry: { maxAttempts: 3 } } } }));
    expect(eventsOfType(run.events, 'step.failed')[0].error).toMatchObject({ code: 'plugin_missing' });
    expect(fakes.attemptsOf('each')).toHaveLength(1);
  });

  it("a cancelled run cancels the chunk's running items", async () => {
    const fakes = new FakeActivities({ steps: { each: slow(20_000) } });
    const run = await runPipeline(env(), fakes, newPipeline({ steps: { each: { ...local, forEach: [0, 1, 2], maxParallel: 2 } } }), {
      during: async (handle, runId) => {
        await fakes.waitForEvent(runId, (event) => event.type === 'step.fanned_out');
        while (fakes.attemptsOf('each').length < 2) await new Promise((resolve) => setTimeout(resolve, 25));
        await handle.cancel();
      },
    });
    expect(run.failure?.cause).toBeInstanceOf(CancelledFailure);
    expect(fakes.attemptsOf('each').map((attempt) => attempt.outcome)).toEqual(['cancelled', 'cancelled']);
    expect(run.statuses).toEqual({ each: 'cancelled' });
    // The cancel reaches the workflow with its next task: a running local activity holds the current
    // one, heartbeating it every 8 s (80% of the task timeout).
    expect(run.elapsedMs).toBeLessThan(15_000);
  });

  it('runs many items once each, in few chunks', async () => {
    const items = Array.from({ length: 600 }, (_, index) => index);
    const fakes = new FakeActivities({ steps: { each: (call) => ({ square: (call.input.input.n as number) ** 2 }) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: { each: { ...local, forEach: items, maxParallel: 20, with: { n: '${{ item }}' } } },
        outputs: { squares: '${{ steps.each.outputs.square }}' },
      }),
    );
    expect(run.result).toEqual({ status: 'succeeded', outputs: { squares: items.map((n) => n * n) }, error: null });
    expect(
      fakes
        .attemptsOf('each')
        .map((attempt) => attempt.item)
        .sort((a, b) => a! - b!),
    ).toEqual(items);
    expect(eventsOfType(run.events, 'step.item_succeeded')).toHaveLength(items.length);
    expect((await localActivities(run.runId)).executeItemChunk).toBeLessThanOrEqual(3);
  });
});
