import { describe, expect, it } from 'vitest';
import { failureHandlerId } from '../../workers/contracts/index.js';
import { eventsOfType, FakeActivities, fail, newPipeline, runPipeline, slow, useWorkflowEnvironment } from './support/engine.js';

const env = useWorkflowEnvironment();

describe('onFailure handlers', () => {
  it('run in order when the run fails, each seeing run.error; a failing handler changes nothing', async () => {
    const fakes = new FakeActivities({
      steps: { load: fail('disk full', { stepCode: 'no_space' }), [failureHandlerId(0)]: fail('pager down') },
    });
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({
        steps: { load: { uses: 'core/noop@^1' } },
        onFailure: [
          { uses: 'http/request@^1', with: { text: 'first: ${{ run.error.message }}' }, retry: { maxAttempts: 1 } },
          { uses: 'core/noop@^1', with: { step: '${{ run.error.step }}', code: '${{ run.error.stepCode }}', run: '${{ run.id }}' } },
        ],
      }),
    );

    const error = { message: 'Step load failed: disk full', code: 'step_failed', stepCode: 'no_space', step: 'load' };
    expect(run.result).toEqual({ status: 'failed', outputs: null, error });
    expect(fakes.attempts.map((attempt) => attempt.stepId)).toEqual(['load', 'onFailure[0]', 'onFailure[1]']);
    expect(fakes.attemptsOf('onFailure[0]')[0].input).toMatchObject({
      uses: 'http/request@^1',
      input: { text: 'first: Step load failed: disk full' },
    });
    expect(fakes.attemptsOf('onFailure[1]')[0].input.input).toEqual({ step: 'load', code: 'no_space', run: run.runId });
    expect(run.statuses).toEqual({ load: 'failed', 'onFailure[0]': 'failed', 'onFailure[1]': 'succeeded' });
    // The handlers ran before the run was recorded as ended.
    expect(run.events.at(-1)).toMatchObject({ type: 'run.completed', status: 'failed', error });
  });

  it('are skipped, not run, when the run succeeds', async () => {
    const fakes = new FakeActivities();
    const run = await runPipeline(
      env(),
      fakes,
      newPipeline({ steps: { load: { uses: 'core/noop@^1' } }, onFailure: [{ uses: 'http/request@^1' }] }),
    );
    expect(run.result?.status).toBe('succeeded');
    expect(fakes.attemptsOf('onFailure[0]')).toHaveLength(0);
    expect(eventsOfType(run.events, 'step.skipped')).toEqual([
      expect.objectContaining({ stepId: 'onFailure[0]', reason: 'the run did not fail' }),
    ]);
  });
});

describe('sla', () => {
  it('records a breach while a run is still going past its sla, and the run goes on', async () => {
    const fakes = new FakeActivities({ steps: { long: slow(2_000) } });
    const run = await runPipeline(env(), fakes, newPipeline({ sla: '1s', steps: { long: { uses: 'core/noop@^1' } } }));

    expect(run.result?.status).toBe('succeeded');
    const types = run.events.map((event) => event.type);
    expect(types.filter((type) => type === 'run.sla_breached')).toHaveLength(1);
    // Recorded while the step still ran, before the run ended.
    expect(types.indexOf('run.sla_breached')).toBeLessThan(types.indexOf('step.succeeded'));
    const breach = eventsOfType(run.events, 'run.sla_breached')[0];
    expect(breach.sla).toBe('1s');
    expect(Date.parse(breach.at)).toBeLessThan(fakes.attemptsOf('long')[0].endedAt!);
  });

  it('records no breach for a run that ends within its sla', async () => {
    const fakes = new FakeActivities({ steps: { quick: slow(100) } });
    const run = await runPipeline(env(), fakes, newPipeline({ sla: '2s', steps: { quick: { uses: 'core/noop@^1' } } }));
    expect(run.result?.status).toBe('succeeded');
    expect(eventsOfType(run.events, 'run.sla_breached')).toHaveLength(0);
  });
});
