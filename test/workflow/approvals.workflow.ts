import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { APPROVAL_SIGNAL, type ApprovalDecision, type PipelineStep } from '../../workers/contracts/index.js';
import { eventsOfType, FakeActivities, newPipeline, runPipeline, useWorkflowEnvironment } from './support/engine.js';

const env = useWorkflowEnvironment();

const gated = (approval: Partial<NonNullable<PipelineStep['approval']>> = {}) =>
  newPipeline({
    steps: {
      build: { uses: 'core/noop@^1' },
      gate: { needs: ['build'], approval: { roles: ['admin'], timeout: '30s', onTimeout: 'reject', ...approval } },
      deploy: {
        uses: 'core/noop@^1',
        needs: ['gate'],
        with: { by: '${{ steps.gate.outputs.by.userId }}', note: '${{ steps.gate.outputs.comment }}' },
      },
    },
  });

/** Sends the decisions once the run waits at `gate`. */
const decide =
  (fakes: FakeActivities, ...decisions: Array<Omit<ApprovalDecision, 'by'>>) =>
  async (handle: WorkflowHandle, runId: string) => {
    await fakes.waitForEvent(runId, (event) => event.type === 'step.waiting');
    for (const decision of decisions) await handle.signal(APPROVAL_SIGNAL, { ...decision, by: { role: 'admin', userId: 'ada' } });
  };

describe('approvals', () => {
  it('waits at the approval step, then runs on when approved, with the decision as its outputs', async () => {
    const fakes = new FakeActivities();
    const run = await runPipeline(env(), fakes, gated(), { during: decide(fakes, { stepId: 'gate', approve: true, comment: 'ship it' }) });

    expect(run.result?.status).toBe('succeeded');
    const waiting = eventsOfType(run.events, 'step.waiting')[0];
    expect(waiting).toMatchObject({ stepId: 'gate', roles: ['admin'] });
    expect(Date.parse(waiting.deadline) - Date.parse(waiting.at)).toBeGreaterThanOrEqual(29_000);
    expect(eventsOfType(run.events, 'step.approval_decided')[0]).toMatchObject({
      approved: true,
      timedOut: false,
      by: { userId: 'ada' },
      comment: 'ship it',
      error: null,
    });
    expect(fakes.attemptsOf('deploy')[0].input.input).toEqual({ by: 'ada', note: 'ship it' });
    // Nothing after the gate started before the decision.
    expect(fakes.attemptsOf('deploy')[0].startedAt).toBeGreaterThan(Date.parse(waiting.at));
  });

  it('fails the run when rejected, skipping what needs the approval; the first decision wins', async () => {
    const fakes = new FakeActivities();
    const run = await runPipeline(env(), fakes, gated(), {
      during: decide(
        fakes,
        { stepId: 'nope', approve: true },
        { stepId: 'gate', approve: false, comment: 'not today' },
        { stepId: 'gate', approve: true },
      ),
    });

    expect(run.result).toEqual({
      status: 'failed',
      outputs: null,
      error: { message: 'Step gate failed: Rejected by user ada: not today', code: 'step_failed', step: 'gate' },
    });
    expect(run.statuses).toMatchObject({ gate: 'failed', deploy: 'skipped' });
    expect(eventsOfType(run.events, 'step.approval_decided')).toHaveLength(1);
    expect(fakes.attemptsOf('deploy')).toHaveLength(0);
  });

  it('rejects at its timeout when nobody decides and onTimeout is reject', async () => {
    const fakes = new FakeActivities();
    const run = await runPipeline(env(), fakes, gated({ timeout: '1s', onTimeout: 'reject' }));
    expect(run.result?.error).toMatchObject({ message: 'Step gate failed: Nobody decided within 1s', step: 'gate' });
    expect(eventsOfType(run.events, 'step.approval_decided')[0]).toMatchObject({
      approved: false,
      timedOut: true,
      by: null,
      error: { code: 'approval_timed_out' },
    });
    expect(run.statuses.deploy).toBe('skipped');
    expect(run.elapsedMs).toBeGreaterThanOrEqual(1_000);
  });

  it('approves at its timeout when nobody decides and onTimeout is approve', async () => {
    const fakes = new FakeActivities();
    const run = await runPipeline(env(), fakes, gated({ timeout: '1s', onTimeout: 'approve' }));
    expect(run.result?.status).toBe('succeeded');
    expect(eventsOfType(run.events, 'step.approval_decided')[0]).toMatchObject({ approved: true, timedOut: true, by: null });
    expect(run.statuses.deploy).toBe('succeeded');
  });
});
