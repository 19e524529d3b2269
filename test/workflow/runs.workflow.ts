import { ApplicationFailure } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RUN_NOT_ADMITTED, SCHEDULED_RUN_WORKFLOW, type RunPipelineResult } from '../../workers/contracts/index.js';
import { eventsOfType, FakeActivities, fail, newPipeline, onWorker, runPipeline, slow, useWorkflowEnvironment } from './support/engine.js';

const env = useWorkflowEnvironment();

const ENDED: RunPipelineResult = {
  status: 'cancelled',
  outputs: null,
  error: { message: 'Given up before it started', code: 'cancelled' },
};

describe('pipeline concurrency (admission)', () => {
  // The count of runs going lives in PostgreSQL (RunAdmission, behind the admitRun activity); the
  // workflow's part is to wait, queued, with Temporal retrying admitRun, and to run nothing first.
  it('waits queued until admitRun admits the run, then records run.started through it and runs', async () => {
    let refusals = 2;
    const fakes = new FakeActivities({
      admitRun: (_runId, limit) => {
        if (refusals-- > 0) throw ApplicationFailure.retryable(`The pipeline already has ${limit} run(s) going`, RUN_NOT_ADMITTED);
        return {};
      },
    });
    const run = await runPipeline(env(), fakes, newPipeline({ concurrency: 2, steps: { work: { uses: 'core/noop@^1' } } }));

    expect(run.result?.status).toBe('succeeded');
    expect(fakes.admissions.map((admission) => admission.limit)).toEqual([2, 2, 2]);
    // Backed off between tries (1 s, then 1.5 s), and no step ran before the run was admitted.
    expect(fakes.admissions[2].at - fakes.admissions[0].at).toBeGreaterThanOrEqual(2_000);
    expect(fakes.attemptsOf('work')[0].startedAt).toBeGreaterThanOrEqual(fakes.admissions[2].at);
    expect(run.events.filter((event) => event.type === 'run.started')).toHaveLength(1);
  });

  it('runs nothing when the run ended while it was queued', async () => {
    const fakes = new FakeActivities({ admitRun: () => ({ ended: ENDED }) });
    const run = await runPipeline(env(), fakes, newPipeline({ concurrency: 1, steps: { work: { uses: 'core/noop@^1' } } }));
    expect(run.result).toEqual(ENDED);
    expect(fakes.attempts).toHaveLength(0);
  });

  it('does not ask for admission without concurrency, and runs nothing when the run ended before its workflow started', async () => {
    const fakes = new FakeActivities({ runStart: () => ({ ended: ENDED }) });
    const run = await runPipeline(env(), fakes, newPipeline({ steps: { work: { uses: 'core/noop@^1' } } }));
    expect(run.result).toEqual(ENDED);
    expect(fakes.admissions).toHaveLength(0);
    expect(fakes.attempts).toHaveLength(0);
  });
});

describe('cancellation and the run timeout', () => {
  it('cancels running steps (the activity hears it), skips pending ones and handlers, and records the run cancelled', async () => {
    const fakes = new FakeActivities({ steps: { long: slow(20_000) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: { quick: { uses: 'core/noop@^1' }, long: { uses: 'core/noop@^1' }, after: { uses: 'core/noop@^1', needs: ['long'] } },
        onFailure: [{ uses: 'core/noop@^1' }],
      }),
      {
        during: async (handle, runId) => {
          await fakes.waitForEvent(runId, (event) => event.type === 'step.started' && event.stepId === 'long');
          await handle.cancel();
        },
      },
    );

    expect(run.failure?.cause).toBeInstanceOf(CancelledFailure);
    const [long] = fakes.attemptsOf('long');
    expect(long.outcome).toBe('cancelled');
    // The run waits for the step to have stopped before it records its end.
    expect(long.endedAt).toBeLessThanOrEqual(Date.parse(eventsOfType(run.events, 'run.completed')[0].at));
    expect(run.statuses).toEqual({ quick: 'succeeded', long: 'cancelled', after: 'skipped', 'onFailure[0]': 'skipped' });
    expect(fakes.attemptsOf('onFailure[0]')).toHaveLength(0);
    expect(run.events.at(-1)).toMatchObject({
      type: 'run.completed',
      status: 'cancelled',
      error: { code: 'cancelled', message: 'Stopped: the run was cancelled' },
    });
    expect(run.elapsedMs).toBeLessThan(10_000);
  });

  it('stops the run at its timeout: running steps cancelled, the rest skipped, the run timed_out', async () => {
    const fakes = new FakeActivities({ steps: { long: slow(20_000) } });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({ timeout: '1s', steps: { long: { uses: 'core/noop@^1' }, after: { uses: 'core/noop@^1', needs: ['long'] } } }),
    );

    expect(run.result).toEqual({
      status: 'timed_out',
      outputs: null,
      error: { message: 'Stopped: the run timed out after 1s', code: 'timed_out' },
    });
    expect(run.statuses).toEqual({ long: 'cancelled', after: 'skipped' });
    expect(fakes.attemptsOf('long')[0].outcome).toBe('cancelled');
    expect(run.elapsedMs).toBeLessThan(10_000);
  });
});

describe('child runs (pipeline/run) and reuse', () => {
  it('runs a pipeline/run step as a child run and hands its outputs on; a failed child fails the step', async () => {
    const fakes = new FakeActivities({
      children: {
        double: {
          steps: { calc: { uses: 'core/noop@^1', with: { y: '${{ inputs.x * 2 }}' } } },
          outputs: { y: '${{ steps.calc.outputs.y }}' },
        },
        broken: { steps: { calc: { uses: 'core/noop@^1' } } },
      },
      steps: { calc: (call) => (call.input.input.y === undefined ? fail('child step failed')(call) : call.input.input) },
    });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          child: { uses: 'pipeline/run@^1', with: { pipeline: 'double', inputs: { x: 21 } } },
          use: { uses: 'core/noop@^1', needs: ['child'], with: { got: '${{ steps.child.outputs.outputs.y }}' } },
          bad: { uses: 'pipeline/run@^1', with: { pipeline: 'broken' }, continueOnError: true },
        },
      }),
    );

    expect(run.result?.status).toBe('succeeded');
    expect(fakes.attemptsOf('use')[0].input.input).toEqual({ got: 42 });
    const [started] = eventsOfType(run.events, 'step.child_started').filter((event) => event.stepId === 'child');
    expect(fakes.eventsOf(started.childRunId).at(-1)).toMatchObject({ type: 'run.completed', status: 'succeeded', outputs: { y: 42 } });
    expect(eventsOfType(run.events, 'step.failed')[0]).toMatchObject({ stepId: 'bad', error: { code: 'child_run_failed' } });
  });

  it('reuses the outputs of steps that succeeded in the retried run instead of running them', async () => {
    const fakes = new FakeActivities();
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: {
          extract: { uses: 'core/noop@^1' },
          load: { uses: 'core/noop@^1', needs: ['extract'], with: { rows: '${{ steps.extract.outputs.rows }}' } },
        },
      }),
      { reuse: { fromRun: 'earlier-run', outputs: { extract: { rows: 7 } } } },
    );
    expect(run.result?.status).toBe('succeeded');
    expect(fakes.attempts.map((attempt) => attempt.stepId)).toEqual(['load']);
    expect(fakes.attemptsOf('load')[0].input.input).toEqual({ rows: 7 });
    expect(eventsOfType(run.events, 'step.reused')).toEqual([expect.objectContaining({ stepId: 'extract', fromRun: 'earlier-run' })]);
  });

  it('runs a schedule’s fire as a child run and ends with its result', async () => {
    const fakes = new FakeActivities({
      children: {
        scheduled: { steps: { tick: { uses: 'core/noop@^1', with: { ok: true } } }, outputs: { ok: '${{ steps.tick.outputs.ok }}' } },
      },
    });
    const result = await onWorker(env(), fakes, (taskQueue) =>
      env().client.workflow.execute(SCHEDULED_RUN_WORKFLOW, {
        taskQueue,
        workflowId: `schedule-${randomUUID()}`,
        args: [{ tenantId: 'tenant-workflow-tier', scheduleId: 'nightly' }],
        workflowExecutionTimeout: '1m',
      }),
    );
    expect(result).toEqual({ status: 'succeeded', outputs: { ok: true }, error: null });
    expect(fakes.attemptsOf('tick')).toHaveLength(1);
  });
});
