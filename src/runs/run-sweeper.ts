import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { parseDuration } from '../../workers/contracts/duration.js';
import type { RunPipelineResult } from '../../workers/contracts/index.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { LeaderJobs } from '../database/leader-jobs.js';
import { BatonMetrics } from '../runtime/metrics/baton-metrics.js';
import { RunLedger } from '../runtime/ledger/run-ledger.js';
import type { UnsettledRun } from '../runtime/ledger/run-ledger.repository.js';

const PAGE = 200;
/** Runs looked at per pass at most, so that a pass stays short; the next pass goes on from the start. */
const PER_PASS = 5_000;
/**
 * A schedule's fire has no workflow of its own while it waits for a concurrent-run slot (its
 * schedule's workflow starts it when it has one): past this, it is given up.
 */
const SLOT_WAIT_LIMIT_MS = 86_400_000;

export interface SweepCounts {
  checked: number;
  settled: number;
  restarted: number;
}

/** How a workflow that closed without recording its run's end ended the run. */
function endOf(status: string): RunPipelineResult {
  const why = {
    message: `Its workflow ended ${status.toLowerCase()} without recording the end of the run`,
    code: `workflow_${status.toLowerCase()}`,
  };
  if (status === 'CANCELLED') return { status: 'cancelled', outputs: null, error: why };
  if (status === 'TIMED_OUT') return { status: 'timed_out', outputs: null, error: why };
  return { status: 'failed', outputs: null, error: why };
}

/**
 * Reconciles the run ledger with Temporal, one replica at a time: every run that has not ended,
 * older than RUN_SWEEP_GRACE and not waiting in the outbox, must have a workflow that runs. One
 * that closed without recording the run's end (terminated by an operator, its last activity
 * lost) gives the run its final status; one that is gone (Temporal restored to an older point)
 * is started again when the control plane started it, else the run ends `workflow_lost`. Each
 * change comes with an event saying why.
 */
@Injectable()
export class RunSweeper implements OnApplicationBootstrap {
  static readonly JOB = 'run-sweep';
  private readonly logger = new Logger(RunSweeper.name);
  private readonly graceSeconds: number;

  constructor(
    private readonly ledger: RunLedger,
    private readonly temporal: Client,
    private readonly metrics: BatonMetrics,
    private readonly jobs: LeaderJobs,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'RUN_SWEEP_INTERVAL' | 'RUN_SWEEP_GRACE'>,
  ) {
    this.graceSeconds = parseDuration(config.RUN_SWEEP_GRACE)! / 1000;
  }

  onApplicationBootstrap(): void {
    this.jobs.every(RunSweeper.JOB, parseDuration(this.config.RUN_SWEEP_INTERVAL)!, async () => {
      const { settled, restarted } = await this.sweepOnce();
      this.metrics.runsSwept('settled', settled);
      this.metrics.runsSwept('restarted', restarted);
      if (settled || restarted)
        this.logger.warn(`Run sweep: ${settled} run(s) given the end their workflow had, ${restarted} started again`);
    });
  }

  async sweepOnce(): Promise<SweepCounts> {
    const counts: SweepCounts = { checked: 0, settled: 0, restarted: 0 };
    let after: string | null = null;
    while (counts.checked < PER_PASS) {
      const runs = await this.ledger.unsettled(this.graceSeconds, after, PAGE);
      for (const run of runs) {
        counts.checked += 1;
        const outcome = await this.reconcile(run);
        if (outcome === 'settled') counts.settled += 1;
        if (outcome === 'restarted') counts.restarted += 1;
      }
      if (runs.length < PAGE) break;
      after = runs[runs.length - 1].id;
    }
    return counts;
  }

  private async reconcile(run: UnsettledRun): Promise<'settled' | 'restarted' | 'fine'> {
    const handle = this.temporal.workflow.getHandle(run.id);
    let status: string;
    try {
      status = (await handle.describe()).status.name;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      if (run.dispatched) {
        const restarted = await this.ledger.resend(
          run.tenantId,
          run.id,
          'Its workflow was not found (the workflow engine lost it, e.g. restored to an older point): it is started again',
        );
        return restarted ? 'restarted' : 'fine';
      }
      // A workflow is to start it: its parent run's, while that runs; its schedule's, within a day.
      if (run.parentRunId ? await this.isRunning(run.parentRunId) : Date.now() - run.createdAt.getTime() < SLOT_WAIT_LIMIT_MS)
        return 'fine';
      const lost = {
        status: 'failed' as const,
        outputs: null,
        error: {
          message: 'Its workflow was not found: the workflow that was to start it ended first, or the engine lost it',
          code: 'workflow_lost',
        },
      };
      return (await this.ledger.settle(run.tenantId, run.id, lost)) ? 'settled' : 'fine';
    }
    if (status === 'RUNNING') return 'fine';
    const end = status === 'COMPLETED' ? ((await handle.result()) as RunPipelineResult) : endOf(status);
    return (await this.ledger.settle(run.tenantId, run.id, end)) ? 'settled' : 'fine';
  }

  private async isRunning(workflowId: string): Promise<boolean> {
    try {
      return (await this.temporal.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }
}
