import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { OverlapPolicy } from '../../workers/contracts/index.js';
import type { KeysetCursor } from '../common/pagination/pagination.js';

export interface ScheduleRow {
  id: string;
  tenantId: string;
  /** Unique in the tenant when set: what `baton apply` matches a `kind: Schedule` document by. */
  name: string | null;
  pipelineName: string;
  /** The release tag the schedule starts (`name@tag`); null for the latest version. */
  pipelineTag: string | null;
  cron: string | null;
  every: string | null;
  timezone: string;
  inputs: Record<string, unknown>;
  overlap: OverlapPolicy;
  catchupWindow: string | null;
  jitter: string | null;
  startAt: Date | null;
  endAt: Date | null;
  paused: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** A schedule with what the reconciler needs to decide whether it may fire now. */
export interface ScheduleWithTenant extends ScheduleRow {
  tenantStatus: string;
  /** 1 for the tenant's oldest schedule: a plan that allows n keeps the n oldest running. */
  rank: number;
}

export type ScheduleFields = Omit<ScheduleRow, 'id' | 'tenantId' | 'createdAt' | 'updatedAt'>;

const COLUMNS = `s.id, s.tenant_id AS "tenantId", s.name, s.pipeline_name AS "pipelineName", s.pipeline_tag AS "pipelineTag", s.cron, s.every, s.timezone, s.inputs, s.overlap,
  s.catchup_window AS "catchupWindow", s.jitter, s.start_at AS "startAt", s.end_at AS "endAt", s.paused, s.created_at AS "createdAt", s.updated_at AS "updatedAt"`;

@Injectable()
export class SchedulesRepository {
  constructor(private readonly db: DataSource) {}

  async insert(id: string, tenantId: string, fields: ScheduleFields): Promise<ScheduleRow> {
    await this.db.query(
      `INSERT INTO schedule (id, tenant_id, pipeline_name, cron, every, timezone, inputs, overlap, catchup_window, jitter, start_at, end_at, paused, pipeline_tag, name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        id,
        tenantId,
        fields.pipelineName,
        fields.cron,
        fields.every,
        fields.timezone,
        JSON.stringify(fields.inputs),
        fields.overlap,
        fields.catchupWindow,
        fields.jitter,
        fields.startAt,
        fields.endAt,
        fields.paused,
        fields.pipelineTag,
        fields.name,
      ],
    );
    return (await this.find(tenantId, id))!;
  }

  async find(tenantId: string, id: string): Promise<ScheduleRow | null> {
    const rows: ScheduleRow[] = await this.db.query(`SELECT ${COLUMNS} FROM schedule s WHERE s.tenant_id = $1 AND s.id = $2`, [
      tenantId,
      id,
    ]);
    return rows[0] ?? null;
  }

  /** The tenant's schedule of this name, other than `except`. */
  async findByName(tenantId: string, name: string, except?: string): Promise<ScheduleRow | null> {
    const rows: ScheduleRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM schedule s WHERE s.tenant_id = $1 AND s.name = $2 AND s.id IS DISTINCT FROM $3::uuid`,
      [tenantId, name, except ?? null],
    );
    return rows[0] ?? null;
  }

  /** Newest first, `limit + 1` rows for the page check. */
  list(tenantId: string, filter: { pipeline?: string; name?: string }, limit: number, after?: KeysetCursor): Promise<ScheduleRow[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM schedule s
        WHERE s.tenant_id = $1 AND ($2::text IS NULL OR s.pipeline_name = $2) AND ($6::text IS NULL OR s.name = $6)
          AND ($3::timestamptz IS NULL OR (s.created_at, s.id) < ($3, $4::uuid))
        ORDER BY s.created_at DESC, s.id DESC LIMIT $5`,
      [tenantId, filter.pipeline ?? null, after?.createdAt ?? null, after?.id ?? null, limit + 1, filter.name ?? null],
    );
  }

  async update(tenantId: string, id: string, fields: ScheduleFields): Promise<ScheduleRow | null> {
    await this.db.query(
      `UPDATE schedule SET cron = $3, every = $4, timezone = $5, inputs = $6, overlap = $7, catchup_window = $8, jitter = $9, start_at = $10, end_at = $11, paused = $12,
              name = $13, updated_at = now()
        WHERE tenant_id = $1 AND id = $2`,
      [
        tenantId,
        id,
        fields.cron,
        fields.every,
        fields.timezone,
        JSON.stringify(fields.inputs),
        fields.overlap,
        fields.catchupWindow,
        fields.jitter,
        fields.startAt,
        fields.endAt,
        fields.paused,
        fields.name,
      ],
    );
    return this.find(tenantId, id);
  }

  /** The schedules that start this pipeline, oldest first. */
  usingPipeline(tenantId: string, pipeline: string, limit: number): Promise<ScheduleRow[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM schedule s WHERE s.tenant_id = $1 AND s.pipeline_name = $2 ORDER BY s.created_at, s.id LIMIT $3`,
      [tenantId, pipeline, limit],
    );
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query('DELETE FROM schedule WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return count === 1;
  }

  async count(tenantId: string): Promise<number> {
    const [row] = await this.db.query('SELECT count(*)::int AS n FROM schedule WHERE tenant_id = $1', [tenantId]);
    return row.n;
  }

  /** Every schedule of the installation, for the reconciler. */
  listAllWithTenant(): Promise<ScheduleWithTenant[]> {
    return this.db.query(
      `SELECT ${COLUMNS}, t.status AS "tenantStatus", (row_number() OVER (PARTITION BY s.tenant_id ORDER BY s.created_at, s.id))::int AS rank
         FROM schedule s JOIN tenant t ON t.id = s.tenant_id`,
    );
  }

  /** The schedule's latest runs, newest first. */
  recentRuns(
    tenantId: string,
    scheduleId: string,
    limit: number,
  ): Promise<Array<{ id: string; status: string; createdAt: Date; endedAt: Date | null }>> {
    return this.db.query(
      `SELECT id, status, created_at AS "createdAt", ended_at AS "endedAt" FROM run WHERE tenant_id = $1 AND schedule_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3`,
      [tenantId, scheduleId, limit],
    );
  }
}
