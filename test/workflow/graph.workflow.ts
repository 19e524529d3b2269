import { describe, expect, it } from 'vitest';
import { eventsOfType, FakeActivities, fail, newPipeline, runPipeline, slow, useWorkflowEnvironment } from './support/engine.js';

const env = useWorkflowEnvironment();

describe('the step graph (needs)', () => {
  it('runs independent branches in parallel and a join after both, passing outputs along needs', async () => {
    const fakes = new FakeActivities({ steps: { left: slow(400, () => ({ n: 2 })), right: slow(1_200, () => ({ n: 3 })) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          left: { uses: 'core/noop@^1' },
          right: { uses: 'core/noop@^1' },
          join: { uses: 'core/noop@^1', needs: ['left', 'right'], with: { sum: '${{ steps.left.outputs.n + steps.right.outputs.n }}' } },
        },
        outputs: { total: '${{ steps.join.outputs.sum }}' },
      }),
    );

    expect(run.result).toEqual({ status: 'succeeded', outputs: { total: 5 }, error: null });
    const [left] = fakes.attemptsOf('left');
    const [right] = fakes.attemptsOf('right');
    const [join] = fakes.attemptsOf('join');
    // Both branches were running at once: each started before the other ended.
    expect(left.startedAt).toBeLessThan(right.endedAt!);
    expect(right.startedAt).toBeLessThan(left.endedAt!);
    expect(join.startedAt).toBeGreaterThanOrEqual(Math.max(left.endedAt!, right.endedAt!));
    expect(join.input.input).toEqual({ sum: 5 });
    expect(run.statuses).toEqual({ left: 'succeeded', right: 'succeeded', join: 'succeeded' });
    expect(run.events.at(0)?.type).toBe('run.started');
    expect(run.events.at(-1)).toMatchObject({ type: 'run.completed', status: 'succeeded', outputs: { total: 5 } });
  });

  it('runs a chain strictly in order, each step once, with a stable idempotency key', async () => {
    const fakes = new FakeActivities();
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          c: { uses: 'core/noop@^1', needs: ['b'] },
          b: { uses: 'core/noop@^1', needs: ['a'] },
          a: { uses: 'core/noop@^1' },
        },
      }),
    );
    expect(run.result?.status).toBe('succeeded');
    expect(fakes.attempts.map((attempt) => attempt.stepId)).toEqual(['a', 'b', 'c']);
    expect(fakes.attemptsOf('b')[0].input).toMatchObject({ runId: run.runId, idempotencyKey: `${run.runId}:b`, uses: 'core/noop@^1' });
    expect(fakes.attemptsOf('b')[0].input.pin).toMatchObject({ plugin: 'core', step: 'noop', version: '1.0.0' });
  });

  it('skips the steps downstream of a failed step, runs the other branch, and fails the run naming the step', async () => {
    const fakes = new FakeActivities({ steps: { extract: fail('no such table', { stepCode: 'query_failed' }) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          extract: { uses: 'core/noop@^1' },
          load: { uses: 'core/noop@^1', needs: ['extract'] },
          report: { uses: 'core/noop@^1', needs: ['load'] },
          audit: { uses: 'core/noop@^1' },
        },
      }),
    );

    expect(run.result).toEqual({
      status: 'failed',
      outputs: null,
      error: { message: 'Step extract failed: no such table', code: 'step_failed', stepCode: 'query_failed', step: 'extract' },
    });
    expect(run.statuses).toEqual({ extract: 'failed', load: 'skipped', report: 'skipped', audit: 'succeeded' });
    expect(eventsOfType(run.events, 'step.skipped').find((event) => event.stepId === 'load')?.reason).toBe('needs extract, which failed');
    expect(fakes.attemptsOf('load')).toHaveLength(0);
    expect(fakes.attemptsOf('report')).toHaveLength(0);
  });

  it('goes on past a failed step with continueOnError, and the run succeeds', async () => {
    const fakes = new FakeActivities({ steps: { optional: fail('flaky upstream') } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          optional: { uses: 'core/noop@^1', continueOnError: true },
          next: { uses: 'core/noop@^1', needs: ['optional'], with: { before: '${{ steps.optional.status }}' } },
        },
      }),
    );
    expect(run.result?.status).toBe('succeeded');
    expect(run.statuses).toEqual({ optional: 'failed', next: 'succeeded' });
    expect(fakes.attemptsOf('next')[0].input.input).toEqual({ before: 'failed' });
  });
});

describe('`if` conditions', () => {
  it('skips a step whose `if` is false, and the steps that need only it; runs the one whose `if` is true', async () => {
    const fakes = new FakeActivities({ steps: { check: () => ({ passed: false, rows: 3 }) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          check: { uses: 'core/noop@^1' },
          publish: { uses: 'core/noop@^1', needs: ['check'], if: '${{ steps.check.outputs.passed }}' },
          announce: { uses: 'core/noop@^1', needs: ['publish'] },
          alert: { uses: 'core/noop@^1', needs: ['check'], if: '${{ steps.check.outputs.rows > 2 and inputs.notify }}' },
          literal: { uses: 'core/noop@^1', if: false },
        },
        outputs: { published: '${{ steps.publish.status }}' },
      }),
      { inputs: { notify: true } },
    );

    expect(run.result).toEqual({ status: 'succeeded', outputs: { published: 'skipped' }, error: null });
    expect(run.statuses).toEqual({ check: 'succeeded', publish: 'skipped', announce: 'skipped', alert: 'succeeded', literal: 'skipped' });
    const reasons = Object.fromEntries(eventsOfType(run.events, 'step.skipped').map((event) => [event.stepId, event.reason]));
    expect(reasons).toEqual({ publish: '`if` was false', announce: 'every step it needs was skipped', literal: '`if` was false' });
    expect(fakes.attempts.map((attempt) => attempt.stepId).sort()).toEqual(['alert', 'check']);
  });

  it('fails a step whose `if` cannot be evaluated, without running it', async () => {
    const fakes = new FakeActivities();
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({ steps: { broken: { uses: 'core/noop@^1', if: '${{ $number("x") > 1 }}' } } }),
    );
    expect(run.result?.status).toBe('failed');
    expect(run.statuses).toEqual({ broken: 'failed' });
    expect(eventsOfType(run.events, 'step.failed')[0].error.message).toMatch(/^`if` could not be evaluated/);
    expect(fakes.attempts).toHaveLength(0);
  });
});
