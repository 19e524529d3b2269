import { ApplicationFailure } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { STEP_FAILURE_TYPES } from '../../workers/contracts/index.js';
import {
  eventsOfType,
  FakeActivities,
  fail,
  failTimes,
  newPipeline,
  overrunsItsTimeout,
  runPipeline,
  slow,
  useWorkflowEnvironment,
} from './support/engine.js';

const env = useWorkflowEnvironment();

describe('step retry', () => {
  it('retries a retryable failure with exponential backoff until an attempt succeeds', async () => {
    const fakes = new FakeActivities({ steps: { flaky: failTimes(2, () => ({ done: true })) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: { flaky: { uses: 'core/noop@^1', retry: { maxAttempts: 3, initialInterval: '300ms', backoffCoefficient: 2 } } },
        outputs: { done: '${{ steps.flaky.outputs.done }}' },
      }),
    );

    expect(run.result).toEqual({ status: 'succeeded', outputs: { done: true }, error: null });
    const attempts = fakes.attemptsOf('flaky');
    expect(attempts.map((attempt) => [attempt.attempt, attempt.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'succeeded'],
    ]);
    const firstWait = attempts[1].startedAt - attempts[0].endedAt!;
    const secondWait = attempts[2].startedAt - attempts[1].endedAt!;
    expect(firstWait).toBeGreaterThanOrEqual(250);
    expect(secondWait).toBeGreaterThanOrEqual(550);
    // The workflow records the attempt that got there.
    expect(eventsOfType(run.events, 'step.succeeded')).toEqual([expect.objectContaining({ stepId: 'flaky', attempt: 3 })]);
  });

  it('stops at maxAttempts and fails the step with the last error', async () => {
    const fakes = new FakeActivities({ steps: { flaky: failTimes(5) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({ steps: { flaky: { uses: 'core/noop@^1', retry: { maxAttempts: 2, initialInterval: '100ms' } } } }),
    );
    expect(fakes.attemptsOf('flaky')).toHaveLength(2);
    expect(run.result?.error).toMatchObject({ message: 'Step flaky failed: flaky', code: 'step_failed', step: 'flaky' });
  });

  it('takes the pipeline defaults for a step without its own policy, the step’s own over them', async () => {
    const fakes = new FakeActivities({ steps: { inherits: failTimes(9), own: failTimes(9) } });
    await runPipeline(
      env(),
      fakes,
      newPipeline({
        defaults: { retry: { maxAttempts: 3, initialInterval: '100ms', backoffCoefficient: 1 }, timeout: '7s' },
        steps: { inherits: { uses: 'core/noop@^1' }, own: { uses: 'core/noop@^1', retry: { maxAttempts: 1 }, timeout: '2s' } },
      }),
    );
    expect(fakes.attemptsOf('inherits')).toHaveLength(3);
    expect(fakes.attemptsOf('own')).toHaveLength(1);
    expect(fakes.attemptsOf('inherits')[0].input.timeoutMs).toBe(7_000);
    expect(fakes.attemptsOf('own')[0].input.timeoutMs).toBe(2_000);
  });

  it('never retries a failure the plugin marked non-retryable, nor invalid input even when thrown retryable', async () => {
    const fakes = new FakeActivities({
      steps: {
        marked: fail('bad credentials', { retryable: false, stepCode: 'auth_failed' }),
        invalid: () => {
          throw ApplicationFailure.create({
            type: STEP_FAILURE_TYPES.invalidInput,
            message: 'sql is required',
            nonRetryable: false,
            details: ['invalid_input'],
          });
        },
      },
    });
    const retry = { maxAttempts: 5, initialInterval: '100ms' };
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({ steps: { marked: { uses: 'core/noop@^1', retry }, invalid: { uses: 'core/noop@^1', retry } } }),
    );
    expect(fakes.attemptsOf('marked')).toHaveLength(1);
    expect(fakes.attemptsOf('invalid')).toHaveLength(1);
    const failures = Object.fromEntries(eventsOfType(run.events, 'step.failed').map((event) => [event.stepId, event.error]));
    expect(failures.marked).toEqual({ message: 'bad credentials', code: 'step_error', stepCode: 'auth_failed', step: 'marked' });
    expect(failures.invalid).toMatchObject({ code: 'invalid_input' });
    expect(run.result?.error).toMatchObject({ step: 'marked', stepCode: 'auth_failed' });
  });
});

describe('step timeout', () => {
  it('hands the step its timeout, and a step the sandbox stopped at it is timed_out and fails the run', async () => {
    const fakes = new FakeActivities({ steps: { long: overrunsItsTimeout } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          long: { uses: 'core/noop@^1', timeout: '1s', retry: { maxAttempts: 1 } },
          after: { uses: 'core/noop@^1', needs: ['long'] },
        },
      }),
    );
    expect(fakes.attemptsOf('long')[0].input.timeoutMs).toBe(1_000);
    expect(run.statuses).toEqual({ long: 'timed_out', after: 'skipped' });
    expect(run.result?.status).toBe('failed');
    expect(run.result?.error?.message).toMatch(/^Step long timed out: /);
    expect(eventsOfType(run.events, 'step.skipped')[0].reason).toBe('needs long, which timed out');
  });

  it("times a step out on Temporal's own start-to-close backstop when its worker never answers", async () => {
    // Past the step's 1 s timeout the workflow gives the sandbox a 5 s grace, then Temporal times the attempt out.
    const fakes = new FakeActivities({ steps: { stuck: slow(20_000) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({ steps: { stuck: { uses: 'core/noop@^1', timeout: '1s', retry: { maxAttempts: 1 } } } }),
    );
    expect(run.statuses).toEqual({ stuck: 'timed_out' });
    expect(eventsOfType(run.events, 'step.failed')[0].error).toEqual({
      message: "The step's worker stopped responding (START_TO_CLOSE)",
      code: 'timeout',
      step: 'stuck',
    });
    expect(run.elapsedMs).toBeGreaterThanOrEqual(6_000);
  });
});
