import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { ApprovalDecision } from '../../workers/contracts/index.js';
import type { ApprovalDecisionsRepository, RecordedDecision } from './approval-decisions.repository.js';
import { ApprovalDecisionsService, REDELIVER_AFTER_MS } from './approval-decisions.service.js';

const TENANT = 't';
const RUN = 'r';
const approve: ApprovalDecision = { stepId: 'gate', approve: true, comment: 'ok', by: { role: 'owner', userId: 'u1' } };
const reject: ApprovalDecision = { stepId: 'gate', approve: false, by: { role: 'owner', userId: 'u2' } };

/** The repository's contract in memory: one decision per step, first wins. */
class MemoryDecisions {
  readonly rows = new Map<string, RecordedDecision & { stepStatus?: string }>();

  async recordFirst(tenantId: string, runId: string, decision: ApprovalDecision) {
    const existing = this.rows.get(decision.stepId);
    if (existing) return { won: false, recorded: existing };
    const recorded = { tenantId, runId, stepId: decision.stepId, decision, decidedAt: new Date(), deliveredAt: null };
    this.rows.set(decision.stepId, recorded);
    return { won: true, recorded };
  }

  async markDelivered(_tenantId: string, _runId: string, stepId: string) {
    const row = this.rows.get(stepId);
    if (row && !row.deliveredAt) row.deliveredAt = new Date();
  }

  async withdraw(_tenantId: string, _runId: string, stepId: string) {
    if (!this.rows.get(stepId)?.deliveredAt) this.rows.delete(stepId);
  }

  async findUndelivered(olderThanMs: number) {
    return [...this.rows.values()]
      .filter((row) => !row.deliveredAt && Date.now() - row.decidedAt.getTime() > olderThanMs)
      .map((row) => ({ ...row, stepStatus: row.stepStatus ?? 'waiting' }));
  }
}

function setUp(signal: (decision: ApprovalDecision) => Promise<void> = async () => undefined) {
  const repository = new MemoryDecisions();
  const signals: ApprovalDecision[] = [];
  const temporal = {
    workflow: {
      getHandle: () => ({
        signal: async (_name: string, decision: ApprovalDecision) => {
          await signal(decision);
          signals.push(decision);
        },
      }),
    },
  };
  const service = new ApprovalDecisionsService(repository as unknown as ApprovalDecisionsRepository, temporal as unknown as Client);
  return { repository, signals, service };
}

const stranded = (repository: MemoryDecisions, decision: ApprovalDecision, extra: { stepStatus?: string } = {}) =>
  repository.rows.set(decision.stepId, {
    tenantId: TENANT,
    runId: RUN,
    stepId: decision.stepId,
    decision,
    decidedAt: new Date(Date.now() - REDELIVER_AFTER_MS - 1_000),
    deliveredAt: null,
    ...extra,
  });

describe(ApprovalDecisionsService.name, () => {
  it('signals the first decision and refuses the second with the winner', async () => {
    const { repository, signals, service } = setUp();
    await service.decide(TENANT, RUN, approve);
    const refused = await service.decide(TENANT, RUN, reject).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: 'decision_already_made',
      status: 409,
      extensions: { decision: { approve: true, comment: 'ok', by: { userId: 'u1' } } },
    });
    expect(signals).toEqual([approve]);
    expect(repository.rows.get('gate')!.deliveredAt).not.toBeNull();
  });

  it('takes a decision back when the engine is unreachable, so that it can be made again', async () => {
    let down = true;
    const { repository, signals, service } = setUp(async () => {
      if (down) throw new Error('UNAVAILABLE');
    });
    await expect(service.decide(TENANT, RUN, approve)).rejects.toMatchObject({ code: 'engine_unavailable', status: 503 });
    expect(repository.rows.size).toBe(0);
    down = false;
    await service.decide(TENANT, RUN, reject);
    expect(signals).toEqual([reject]);
  });

  it('answers run_finished when the workflow is gone', async () => {
    const { repository, service } = setUp(async () => {
      throw new WorkflowNotFoundError('gone', RUN, undefined);
    });
    await expect(service.decide(TENANT, RUN, approve)).rejects.toMatchObject({ code: 'run_finished' });
    expect(repository.rows.size).toBe(0);
  });

  it('delivers a stranded decision when the same decision is sent again, and refuses a different one', async () => {
    const { repository, signals, service } = setUp();
    stranded(repository, approve);
    await expect(service.decide(TENANT, RUN, reject)).rejects.toMatchObject({ code: 'decision_already_made' });
    await service.decide(TENANT, RUN, { ...approve });
    expect(signals).toEqual([approve]);
    expect(repository.rows.get('gate')!.deliveredAt).not.toBeNull();
  });

  it('sweeps stranded decisions: signals those whose step waits, marks the others done, keeps failures for later', async () => {
    let down = true;
    const { repository, signals, service } = setUp(async () => {
      if (down) throw new Error('UNAVAILABLE');
    });
    stranded(repository, approve);
    stranded(repository, { ...reject, stepId: 'other' }, { stepStatus: 'succeeded' });
    expect(await service.redeliverPendingDecisions()).toBe(0);
    expect(repository.rows.get('gate')!.deliveredAt).toBeNull();
    expect(repository.rows.get('other')!.deliveredAt).not.toBeNull();
    down = false;
    expect(await service.redeliverPendingDecisions()).toBe(1);
    expect(signals).toEqual([approve]);
    expect(await service.redeliverPendingDecisions()).toBe(0);
  });
});
