import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetCursor } from '../common/pagination/pagination.js';

export interface TriggerRow {
  id: string;
  tenantId: string;
  pipelineName: string;
  type: 'webhook' | 'pipeline';
  inputsExpression: string | null;
  sourcePipeline: string | null;
  onStatus: 'succeeded' | 'failed' | 'finished' | null;
  secretVersion: number;
  createdAt: Date;
}

/** A run that ended and a trigger it fires. */
export interface Completion {
  triggerId: string;
  tenantId: string;
  target: string;
  runId: string;
  outputs: Record<string, unknown> | null;
}

const COLUMNS = `id, tenant_id AS "tenantId", pipeline_name AS "pipelineName", type, inputs_expression AS "inputsExpression", source_pipeline AS "sourcePipeline",
  on_status AS "onStatus", secret_version AS "secretVersion", created_at AS "createdAt"`;

@Injectable()
export class TriggersRepository {
  constructor(private readonly db: DataSource) {}

  async insert(row: Omit<TriggerRow, 'createdAt' | 'secretVersion'>): Promise<TriggerRow> {
    const [saved] = await this.db.query(
      `INSERT INTO trigger (id, tenant_id, pipeline_name, type, inputs_expression, source_pipeline, on_status) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [row.id, row.tenantId, row.pipelineName, row.type, row.inputsExpression, row.sourcePipeline, row.onStatus],
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

  async delete(tenantId: string, id: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query('DELETE FROM trigger WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return count === 1;
  }

  async bumpSecretVersion(tenantId: string, id: string): Promise<TriggerRow | null> {
    await this.db.query(`UPDATE trigger SET secret_version = secret_version + 1 WHERE tenant_id = $1 AND id = $2 AND type = 'webhook'`, [tenantId, id]);
    return this.find(tenantId, id);
  }

  /** Claims a delivery for `runId`; null when it was claimed before, with the run it started (if any). */
  async claimDelivery(triggerId: string, deliveryId: string, runId: string): Promise<{ claimed: true } | { claimed: false; runId: string | null; error: string | null }> {
    const inserted = await this.db.query('INSERT INTO trigger_delivery (trigger_id, delivery_id, run_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING run_id', [triggerId, deliveryId, runId]);
    if (inserted.length) return { claimed: true };
    const [existing] = await this.db.query('SELECT run_id AS "runId", error FROM trigger_delivery WHERE trigger_id = $1 AND delivery_id = $2', [triggerId, deliveryId]);
    return { claimed: false, runId: existing?.runId ?? null, error: existing?.error ?? null };
  }

  /** A webhook delivery that started nothing is forgotten, so that the sender may retry it. */
  async releaseDelivery(triggerId: string, deliveryId: string): Promise<void> {
    await this.db.query('DELETE FROM trigger_delivery WHERE trigger_id = $1 AND delivery_id = $2', [triggerId, deliveryId]);
  }

  /** A completion that could not start its run is kept with why, and not tried again. */
  async failDelivery(triggerId: string, deliveryId: string, error: string): Promise<void> {
    await this.db.query('UPDATE trigger_delivery SET run_id = NULL, error = $3 WHERE trigger_id = $1 AND delivery_id = $2', [triggerId, deliveryId, error.slice(0, 1000)]);
  }

  /** Runs that ended in the last `window` and fire a run-completion trigger not yet fired for them. */
  pendingCompletions(window: string, limit: number): Promise<Completion[]> {
    return this.db.query(
      `SELECT t.id AS "triggerId", t.tenant_id AS "tenantId", t.pipeline_name AS target, r.id AS "runId", r.outputs
         FROM run r JOIN trigger t ON t.tenant_id = r.tenant_id AND t.type = 'pipeline' AND t.source_pipeline = r.pipeline_name
        WHERE r.ended_at >= now() - $1::interval AND r.ended_at >= t.created_at
          AND (t.on_status = r.status OR (t.on_status = 'finished' AND r.status IN ('succeeded', 'failed', 'cancelled', 'timed_out')))
          AND NOT EXISTS (SELECT 1 FROM trigger_delivery d WHERE d.trigger_id = t.id AND d.delivery_id = 'run:' || r.id)
        ORDER BY r.ended_at LIMIT $2`,
      [window, limit],
    );
  }

  async pruneDeliveries(before: Date): Promise<void> {
    await this.db.query('DELETE FROM trigger_delivery WHERE created_at < $1', [before]);
  }
}
