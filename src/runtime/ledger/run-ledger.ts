import type { ErrorInfo, RunEvent, RunPipelineInput, RunPipelineResult } from '../../../workers/contracts/index.js';
import type { RunAdmission } from './run-admission.js';
import { AdmissionRefused } from './run-admission.js';
import type { Sql } from '../database/sql.js';
import { RunLedgerRepository, type LedgerRun } from './run-ledger.repository.js';

export type { LedgerRun } from './run-ledger.repository.js';

/** Runs `work` in one transaction: committed if it returns, rolled back if it throws. */
export type Transact = <T>(work: (sql: Sql) => Promise<T>) => Promise<T>;

export interface LedgerEntry {
  run: LedgerRun;
  /**
   * The workflow input, when the control plane starts the run (the outbox row the dispatcher
   * sends); absent when a workflow starts it as its child (a schedule's fire, a `pipeline/run` step).
   */
  dispatch?: RunPipelineInput;
  /**
   * Writes that stand or fall with the run: an idempotency record, a trigger delivery. Called
   * after the run's rows are written; throwing rolls the run back.
   */
  alongside?: (sql: Sql) => Promise<void>;
}

export type LedgerOutcome = { recorded: true; rootRunId: string | null } | { recorded: false };

const now = () => new Date().toISOString();

/**
 * The one place runs are born. Every door (the API, retries, triggers, schedule fires and
 * backfills, child runs) records its run here: admitted against the tenant's plan, the run and
 * its steps inserted, and the intent to start its workflow written to the outbox, in one
 * transaction. A crash before the commit leaves nothing; after it, the dispatcher (or the parent
 * workflow) starts the run and the sweeper settles it if its workflow is lost: a run acknowledged
 * is a run that ends. Free of Nest: the API and the worker both use it.
 */
export class RunLedger {
  private readonly repository = new RunLedgerRepository();

  constructor(
    private readonly transact: Transact,
    private readonly admission: RunAdmission,
  ) {}

  /**
   * Records the queued run once. A run with its id already recorded (an activity retried after
   * its commit) is left as it is: `{ recorded: false }`. A refusal throws `AdmissionRefused`,
   * and nothing is written.
   */
  record(entry: LedgerEntry): Promise<LedgerOutcome> {
    const { run } = entry;
    return this.transact(async (sql) => {
      if (await this.repository.exists(sql, run.tenantId, run.id)) return { recorded: false };
      const { rootRunId } = await this.admission.admit(sql, { tenantId: run.tenantId, trigger: run.trigger, parentRunId: run.parentRunId });
      // Recorded by a concurrent attempt meanwhile: roll back what admission counted.
      if (!(await this.repository.insertQueued(sql, run, rootRunId))) throw new Error(`Run ${run.id} was recorded concurrently`);
      if (entry.dispatch) await this.repository.insertDispatch(sql, run.tenantId, entry.dispatch);
      await entry.alongside?.(sql);
      return { recorded: true, rootRunId };
    });
  }

  /**
   * Records a run admission refused as failed (never started, counted nowhere), with
   * `run.completed` saying why, so that a refused schedule fire shows among the runs.
   */
  async recordRefused(run: LedgerRun, refusal: AdmissionRefused): Promise<void> {
    const error: ErrorInfo & { admission: 'refused'; limit?: string } = {
      message: refusal.message,
      code: refusal.code,
      admission: 'refused',
      ...(refusal.detail.limit ? { limit: refusal.detail.limit } : {}),
    };
    const completed: RunEvent = { type: 'run.completed', key: 'run.completed', at: now(), status: 'failed', outputs: null, error };
    await this.transact((sql) => this.repository.insertRefused(sql, run, error, completed));
  }

  /**
   * Gives up a run whose workflow could not be started while its caller waits (the engine is
   * down): its outbox row is withdrawn, the run ends failed `start_failed`, and `alongside` undoes
   * what was recorded with it. False when it runs after all: the dispatcher sent it meanwhile, or
   * the engine took the start though its reply was lost and the workflow recorded the run's start
   * (the row then stays for the dispatcher, whose next start finds the workflow). A workflow that
   * starts after this finds its run ended and runs nothing (RunEventsRepository.start).
   */
  async abandon(tenantId: string, runId: string, message: string, alongside?: (sql: Sql) => Promise<void>): Promise<boolean> {
    const startedMeanwhile = new Error('its workflow recorded its start');
    try {
      return await this.transact(async (sql) => {
        if (!(await this.repository.withdraw(sql, tenantId, runId))) return false;
        const error: ErrorInfo = { message, code: 'start_failed' };
        const completed: RunEvent = { type: 'run.completed', key: 'run.completed', at: now(), status: 'failed', outputs: null, error };
        if (!(await this.repository.settle(sql, tenantId, runId, 'failed', null, error, completed, ['queued']))) throw startedMeanwhile;
        await alongside?.(sql);
        return true;
      });
    } catch (error) {
      if (error === startedMeanwhile) return false;
      throw error;
    }
  }

  /**
   * Ends a run whose workflow ended without recording it (terminated, or its last activity lost),
   * or that can no longer start, with why; false when it had ended.
   */
  settle(tenantId: string, runId: string, result: RunPipelineResult): Promise<boolean> {
    const completed: RunEvent = { type: 'run.completed', key: 'run.completed', at: now(), ...result };
    return this.transact((sql) => this.repository.settle(sql, tenantId, runId, result.status, result.outputs, result.error, completed));
  }

  /** Puts a run whose workflow is gone (a restore to an older point) back in the outbox, with an event saying why. */
  resend(tenantId: string, runId: string, reason: string): Promise<boolean> {
    return this.transact(async (sql) => {
      if (!(await this.repository.resend(sql, tenantId, runId))) return false;
      await this.repository.appendRunEvent(sql, tenantId, runId, {
        type: 'run.recovered',
        key: `run.recovered:${Date.now()}`,
        at: now(),
        reason,
      });
      return true;
    });
  }

  /** Gives the queued top-level run its plan's concurrent-run slot, if one is free. */
  takeSlot(tenantId: string, runId: string): Promise<boolean> {
    return this.transact((sql) => this.admission.takeSlot(sql, tenantId, runId));
  }

  unsettled(graceSeconds: number, after: string | null, limit: number) {
    return this.transact((sql) => this.repository.unsettled(sql, graceSeconds, after, limit));
  }

  /** Retention: deletes up to `batch` runs of tenants on `plan` that ended before `cutoff`, with their steps and events; how many. */
  deleteEndedBefore(plan: string, cutoff: Date, batch: number): Promise<number> {
    return this.transact((sql) => this.repository.deleteEndedBefore(sql, plan, cutoff, batch));
  }
}

export { AdmissionRefused };
