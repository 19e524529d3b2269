import { Injectable, Logger } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { APPROVAL_SIGNAL, type ApprovalDecision } from '../../workers/contracts/index.js';
import { ApprovalDecisionsRepository, type RecordedDecision } from './approval-decisions.repository.js';
import { RunsError } from './runs.errors.js';

/**
 * A decision recorded longer ago than this and not marked delivered is signalled again: by the
 * sweep, or by the same decision sent again. Longer than a signal call may take, so a slow first
 * delivery is not doubled (were it, the workflow keeps the first decision per step anyway).
 */
export const REDELIVER_AFTER_MS = 30_000;
const SWEEP_BATCH = 100;

/** What a client is told about the decision that counts. */
export const toDecisionResponse = ({ decision, decidedAt }: RecordedDecision) => ({
  approve: decision.approve,
  by: decision.by,
  comment: decision.comment ?? null,
  decidedAt: decidedAt.toISOString(),
});

const sameDecision = (a: ApprovalDecision, b: ApprovalDecision) =>
  a.approve === b.approve && (a.comment ?? null) === (b.comment ?? null) && a.by.userId === b.by.userId && a.by.apiKeyId === b.by.apiKeyId;

/**
 * Decisions on approval steps count once: each is recorded (first wins) before its signal, a
 * concurrent second one is refused with the winner, and one whose signal was lost is sent again.
 */
@Injectable()
export class ApprovalDecisionsService {
  private readonly logger = new Logger(ApprovalDecisionsService.name);

  constructor(
    private readonly decisions: ApprovalDecisionsRepository,
    private readonly temporal: Client,
  ) {}

  /** Records and signals `decision`; throws `decision_already_made` (409) naming the winner if the step has one. */
  async decide(tenantId: string, runId: string, decision: ApprovalDecision): Promise<void> {
    const { won, recorded } = await this.decisions.recordFirst(tenantId, runId, decision);
    // The same decision again, long after it was recorded and never delivered: its request died mid-way.
    const stranded =
      !won &&
      !recorded.deliveredAt &&
      sameDecision(recorded.decision, decision) &&
      Date.now() - recorded.decidedAt.getTime() > REDELIVER_AFTER_MS;
    if (!won && !stranded) {
      const winner = toDecisionResponse(recorded);
      throw new RunsError(
        'decision_already_made',
        `Step ${decision.stepId} was already ${winner.approve ? 'approved' : 'rejected'} at ${winner.decidedAt}`,
        undefined,
        undefined,
        { decision: winner },
      );
    }
    try {
      await this.temporal.workflow.getHandle(runId).signal(APPROVAL_SIGNAL, recorded.decision);
    } catch (error) {
      await this.decisions.withdraw(tenantId, runId, decision.stepId);
      if (error instanceof WorkflowNotFoundError) throw new RunsError('run_finished', 'The run already ended');
      throw new RunsError('engine_unavailable', 'The workflow engine is not reachable; the decision was not recorded, try again');
    }
    await this.decisions.markDelivered(tenantId, runId, decision.stepId);
  }

  /**
   * Signals again the decisions recorded but never marked delivered (an API process died between
   * recording and signalling) whose step still waits; the others are marked done. Returns how many
   * were signalled.
   */
  async redeliverPendingDecisions(): Promise<number> {
    let signalled = 0;
    for (const pending of await this.decisions.findUndelivered(REDELIVER_AFTER_MS, SWEEP_BATCH)) {
      const { tenantId, runId, stepId } = pending;
      if (pending.stepStatus === 'waiting') {
        try {
          await this.temporal.workflow.getHandle(runId).signal(APPROVAL_SIGNAL, pending.decision);
          signalled++;
        } catch (error) {
          // Left for the next pass, unless the run is gone.
          if (!(error instanceof WorkflowNotFoundError)) {
            this.logger.warn(`Could not deliver the decision on ${runId}/${stepId}: ${(error as Error).message}`);
            continue;
          }
        }
      }
      await this.decisions.markDelivered(tenantId, runId, stepId);
    }
    return signalled;
  }
}
