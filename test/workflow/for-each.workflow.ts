import { ApplicationFailure } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { forEachWorkflowId, MAX_FOR_EACH_ITEMS, STEP_FAILURE_TYPES } from '../../workers/contracts/index.js';
import { SUGGEST_CONTINUE_AS_NEW_EVENTS } from './support/global-setup.js';
import { eventsOfType, FakeActivities, fail, failTimes, newPipeline, runPipeline, slow, useWorkflowEnvironment } from './support/engine.js';

const env = useWorkflowEnvironment();

describe('forEach', () => {
  it('runs one execution per item, at most maxParallel at once, outputs in item order', async () => {
    // Later items finish first: the outputs must still come back in item order.
    const fakes = new FakeActivities({
      steps: { each: (call) => slow(600 - (call.input.item ?? 0) * 80, () => ({ doubled: (call.input.input.n as number) * 2 }))(call) },
    });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          list: { uses: 'core/noop@^1', with: { regions: [1, 2, 3, 4, 5, 6] } },
          each: {
            uses: 'core/noop@^1',
            needs: ['list'],
            forEach: '${{ steps.list.outputs.regions }}',
            maxParallel: 2,
            with: { n: '${{ item }}' },
          },
        },
        outputs: { doubled: '${{ steps.each.outputs.doubled }}' },
      }),
    );

    expect(run.result).toEqual({ status: 'succeeded', outputs: { doubled: [2, 4, 6, 8, 10, 12] }, error: null });
    expect(fakes.maxConcurrent('each')).toBe(2);
    const byItem = fakes.attemptsOf('each').sort((a, b) => a.item! - b.item!);
    expect(byItem.map((attempt) => [attempt.item, attempt.input.input])).toEqual([1, 2, 3, 4, 5, 6].map((n, item) => [item, { n }]));
    expect(fakes.attemptsOf('each', 3)[0].input.idempotencyKey).toBe(`${run.runId}:each:3`);
    expect(eventsOfType(run.events, 'step.fanned_out')).toEqual([expect.objectContaining({ stepId: 'each', items: 6, maxParallel: 2 })]);
    expect(eventsOfType(run.events, 'step.item_succeeded')).toHaveLength(6);
    // The items ran in the fan-out's own child workflow, not in the run's.
    const runs = new Set(fakes.attemptsOf('each').map((attempt) => attempt.workflowRunId));
    expect(runs.size).toBe(1);
    const child = await env().client.workflow.getHandle(forEachWorkflowId(run.runId, 'each')).describe();
    expect(child).toMatchObject({ type: 'runForEach', status: { name: 'COMPLETED' } });
    expect([...runs]).not.toContain(fakes.attemptsOf('list')[0].workflowRunId);
  });

  it('retries an item on its own, then succeeds', async () => {
    const fakes = new FakeActivities({ steps: { each: (call) => (call.input.item === 1 ? failTimes(1)(call) : call.input.input) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          each: {
            uses: 'core/noop@^1',
            forEach: ['a', 'b', 'c'],
            with: { v: '${{ item }}' },
            retry: { maxAttempts: 2, initialInterval: '100ms' },
          },
        },
      }),
    );
    expect(run.result?.status).toBe('succeeded');
    expect(fakes.attemptsOf('each', 1).map((attempt) => attempt.outcome)).toEqual(['failed', 'succeeded']);
    expect(fakes.attemptsOf('each', 0)).toHaveLength(1);
  });

  it('fails the step at the first item that fails for good, stops the running items and starts no more', async () => {
    const fakes = new FakeActivities({
      steps: {
        each: (call) => (call.input.item === 2 ? slow(300, fail('item rejected', { stepCode: 'bad_row' }))(call) : slow(5_000)(call)),
      },
    });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          each: { uses: 'core/noop@^1', forEach: [0, 1, 2, 3, 4, 5, 6, 7], maxParallel: 4, retry: { maxAttempts: 1 } },
          after: { uses: 'core/noop@^1', needs: ['each'] },
        },
      }),
    );

    expect(run.result?.error).toMatchObject({ message: 'Step each failed: Item 2 of 8: item rejected', stepCode: 'bad_row', step: 'each' });
    expect(run.statuses).toEqual({ each: 'failed', after: 'skipped' });
    // Items 0–3 started; 0, 1 and 3 were stopped, not left to finish; 4–7 never started.
    const byItem = fakes.attemptsOf('each').sort((a, b) => a.item! - b.item!);
    expect(byItem.map((attempt) => [attempt.item, attempt.outcome])).toEqual([
      [0, 'cancelled'],
      [1, 'cancelled'],
      [2, 'failed'],
      [3, 'cancelled'],
    ]);
    expect(run.elapsedMs).toBeLessThan(5_000);
    const itemFailures = eventsOfType(run.events, 'step.item_failed').map((event) => [event.item, event.status]);
    expect(itemFailures.sort()).toEqual([
      [0, 'cancelled'],
      [1, 'cancelled'],
      [2, 'failed'],
      [3, 'cancelled'],
    ]);
  });

  it('continues its child workflow as new over many items, running every item exactly once', async () => {
    const items = Array.from({ length: 120 }, (_, index) => index);
    const fakes = new FakeActivities({ steps: { each: (call) => ({ square: (call.input.input.n as number) ** 2 }) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: { each: { uses: 'core/noop@^1', forEach: items, maxParallel: 20, with: { n: '${{ item }}' } } },
        outputs: { squares: '${{ steps.each.outputs.square }}' },
      }),
    );

    expect(run.result).toEqual({ status: 'succeeded', outputs: { squares: items.map((n) => n * n) }, error: null });
    const attempts = fakes.attemptsOf('each');
    expect(attempts.map((attempt) => attempt.item).sort((a, b) => a! - b!)).toEqual(items);
    // 120 items take ~400 history events: at SUGGEST_CONTINUE_AS_NEW_EVENTS a run hands over to the next.
    const runs = new Set(attempts.map((attempt) => attempt.workflowRunId));
    expect(runs.size).toBeGreaterThanOrEqual(Math.floor((items.length * 3) / SUGGEST_CONTINUE_AS_NEW_EVENTS));
  });

  it('fails the step without fanning out when forEach is not an array or has too many items', async () => {
    const fakes = new FakeActivities();
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          scalar: { uses: 'core/noop@^1', forEach: '${{ inputs.n }}' },
          huge: { uses: 'core/noop@^1', forEach: `\${{ [1..${MAX_FOR_EACH_ITEMS + 1}] }}` },
        },
      }),
      { inputs: { n: 3 } },
    );
    const failures = Object.fromEntries(eventsOfType(run.events, 'step.failed').map((event) => [event.stepId, event.error]));
    expect(failures.scalar).toMatchObject({ code: 'expression_error', message: '`forEach` must give an array; it gave number' });
    expect(failures.huge).toMatchObject({ code: 'too_many_items' });
    expect(fakes.attempts).toHaveLength(0);
    expect(eventsOfType(run.events, 'step.fanned_out')).toHaveLength(0);
  });

  it('fails the step when the fan-out budget refuses it, running no item', async () => {
    const fakes = new FakeActivities({
      admitFanOut: () => {
        throw ApplicationFailure.create({
          type: STEP_FAILURE_TYPES.invalidInput,
          message: 'The run tree may fan out to 100 items',
          nonRetryable: true,
          details: ['fan_out_budget_exceeded'],
        });
      },
    });
    const run = await runPipeline(env(), fakes, newPipeline({ steps: { each: { uses: 'core/noop@^1', forEach: [1, 2] } } }));
    expect(eventsOfType(run.events, 'step.failed')[0].error).toMatchObject({ code: 'fan_out_budget_exceeded' });
    expect(fakes.attempts).toHaveLength(0);
  });
});
