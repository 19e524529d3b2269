import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { StepDomainEventType } from '../../workers/contracts/index.js';
import type { KeysetCursor } from '../common/pagination/pagination.js';

export interface TriggerRow {
  id: string;
  tenantId: string;
  pipelineName: string;
  /** The release tag it starts (`name@tag`); null for the latest version. */
  pipelineTag: string | null;
  type: 'webhook' | 'pipeline' | 'event';
  inputsExpression: string | null;
  sourcePipeline: string | null;
  onStatus: 'succeeded' | 'failed' | 'finished' | null;
  eventType: StepDomainEventType | null;
  cooldownSeconds: number | null;
  lastFiredAt: Date | null;
  secretVersion: number;
  /** Its secret was derived from the session key (made before WEBHOOK_SIGNING_KEY); rotating ends that. */
  secretFromSessionKey: boolean;
  createdAt: Date;
}

const COLUMNS = `id, tenant_id AS "tenantId", pipeline_name AS "pipelineName", pipeline_tag AS "pipelineTag", type, inputs_expression AS "inputsExpression", source_pipeline AS "sourcePipeline",
  on_status AS "onStatus", event_type AS "eventType", cooldown_seconds AS "cooldownSeconds", last_fired_at AS "lastFiredAt", secret_version AS "secretVersion",
  secret_from_session_key AS "secretFromSessionKey", created_at AS "createdAt"`;

@Injectable()
export class TriggersRepository {
  constructor(private readonly db: DataSource) {}

  async insert(row: Omit<TriggerRow, 'createdAt' | 'secretVersion' | 'secretFromSessionKey' | 'lastFiredAt'>): Promise<TriggerRow> {
    const [saved] = await this.db.query(
      `INSERT INTO trigger (id, tenant_id, pipeline_name, type, inputs_expression, source_pipeline, on_status, event_type, cooldown_seconds, pipeline_tag)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
      [
        row.id,
        row.tenantId,
        row.pipelineName,
        row.type,
        row.inputsExpression,
        row.sourcePipeline,
        row.onStatus,
        row.eventType,
        row.cooldownSeconds,
        row.pipelineTag,
      ],
    );
    return saved;
  }

  async find(tenantId: string, id: string): Promise<TriggerRow | null> {
    const rows: TriggerRow[] = await this.db.query(`SELECT ${COLUMNS} FROM trigger WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return rows[0] ?? null;
  }

  /** A webhook trigger by id alone: the caller of a hook has no credential but the signature. */
  async findWebhook(id: string): Promise<TriggerRow | null> {
    const rows: TriggerRow[] = await this.db.query(`SELECT ${COLUMNS} FROM trigger WHERE id = $1 AND type = 'webhook'`, [id]);
    return rows[0] ?? null;
  }

  list(tenantId: string, limit: number, after?: KeysetCursor): Promise<TriggerRow[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM trigger WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [tenantId, after?.createdAt ?? null, after?.id ?? null, limit + 1],
    );
  }

  /** The triggers that start this pipeline or fire on its runs' end, oldest first. */
  usingPipeline(tenantId: string, pipeline: string, limit: number): Promise<TriggerRow[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM trigger WHERE tenant_id = $1 AND (pipeline_name = $2 OR source_pipeline = $2) ORDER BY created_at, id LIMIT $3`,
      [tenantId, pipeline, limit],
    );
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query('DELETE FROM trigger WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return count === 1;
  }

  async bumpSecretVersion(tenantId: string, id: string): Promise<TriggerRow | null> {
    await this.db.query(
      `UPDATE trigger SET secret_version = secret_version + 1, secret_from_session_key = false WHERE tenant_id = $1 AND id = $2 AND type = 'webhook'`,
      [tenantId, id],
    );
    return this.find(tenantId, id);
  }
}
