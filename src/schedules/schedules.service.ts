import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import { msNumberToTs, tsToDate } from '@temporalio/common/lib/time.js';
import { randomUUID } from 'node:crypto';
import { temporalScheduleId } from '../../workers/contracts/index.js';
import { checkRunInputs } from '../../workers/contracts/run-inputs.js';
import { EntitlementsService } from '../billing/entitlements.service.js';
import type { Principal } from '../common/auth/principal.js';
import type { FieldProblem } from '../common/errors/baton-error.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { violatesUnique } from '../common/database/unique-violation.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { PipelinesService } from '../pipelines/pipelines.service.js';
import type {
  BackfillScheduleBody,
  CreateScheduleBody,
  ScheduleListQuery,
  TriggerScheduleBody,
  UpdateScheduleBody,
} from './dto/schedules.dto.js';
import { SchedulesError } from './schedules.errors.js';
import { SchedulesRepository, type ScheduleFields, type ScheduleRow } from './schedules.repository.js';
import { desiredSchedule, TEMPORAL_OVERLAP, toUpdate } from './temporal-schedule.js';

const NEXT_RUNS = 5;
const RECENT_RUNS = 10;
const iso = (d: Date | null) => d?.toISOString() ?? null;

export const toScheduleResponse = (s: ScheduleRow) => ({
  id: s.id,
  name: s.name,
  pipeline: s.pipelineTag ? `${s.pipelineName}@${s.pipelineTag}` : s.pipelineName,
  cron: s.cron,
  every: s.every,
  timezone: s.timezone,
  inputs: s.inputs,
  overlap: s.overlap,
  catchupWindow: s.catchupWindow,
  jitter: s.jitter,
  paused: s.paused,
  startAt: iso(s.startAt),
  endAt: iso(s.endAt),
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
});

function timezoneProblem(timezone: string): FieldProblem[] {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return [];
  } catch {
    return [{ path: 'timezone', message: `Not an IANA time zone: ${timezone} (e.g. Europe/Berlin, America/New_York, UTC)` }];
  }
}

/**
 * Temporal's server judges the cron expression; the client turns its `Invalid schedule spec`
 * refusal into a TypeError carrying the reason (e.g. "Minute is not in range [0-59]").
 */
const isInvalidSpec = (error: unknown): error is TypeError => error instanceof TypeError;

/** Temporal answers ListScheduleMatchingTimes with at most this many times. */
const MATCHING_TIMES_LIMIT = 1_000;

@Injectable()
export class SchedulesService {
  private readonly logger = new Logger(SchedulesService.name);

  constructor(
    private readonly schedules: SchedulesRepository,
    private readonly pipelines: PipelinesService,
    private readonly entitlements: EntitlementsService,
    private readonly temporal: Client,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'TEMPORAL_TASK_QUEUE'>,
  ) {}

  async create(principal: Principal, body: CreateScheduleBody) {
    const [pipelineName, pipelineTag] = body.pipeline.split('@');
    const fields: ScheduleFields = {
      name: body.name ?? null,
      pipelineName,
      pipelineTag: pipelineTag ?? null,
      cron: body.cron ?? null,
      every: body.every ?? null,
      timezone: body.timezone,
      inputs: body.inputs,
      overlap: body.overlap,
      catchupWindow: body.catchupWindow ?? null,
      jitter: body.jitter ?? null,
      startAt: body.startAt ? new Date(body.startAt) : null,
      endAt: body.endAt ? new Date(body.endAt) : null,
      paused: body.paused,
    };
    await this.check(principal.tenantId, fields);
    await this.checkName(principal.tenantId, fields.name);
    await this.entitlements.assertCanAddSchedule(principal.tenantId, await this.schedules.count(principal.tenantId));
    // The row first: it is the truth the reconciler keeps Temporal to, whatever happens next.
    const row = await this.schedules.insert(randomUUID(), principal.tenantId, fields).catch(nameRace(fields.name));
    try {
      await this.temporal.schedule.create(this.desired(row));
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) {
        await this.schedules.delete(principal.tenantId, row.id);
        throw this.engineError(error);
      }
    }
    return toScheduleResponse(row);
  }

  async list(principal: Principal, query: ScheduleListQuery) {
    return toPage(
      await this.schedules.list(principal.tenantId, query, query.limit, decodeCursor(query.cursor)),
      query.limit,
      toScheduleResponse,
    );
  }

  /** With the next fire times as Temporal computes them and the runs it started. */
  async get(principal: Principal, id: string) {
    const row = await this.require(principal.tenantId, id);
    const [description, recent] = await Promise.all([
      this.temporal.schedule
        .getHandle(temporalScheduleId(id))
        .describe()
        .catch((error: unknown) => {
          if (error instanceof ScheduleNotFoundError) return null;
          throw error;
        }),
      this.schedules.recentRuns(principal.tenantId, id, RECENT_RUNS),
    ]);
    return {
      ...toScheduleResponse(row),
      nextRuns: (description?.info.nextActionTimes ?? []).slice(0, NEXT_RUNS).map((d) => d.toISOString()),
      recentRuns: recent.map((r) => ({ runId: r.id, status: r.status, startedAt: r.createdAt.toISOString(), endedAt: iso(r.endedAt) })),
      engine: description ? { paused: description.state.paused, note: description.state.note ?? null } : null,
    };
  }

  async update(principal: Principal, id: string, body: UpdateScheduleBody) {
    const row = await this.require(principal.tenantId, id);
    const merged: ScheduleFields = {
      name: body.name === undefined ? row.name : body.name,
      pipelineName: row.pipelineName,
      pipelineTag: row.pipelineTag,
      cron: body.every !== undefined ? null : (body.cron ?? row.cron),
      every: body.cron !== undefined ? null : (body.every ?? row.every),
      timezone: body.timezone ?? row.timezone,
      inputs: body.inputs ?? row.inputs,
      overlap: body.overlap ?? row.overlap,
      catchupWindow: body.catchupWindow === undefined ? row.catchupWindow : body.catchupWindow,
      jitter: body.jitter === undefined ? row.jitter : body.jitter,
      startAt: body.startAt === undefined ? row.startAt : body.startAt === null ? null : new Date(body.startAt),
      endAt: body.endAt === undefined ? row.endAt : body.endAt === null ? null : new Date(body.endAt),
      paused: body.paused ?? row.paused,
    };
    await this.check(principal.tenantId, merged);
    await this.checkName(principal.tenantId, merged.name, id);
    return toScheduleResponse(await this.apply(principal.tenantId, { ...row, ...merged }));
  }

  /** A name is the tenant's once (the unique index settles a race between two requests: `nameRace`). */
  private async checkName(tenantId: string, name: string | null, except?: string): Promise<void> {
    if (name && (await this.schedules.findByName(tenantId, name, except))) throw nameTaken(name);
  }

  async setPaused(principal: Principal, id: string, paused: boolean) {
    const row = await this.require(principal.tenantId, id);
    return toScheduleResponse(await this.apply(principal.tenantId, { ...row, paused }));
  }

  /** A run now, outside the schedule's times; by default even if one of its runs is still going. */
  async trigger(principal: Principal, id: string, body: TriggerScheduleBody): Promise<void> {
    await this.require(principal.tenantId, id);
    await this.onEngine(() => this.temporal.schedule.getHandle(temporalScheduleId(id)).trigger(TEMPORAL_OVERLAP[body.overlap]));
  }

  /** The runs the schedule would have started between `from` and `to`, started now; answers which. */
  async backfill(principal: Principal, id: string, body: BackfillScheduleBody) {
    const times = await this.backfillTimes(principal, id, body);
    await this.onEngine(() =>
      this.temporal.schedule
        .getHandle(temporalScheduleId(id))
        .backfill({ start: new Date(body.from), end: new Date(body.to), overlap: TEMPORAL_OVERLAP[body.overlap] }),
    );
    return times;
  }

  /** The fire times a backfill of `from`..`to` would start, from Temporal's own calendar for the schedule (time zone, jitter aside). */
  async backfillTimes(principal: Principal, id: string, body: BackfillScheduleBody) {
    await this.require(principal.tenantId, id);
    let times: Date[] = [];
    await this.onEngine(async () => {
      const answer = await this.temporal.workflowService.listScheduleMatchingTimes({
        namespace: this.temporal.options.namespace,
        scheduleId: temporalScheduleId(id),
        // Temporal lists the times after startTime; a backfill starts the one at `from` too.
        startTime: msNumberToTs(Date.parse(body.from) - 1),
        endTime: msNumberToTs(Date.parse(body.to)),
      });
      times = (answer.startTime ?? []).map(tsToDate);
    });
    return { count: times.length, times: times.map((t) => t.toISOString()), truncated: times.length >= MATCHING_TIMES_LIMIT };
  }

  /** The schedules that start this pipeline (at most `limit`), as the API shows them. */
  async usingPipeline(tenantId: string, pipeline: string, limit = 100) {
    return (await this.schedules.usingPipeline(tenantId, pipeline, limit)).map(toScheduleResponse);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    if (!(await this.schedules.delete(principal.tenantId, id)))
      throw new SchedulesError('schedule_not_found', `Schedule ${id} was not found`);
    await this.temporal.schedule
      .getHandle(temporalScheduleId(id))
      .delete()
      .catch((error: unknown) => {
        // Gone already, or the engine is away: the reconciler removes what has no row.
        if (!(error instanceof ScheduleNotFoundError))
          this.logger.warn(
            `Schedule ${id} was deleted; its Temporal Schedule will be removed by the reconciler: ${(error as Error).message}`,
          );
      });
  }

  /** Temporal first (it may refuse the cron expression), then the row; the reconciler settles any difference a crash leaves. */
  private async apply(tenantId: string, row: ScheduleRow): Promise<ScheduleRow> {
    const desired = this.desired(row);
    try {
      await this.temporal.schedule.getHandle(desired.scheduleId).update(() => toUpdate(desired));
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw this.engineError(error);
      await this.temporal.schedule.create(desired).catch((e: unknown) => {
        if (!(e instanceof ScheduleAlreadyRunning)) throw this.engineError(e);
      });
    }
    const saved = await this.schedules.update(tenantId, row.id, row).catch(nameRace(row.name));
    if (!saved) throw new SchedulesError('schedule_not_found', `Schedule ${row.id} was not found`);
    return saved;
  }

  private desired(row: ScheduleRow) {
    return desiredSchedule(row, this.config.TEMPORAL_TASK_QUEUE, null);
  }

  /** The pipeline exists and takes the inputs, and the time zone is real; the cron expression is Temporal's to judge. */
  private async check(tenantId: string, fields: ScheduleFields): Promise<void> {
    const problems = timezoneProblem(fields.timezone);
    const ref = fields.pipelineTag ? `${fields.pipelineName}@${fields.pipelineTag}` : fields.pipelineName;
    const pinned = await this.pipelines.findRef(tenantId, ref);
    if (!pinned)
      problems.push({
        path: 'pipeline',
        message: fields.pipelineTag ? `Pipeline ${fields.pipelineName} has no tag ${fields.pipelineTag}` : `Pipeline ${ref} was not found`,
      });
    else problems.push(...checkRunInputs(pinned.version.id, pinned.version.definition, fields.inputs).problems);
    if (fields.startAt && fields.endAt && fields.startAt >= fields.endAt)
      problems.push({ path: 'endAt', message: '`endAt` must be after `startAt`' });
    if (problems.length) throw new SchedulesError('invalid_schedule', 'The schedule is not valid', problems);
  }

  private async onEngine(call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      throw this.engineError(error);
    }
  }

  private engineError(error: unknown): Error {
    if (isInvalidSpec(error))
      return new SchedulesError('invalid_schedule', 'The schedule is not valid', [{ path: 'cron', message: error.message }]);
    if (error instanceof ScheduleNotFoundError)
      return new SchedulesError('schedule_not_found', 'The schedule is not in the engine yet; try again in a moment');
    this.logger.error(`Temporal refused a schedule operation: ${(error as Error).message}`);
    return new SchedulesError('engine_unavailable', 'The workflow engine did not accept the schedule change');
  }

  private async require(tenantId: string, id: string): Promise<ScheduleRow> {
    const row = await this.schedules.find(tenantId, id);
    if (!row) throw new SchedulesError('schedule_not_found', `Schedule ${id} was not found`);
    return row;
  }
}

const nameTaken = (name: string | null) =>
  new SchedulesError('schedule_name_taken', `Another schedule is named ${name}`, [{ path: 'name', message: 'Taken by another schedule' }]);

/** A concurrent request took the name between the check and the write. */
const nameRace =
  (name: string | null) =>
  (error: unknown): never => {
    throw violatesUnique(error, 'schedule_tenant_name_uq') ? nameTaken(name) : error;
  };
