import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { PIPELINE_SEARCH_KEY, RUN_PIPELINE_WORKFLOW, TENANT_SEARCH_KEY, type RunPipelineInput } from '../../../workers/contracts/index.js';
import { faultArmed } from '../fault-points.js';
import type { RunAdmission } from './run-admission.js';
import type { Transact } from './run-ledger.js';
import { RunLedgerRepository, type DispatchBacklog } from './run-ledger.repository.js';

/** The workflow engine did not take the start; the outbox row stays for the next pass. */
export class EngineUnavailable extends Error {}

/** What happened to one outbox row. */
export type DispatchOutcome = 'sent' | 'waiting_for_slot' | 'not_pending';

export interface RunDispatcherOptions {
  taskQueue: string;
  /** How long a run the plan's concurrency holds back waits before it is tried again. */
  slotRetryMs?: number;
  /** The first wait after the engine refused a start; doubled per attempt, up to a minute. */
  engineRetryMs?: number;
  /**
   * How long a start may take before the engine counts as down. The client would otherwise retry
   * an unreachable server for over half a minute while the caller waits for its answer.
   */
  startTimeoutMs?: number;
}

/**
 * Sends the run ledger's outbox: starts each recorded run's workflow, with the run id as the
 * workflow id so that a start repeated after a crash is a no-op, once the run holds one of its
 * plan's concurrent-run slots. The API sends a run at once after recording it; a leader job sends
 * what is left (a crash between the commit and the start, the engine down, a slot freed).
 */
export class RunDispatcher {
  private readonly repository = new RunLedgerRepository();
  private readonly slotRetryMs: number;
  private readonly engineRetryMs: number;

  constructor(
    private readonly transact: Transact,
    private readonly temporal: Client,
    private readonly admission: RunAdmission,
    private readonly options: RunDispatcherOptions,
  ) {
    this.slotRetryMs = options.slotRetryMs ?? 1_000;
    this.engineRetryMs = options.engineRetryMs ?? 1_000;
  }

  /** Sends one run's outbox row, if it is still unsent and no other replica is sending it. */
  async dispatch(runId: string): Promise<DispatchOutcome> {
    let attempts = 0;
    try {
      return await this.transact(async (sql) => {
        const pending = await this.repository.lockPending(sql, runId);
        if (!pending) return 'not_pending';
        // What this transaction writes need not wait for the disk: lost in a crash, the row is sent
        // again, and starting a workflow that exists is a no-op.
        await this.repository.relaxDurability(sql);
        attempts = pending.attempts;
        if (pending.topLevel && !(await this.admission.takeSlot(sql, pending.tenantId, runId))) {
          await this.repository.postpone(sql, runId, this.slotRetryMs, null);
          return 'waiting_for_slot';
        }
        // Started in the transaction that marks it sent: if the commit is lost, the next start is a no-op.
        await this.start(pending.input);
        await this.repository.markSent(sql, runId);
        return 'sent';
      });
    } catch (error) {
      if (!(error instanceof EngineUnavailable)) throw error;
      const delay = Math.min(this.engineRetryMs * 2 ** Math.min(attempts, 6), 60_000);
      await this.transact((sql) => this.repository.postpone(sql, runId, delay, error.message)).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Sends up to `batch` due rows, oldest first; a tenant whose slots are taken is passed over for
   * the rest of the pass, so that its runs start in the order they were recorded.
   */
  async dispatchDue(batch: number): Promise<{ sent: number; waiting: number; failed: number }> {
    const counts = { sent: 0, waiting: 0, failed: 0 };
    const full = new Set<string>();
    for (const { runId, tenantId } of await this.transact((sql) => this.repository.due(sql, batch))) {
      if (full.has(tenantId)) continue;
      try {
        const outcome = await this.dispatch(runId);
        if (outcome === 'sent') counts.sent += 1;
        if (outcome === 'waiting_for_slot') {
          counts.waiting += 1;
          full.add(tenantId);
        }
      } catch (error) {
        if (!(error instanceof EngineUnavailable)) throw error;
        counts.failed += 1;
        // The engine is down for everyone: the rest of the pass would fail the same way.
        break;
      }
    }
    return counts;
  }

  backlog(): Promise<DispatchBacklog> {
    return this.transact((sql) => this.repository.backlog(sql));
  }

  private async start(input: RunPipelineInput): Promise<void> {
    try {
      await this.temporal.withDeadline(Date.now() + (this.options.startTimeoutMs ?? 5_000), () =>
        this.temporal.workflow.start(RUN_PIPELINE_WORKFLOW, {
          workflowId: input.runId,
          // A row sent again (its "sent" lost in a crash, or a reply lost) must not run the run twice,
          // even once its first workflow has closed: Temporal's default would start a second one.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          taskQueue: this.options.taskQueue,
          args: [input],
          typedSearchAttributes: [
            { key: TENANT_SEARCH_KEY, value: input.tenantId },
            { key: PIPELINE_SEARCH_KEY, value: input.pipeline.name },
          ],
        }),
      );
      // Fault tests: the engine took the start, but neither its reply nor a look-up reached us
      // (at once, or after the workflow had begun).
      if (faultArmed('dispatch.reply-lost')) throw new EngineUnavailable(`Fault point: the reply to starting run ${input.runId} was lost`);
      if (faultArmed('dispatch.reply-late')) {
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        throw new EngineUnavailable(`Fault point: the reply to starting run ${input.runId} came too late`);
      }
    } catch (error) {
      if (error instanceof EngineUnavailable) throw error;
      if (error instanceof WorkflowExecutionAlreadyStartedError) return;
      // A start can fail after the server accepted it (a lost reply): ask before declaring failure.
      if (await this.workflowExists(input.runId)) return;
      throw new EngineUnavailable(`The workflow engine did not take run ${input.runId}: ${(error as Error).message}`);
    }
  }

  private async workflowExists(id: string): Promise<boolean> {
    try {
      await this.temporal.withDeadline(Date.now() + 2_000, () => this.temporal.workflow.getHandle(id).describe());
      return true;
    } catch {
      return false;
    }
  }
}
