import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { STEP_FAILURE_TYPES, type ItemChunkInput, type ItemChunkResult, type RunEvent } from '../contracts/index.js';
import { createExecuteItemChunk, type StepAttemptRunner } from './execute-item-chunk.activity.js';

const chunk = (overrides: Partial<ItemChunkInput> = {}): ItemChunkInput => ({
  runId: 'run-1',
  tenantId: 'tenant-1',
  stepId: 'each',
  uses: 'core/sleep@^1',
  pin: { plugin: 'core', step: 'sleep', version: '1.0.0', digest: 'sha256:x' },
  timeoutMs: 1_000,
  with: { n: '${{ item }}' },
  context: { inputs: {}, steps: {}, run: { id: 'run-1', pipeline: 'p', version: 1 } },
  retry: { maxAttempts: 1, initialIntervalMs: 10, backoffCoefficient: 2, maxIntervalMs: 10 },
  parallel: 20,
  items: Array.from({ length: 20 }, (_, item) => ({ item, value: item })),
  budgetMs: 2_000,
  budgetBytes: 512 * 1024,
  ...overrides,
});

/** Runs the chunk activity in an activity context of its own, as Temporal would. */
const inActivity = (execute: ReturnType<typeof createExecuteItemChunk>, input: ItemChunkInput): Promise<ItemChunkResult> =>
  new MockActivityEnvironment().run(execute, input);

/** Attempts that take `ms`, counting how many run at once and recording a start and an end each. */
function counting(ms: number) {
  let now = 0;
  const counts = { most: 0, recorded: [] as RunEvent[][] };
  const attemptWith = (events: { append: (t: string, r: string, batch: RunEvent[]) => Promise<number> }): StepAttemptRunner =>
    async function attempt(input) {
      now += 1;
      counts.most = Math.max(counts.most, now);
      const at = new Date().toISOString();
      await events.append(input.tenantId, input.runId, [
        { type: 'step.started', key: `${input.item}:started`, at, stepId: input.stepId, item: input.item, uses: input.uses, attempt: 1 },
      ]);
      await sleep(ms);
      now -= 1;
      return { outputs: input.input, attempt: 1 };
    };
  const events = {
    append: async (_tenant: string, _run: string, batch: RunEvent[]) => {
      counts.recorded.push(batch);
      return batch.length;
    },
  };
  return { counts, attemptWith, events };
}

describe('executeItemChunk', () => {
  it("never runs more items at once than the worker's slots, whatever the fan-outs' maxParallel", async () => {
    const { counts, attemptWith, events } = counting(20);
    const execute = createExecuteItemChunk(attemptWith, events, 3);
    // Two chunks of two tenants' fan-outs asking for 20 at once each, on one worker with 3 slots.
    const [first, second] = await Promise.all([
      inActivity(execute, chunk()),
      inActivity(execute, chunk({ tenantId: 'tenant-2', runId: 'run-2' })),
    ]);
    expect(counts.most).toBe(3);
    expect(first.outcomes).toHaveLength(20);
    expect(second.outcomes.map((outcome) => outcome.item).sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  it('evaluates each item against its value, and records the events in batches, not one append per item', async () => {
    const { counts, attemptWith, events } = counting(1);
    const result = await inActivity(createExecuteItemChunk(attemptWith, events, 50), chunk());
    expect(result.outcomes.find((outcome) => outcome.item === 7)).toEqual({ item: 7, ok: true, outputs: { n: 7 }, attempt: 1 });
    expect(counts.recorded.flat()).toHaveLength(20);
    expect(counts.recorded.length).toBeLessThan(5);
  });

  it('starts no item past its time or once its outputs are big enough: those come back unstarted', async () => {
    const { attemptWith, events } = counting(30);
    const execute = createExecuteItemChunk(attemptWith, events, 50);
    const timed = await inActivity(execute, chunk({ parallel: 1, budgetMs: 100 }));
    expect(timed.outcomes.length).toBeGreaterThan(1);
    expect(timed.outcomes.length).toBeLessThan(8);
    const sized = await inActivity(execute, chunk({ parallel: 1, budgetBytes: 1 }));
    expect(sized.outcomes).toHaveLength(1);
  });

  it("does not start an item whose slot comes after its chunk's time: it comes back unstarted", async () => {
    const { attemptWith, events } = counting(300);
    const execute = createExecuteItemChunk(attemptWith, events, 1);
    const busy = inActivity(execute, chunk({ items: [{ item: 0, value: 0 }] }));
    await sleep(20);
    const late = await inActivity(execute, chunk({ runId: 'run-2', budgetMs: 100 }));
    expect(late.outcomes).toEqual([]);
    expect((await busy).outcomes).toHaveLength(1);
  });

  it('stops starting items at the first failure for good; an item that may retry later comes back as a retry', async () => {
    const attemptWith = (): StepAttemptRunner => async (input) => {
      await sleep(input.item === 0 ? 1 : 50);
      if (input.item === 0) throw ApplicationFailure.create({ type: STEP_FAILURE_TYPES.stepError, message: 'no', nonRetryable: true });
      if (input.item === 1) throw ApplicationFailure.create({ type: STEP_FAILURE_TYPES.stepError, message: 'later', nonRetryable: false });
      return { outputs: {}, attempt: 1 };
    };
    const execute = createExecuteItemChunk(attemptWith, { append: async () => 0 }, 50);
    const result = await inActivity(
      execute,
      chunk({ parallel: 3, retry: { maxAttempts: 3, initialIntervalMs: 60_000, backoffCoefficient: 2, maxIntervalMs: 60_000 } }),
    );
    expect(result.outcomes.sort((a, b) => a.item - b.item)).toEqual([
      { item: 0, ok: false, failure: { type: STEP_FAILURE_TYPES.stepError, message: 'no', details: [] } },
      { item: 1, retry: { attempt: 2, afterMs: 60_000 } },
      { item: 2, ok: true, outputs: {}, attempt: 1 },
    ]);
  });
});
