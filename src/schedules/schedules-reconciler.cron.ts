import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Client, ScheduleAlreadyRunning, ScheduleNotFoundError, type ScheduleSummary } from '@temporalio/client';
import { parseDuration } from '../../workers/contracts/duration.js';
import { TEMPORAL_SCHEDULE_PREFIX } from '../../workers/contracts/index.js';
import { EntitlementsService } from '../billing/entitlements.service.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { LeaderJobs } from '../database/leader-jobs.js';
import { SchedulesRepository, type ScheduleWithTenant } from './schedules.repository.js';
import { desiredSchedule, fingerprintOf, toUpdate, type PauseReason } from './temporal-schedule.js';

export interface ReconcileReport {
  created: number;
  updated: number;
  removed: number;
}

/**
 * Makes Temporal's Schedules match the schedule rows, one replica at a time: recreates a Schedule
 * deleted behind Baton's back, removes Schedules without a row, repairs one changed by hand, and
 * pauses the schedules of suspended tenants, of tenants past their payment grace period and those
 * beyond the plan's number (the newest first), resuming them when that ends.
 */
@Injectable()
export class SchedulesReconcilerJob implements OnApplicationBootstrap {
  static readonly JOB = 'schedules-reconcile';
  private readonly logger = new Logger(SchedulesReconcilerJob.name);

  constructor(
    private readonly schedules: SchedulesRepository,
    private readonly entitlements: EntitlementsService,
    private readonly temporal: Client,
    private readonly jobs: LeaderJobs,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'SCHEDULE_RECONCILE_INTERVAL' | 'TEMPORAL_TASK_QUEUE'>,
  ) {}

  onApplicationBootstrap(): void {
    this.jobs.every(SchedulesReconcilerJob.JOB, parseDuration(this.config.SCHEDULE_RECONCILE_INTERVAL)!, async () => {
      const report = await this.runOnce();
      if (report.created || report.updated || report.removed) this.logger.log(`Schedules reconciled: ${JSON.stringify(report)}`);
    });
  }

  async runOnce(): Promise<ReconcileReport> {
    const report: ReconcileReport = { created: 0, updated: 0, removed: 0 };
    const existing = new Map<string, ScheduleSummary>();
    for await (const summary of this.temporal.schedule.list())
      if (summary.scheduleId.startsWith(TEMPORAL_SCHEDULE_PREFIX)) existing.set(summary.scheduleId, summary);
    const reasons = new TenantPauseReasons(this.entitlements);
    const wanted = new Set<string>();
    for (const row of await this.schedules.listAllWithTenant()) {
      const desired = desiredSchedule(row, this.config.TEMPORAL_TASK_QUEUE, await reasons.of(row));
      wanted.add(desired.scheduleId);
      const current = existing.get(desired.scheduleId);
      try {
        if (!current) {
          await this.temporal.schedule.create(desired);
          report.created += 1;
        } else if (
          fingerprintOf(current.state.note) !== fingerprintOf(desired.state.note) ||
          current.state.paused !== desired.state.paused
        ) {
          await this.temporal.schedule.getHandle(desired.scheduleId).update(() => toUpdate(desired));
          report.updated += 1;
        }
      } catch (error) {
        // Listing lags behind creation; anything else is this schedule's problem only.
        if (!(error instanceof ScheduleAlreadyRunning))
          this.logger.warn(`Schedule ${row.id} could not be reconciled: ${(error as Error).message}`);
      }
    }
    for (const scheduleId of existing.keys()) {
      if (wanted.has(scheduleId)) continue;
      await this.temporal.schedule
        .getHandle(scheduleId)
        .delete()
        .then(
          () => void (report.removed += 1),
          (error: unknown) => {
            if (!(error instanceof ScheduleNotFoundError))
              this.logger.warn(`Orphan Schedule ${scheduleId} could not be removed: ${(error as Error).message}`);
          },
        );
    }
    return report;
  }
}

/** Why a tenant's schedule may not fire now, asked once per tenant per pass. */
class TenantPauseReasons {
  private readonly tenants = new Map<string, Promise<{ limit: number | null; overdue: boolean }>>();

  constructor(private readonly entitlements: EntitlementsService) {}

  async of(row: ScheduleWithTenant): Promise<PauseReason> {
    if (row.tenantStatus !== 'active') return 'paused while the tenant is suspended';
    let facts = this.tenants.get(row.tenantId);
    if (!facts) {
      facts = Promise.all([this.entitlements.scheduleLimit(row.tenantId), this.entitlements.paymentOverdue(row.tenantId)]).then(
        ([limit, overdue]) => ({ limit, overdue }),
      );
      this.tenants.set(row.tenantId, facts);
    }
    const { limit, overdue } = await facts;
    if (overdue) return 'paused while a payment is overdue';
    if (limit !== null && row.rank > limit) return `paused: the plan allows ${limit} schedule(s)`;
    return null;
  }
}
