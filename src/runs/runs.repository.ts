import { Injectable } from '@nestjs/common';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import type { KeysetCursor } from '../common/pagination/pagination.js';
import { RUN_STATUSES, TERMINAL_RUN_STATUSES } from '../../workers/contracts/index.js';
import { containsPattern } from '../runtime/database/sql.js';
import { RunEventEntity } from './entities/run-event.entity.js';
import { RunStepEntity } from './entities/run-step.entity.js';
import { RunEntity } from './entities/run.entity.js';

export interface RunFilter {
  pipeline?: string;
  /** Runs in any of these states. */
  status?: readonly string[];
  trigger?: string;
  from?: string;
  to?: string;
  parentRunId?: string;
  schedule?: string;
  /** Words to find in the run's error code or message, case-insensitively. */
  error?: string;
}

/** Must stay the expression of `run_error_search_idx` (migration 11), or searches stop using it. */
const RUN_ERROR_TEXT = `(coalesce(r.error->>'code', '') || ' ' || coalesce(r.error->>'stepCode', '') || ' ' || coalesce(r.error->>'message', ''))`;

export interface EventFilter {
  after?: number;
  limit: number;
  types?: string[];
  stepId?: string;
  item?: number;
  level?: string;
}

@Injectable()
export class RunsRepository {
  constructor(private readonly db: DataSource) {}

  findById(tenantId: string, id: string): Promise<RunEntity | null> {
    return this.db.getRepository(RunEntity).findOneBy({ tenantId, id });
  }

  /** Retries of `originalId` other than `exceptId`, oldest first (at most `limit`). */
  findRetriesOf(
    tenantId: string,
    originalId: string,
    exceptId: string,
    limit = 20,
  ): Promise<Array<Pick<RunEntity, 'id' | 'createdAt' | 'status'>>> {
    return this.db
      .getRepository(RunEntity)
      .createQueryBuilder('r')
      .select(['r.id', 'r.createdAt', 'r.status'])
      .where('r.tenant_id = :tenantId AND r.retry_of = :originalId AND r.id <> :exceptId', { tenantId, originalId, exceptId })
      .orderBy('r.created_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** How many runs of the pipeline have not ended, per version. */
  inFlightByVersion(tenantId: string, pipelineName: string): Promise<Array<{ version: number; runs: number }>> {
    return this.db.query(
      `SELECT version, count(*)::int AS runs FROM run
        WHERE tenant_id = $1 AND pipeline_name = $2 AND status = ANY($3) GROUP BY version ORDER BY version`,
      [tenantId, pipelineName, RUN_STATUSES.filter((status) => !TERMINAL_RUN_STATUSES.includes(status))],
    );
  }

  findSteps(tenantId: string, runId: string): Promise<RunStepEntity[]> {
    return this.db.getRepository(RunStepEntity).find({ where: { tenantId, runId }, order: { position: 'ASC' } });
  }

  async hasStep(tenantId: string, runId: string, stepId: string): Promise<boolean> {
    return this.db.getRepository(RunStepEntity).existsBy({ tenantId, runId, stepId });
  }

  /**
   * Outputs of the items of `forEach` steps that succeeded, for the given steps of a run. An item
   * whose success a late stale attempt recorded after the workflow failed it is not among them.
   */
  async findItemOutputs(
    tenantId: string,
    runId: string,
    stepIds: string[],
  ): Promise<Array<{ stepId: string; item: number; outputs: Record<string, unknown> }>> {
    if (!stepIds.length) return [];
    return this.db.query(
      `SELECT e.step_id AS "stepId", (e.data->>'item')::int AS item, e.data->'outputs' AS outputs
         FROM run_event e
        WHERE e.tenant_id = $1 AND e.run_id = $2 AND e.type = 'step.item_succeeded' AND e.step_id = ANY($3) AND e.data ? 'outputs'
          AND NOT EXISTS (SELECT 1 FROM run_event f WHERE f.run_id = e.run_id AND f.key = left(e.key, -length(':succeeded')) || ':failed')`,
      [tenantId, runId, stepIds],
    );
  }

  /**
   * The events a run's timeline is made of, in the order they were appended; of a `forEach`
   * step, only those of its first `items` items.
   */
  timelineEvents(
    tenantId: string,
    runId: string,
    types: readonly string[],
    items: number,
  ): Promise<Array<{ data: Record<string, unknown> }>> {
    return this.db.query(
      `SELECT data FROM run_event
        WHERE tenant_id = $1 AND run_id = $2 AND type = ANY($3) AND (NOT data ? 'item' OR (data->>'item')::int < $4)
        ORDER BY id`,
      [tenantId, runId, types, items],
    );
  }

  /** The trigger delivery that started a run (a webhook call, a run that ended, an emitted event), if one did. */
  async triggerDelivery(
    tenantId: string,
    runId: string,
  ): Promise<{ triggerId: string; delivery: string; sourceRunId: string | null } | null> {
    const [row] = await this.db.query(
      `SELECT d.trigger_id AS "triggerId", d.delivery_id AS delivery, d.source_run_id AS "sourceRunId"
         FROM trigger_delivery d JOIN trigger t ON t.id = d.trigger_id WHERE d.run_id = $2 AND t.tenant_id = $1`,
      [tenantId, runId],
    );
    return row ?? null;
  }

  list(tenantId: string, filter: RunFilter, limit: number, after?: KeysetCursor): Promise<RunEntity[]> {
    return this.listQuery(tenantId, filter, limit, after).getMany();
  }

  /** The query behind `list` (the benchmark EXPLAINs it). */
  listQuery(tenantId: string, filter: RunFilter, limit: number, after?: KeysetCursor): SelectQueryBuilder<RunEntity> {
    const query = this.db.getRepository(RunEntity).createQueryBuilder('r').where('r.tenant_id = :tenantId', { tenantId });
    if (filter.pipeline) query.andWhere('r.pipeline_name = :pipeline', filter);
    // One status is a range of run_tenant_status_created_idx; several, an IN the planner weighs against the tenant's own index.
    if (filter.status?.length === 1) query.andWhere('r.status = :status', { status: filter.status[0] });
    else if (filter.status?.length) query.andWhere('r.status IN (:...statuses)', { statuses: filter.status });
    if (filter.trigger) query.andWhere('r.trigger = :trigger', filter);
    if (filter.from) query.andWhere('r.created_at >= :from', filter);
    if (filter.to) query.andWhere('r.created_at < :to', filter);
    if (filter.parentRunId) query.andWhere('r.parent_run_id = :parentRunId', filter);
    if (filter.schedule) query.andWhere('r.schedule_id = :schedule', filter);
    if (filter.error)
      query.andWhere(`r.error IS NOT NULL AND ${RUN_ERROR_TEXT} ILIKE :pattern`, { pattern: containsPattern(filter.error) });
    if (after) query.andWhere('(r.created_at, r.id) < (:createdAt, :id)', after);
    return query
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .limit(limit + 1);
  }

  events(tenantId: string, runId: string, filter: EventFilter): Promise<RunEventEntity[]> {
    return this.eventsQuery(tenantId, runId, filter).getMany();
  }

  /**
   * The query behind `events` (the benchmark EXPLAINs it). The page's ids come first, from the
   * `(run_id, id)` indexes alone (an index-only scan when only the type is filtered), then their
   * rows. Asked in one go (`run_id = :runId ORDER BY id LIMIT n`), PostgreSQL may walk the primary
   * key from the table's start when its statistics say the run is a large share of the table,
   * expecting its events spread out; they are together near the end (seen at 200,000 log lines:
   * 35–180 ms instead of under 1 ms).
   */
  eventsQuery(tenantId: string, runId: string, filter: EventFilter): SelectQueryBuilder<RunEventEntity> {
    const repository = this.db.getRepository(RunEventEntity);
    const page = repository
      .createQueryBuilder('p')
      .select('p.id')
      .where('p.run_id = :runId AND p.id > :after', { runId, after: filter.after ?? 0 });
    if (filter.types) page.andWhere('p.type IN (:...types)', { types: filter.types });
    if (filter.stepId) page.andWhere('p.step_id = :stepId', { stepId: filter.stepId });
    if (filter.item !== undefined) page.andWhere(`(p.data->>'item')::int = :item`, { item: filter.item });
    if (filter.level) page.andWhere(`p.data->>'level' = :level`, { level: filter.level });
    page.orderBy('p.id', 'ASC').limit(filter.limit);
    return repository
      .createQueryBuilder('e')
      .where(`e.id IN (${page.getQuery()})`)
      .andWhere('e.tenant_id = :tenantId', { tenantId })
      .setParameters({ ...page.getParameters(), tenantId })
      .orderBy('e.id', 'ASC');
  }
}
