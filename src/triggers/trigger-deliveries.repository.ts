import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { STEP_DOMAIN_EVENT_TYPES, type StepDomainEventType } from '../../workers/contracts/index.js';
import type { KeysetCursor } from '../common/pagination/pagination.js';
import type { Sql } from '../runtime/database/sql.js';

export type DeliveryOutcome = 'started' | 'failed' | 'skipped';

export interface DeliveryRow {
  id: string;
  runId: string | null;
  sourceRunId: string | null;
  outcome: DeliveryOutcome;
  error: string | null;
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

/** A domain event a step emitted, and an event trigger it fires. */
export interface EmittedEvent {
  triggerId: string;
  tenantId: string;
  target: string;
  inputsExpression: string | null;
  eventId: string;
  type: StepDomainEventType;
  data: Record<string, unknown>;
  pipeline: string;
  runId: string;
  stepId: string;
  item: number | null;
  at: Date;
}

const DELIVERY_COLUMNS = `delivery_id AS id, run_id AS "runId", source_run_id AS "sourceRunId", outcome, error, created_at AS "createdAt"`;
const DOMAIN_EVENT_TYPES = STEP_DOMAIN_EVENT_TYPES.map((type) => `'${type}'`).join(', ');

/** What arrives at triggers (webhook calls, ended runs, emitted events), what each delivery did, and each trigger's firings. */
@Injectable()
export class TriggerDeliveriesRepository {
  /** Queries outside a transaction; deliveries are also written on the run ledger's, as `Sql`. */
  private readonly sql: Sql;

  constructor(private readonly db: DataSource) {
    this.sql = <R>(text: string, params: unknown[]) => db.query<R[]>(text, params);
  }

  /**
   * Claims a delivery for `runId`; null when it was claimed before, with the run it started (if any).
   * With `overRefusal`, a delivery refused before (a webhook's sender may send it again, fixed) is claimed anew.
   */
  async claimDelivery(
    triggerId: string,
    deliveryId: string,
    runId: string,
    sourceRunId: string | null = null,
    sql: Sql = this.sql,
    overRefusal = false,
  ): Promise<{ claimed: true } | { claimed: false; runId: string | null; error: string | null }> {
    const inserted = await sql(
      `INSERT INTO trigger_delivery (trigger_id, delivery_id, run_id, source_run_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (trigger_id, delivery_id) DO UPDATE
          SET run_id = EXCLUDED.run_id, outcome = 'started', error = NULL, created_at = now()
        WHERE $5::boolean AND trigger_delivery.outcome = 'failed'
       RETURNING run_id`,
      [triggerId, deliveryId, runId, sourceRunId, overRefusal],
    );
    if (inserted.length) return { claimed: true };
    const existing = await this.findDelivery(triggerId, deliveryId, sql);
    return { claimed: false, runId: existing?.runId ?? null, error: existing?.error ?? null };
  }

  /** The delivery as recorded, if it was. */
  async findDelivery(
    triggerId: string,
    deliveryId: string,
    sql: Sql = this.sql,
  ): Promise<{ runId: string | null; outcome: DeliveryOutcome; error: string | null } | null> {
    const [existing] = await sql<{ runId: string | null; outcome: DeliveryOutcome; error: string | null }>(
      'SELECT run_id AS "runId", outcome, error FROM trigger_delivery WHERE trigger_id = $1 AND delivery_id = $2',
      [triggerId, deliveryId],
    );
    return existing ?? null;
  }

  /** A webhook delivery that started nothing is forgotten, so that the sender may retry it. */
  async releaseDelivery(triggerId: string, deliveryId: string, sql: Sql = this.sql): Promise<void> {
    await sql('DELETE FROM trigger_delivery WHERE trigger_id = $1 AND delivery_id = $2', [triggerId, deliveryId]);
  }

  /** A completion or event that started no run is kept with why (failed, or skipped by a cooldown), and not tried again. */
  async endDeliveryWithoutRun(
    triggerId: string,
    deliveryId: string,
    outcome: Exclude<DeliveryOutcome, 'started'>,
    reason: string,
  ): Promise<void> {
    await this.db.query('UPDATE trigger_delivery SET run_id = NULL, outcome = $3, error = $4 WHERE trigger_id = $1 AND delivery_id = $2', [
      triggerId,
      deliveryId,
      outcome,
      reason.slice(0, 1000),
    ]);
  }

  /**
   * A webhook delivery refused after its signature held (its body did not map to inputs the pipeline
   * takes, …): kept as `failed` with why, unless a copy of it started a run meanwhile. The sender may
   * send it again; `claimDelivery` with `overRefusal` then takes it over.
   */
  async recordRefusedDelivery(triggerId: string, deliveryId: string, reason: string): Promise<void> {
    await this.db.query(
      `INSERT INTO trigger_delivery (trigger_id, delivery_id, run_id, outcome, error) VALUES ($1, $2, NULL, 'failed', $3)
       ON CONFLICT (trigger_id, delivery_id) DO UPDATE SET error = EXCLUDED.error, created_at = now() WHERE trigger_delivery.outcome = 'failed'`,
      [triggerId, deliveryId, reason.slice(0, 1000)],
    );
  }

  listDeliveries(
    triggerId: string,
    limit: number,
    after: KeysetCursor | undefined,
    outcome: DeliveryOutcome | undefined,
  ): Promise<DeliveryRow[]> {
    return this.db.query(
      `SELECT ${DELIVERY_COLUMNS} FROM trigger_delivery
        WHERE trigger_id = $1 AND ($2::timestamptz IS NULL OR (created_at, delivery_id) < ($2, $3::text)) AND ($4::text IS NULL OR outcome = $4)
        ORDER BY created_at DESC, delivery_id DESC LIMIT $5`,
      [triggerId, after?.createdAt ?? null, after?.id ?? null, outcome ?? null, limit + 1],
    );
  }

  /**
   * Takes the trigger's next firing unless its cooldown has not passed since the last one: null
   * then, with when it last fired. The previous time comes back so that a run that could not start
   * gives the firing back (`restoreFiring`).
   */
  async takeFiring(triggerId: string): Promise<{ taken: true; previous: Date | null; at: Date } | { taken: false; lastFiredAt: Date }> {
    // An UPDATE answers [rows, count] through TypeORM.
    const [[row]]: [Array<{ previous: Date | null; at: Date }>, number] = await this.db.query(
      `WITH current AS (SELECT id, last_fired_at, cooldown_seconds FROM trigger WHERE id = $1 FOR UPDATE)
       UPDATE trigger t SET last_fired_at = now() FROM current c
        WHERE t.id = c.id AND (c.cooldown_seconds IS NULL OR c.last_fired_at IS NULL OR c.last_fired_at <= now() - c.cooldown_seconds * interval '1 second')
       RETURNING c.last_fired_at AS previous, t.last_fired_at AS at`,
      [triggerId],
    );
    if (row) return { taken: true, previous: row.previous, at: row.at };
    const [last] = await this.db.query('SELECT last_fired_at AS "lastFiredAt" FROM trigger WHERE id = $1', [triggerId]);
    return { taken: false, lastFiredAt: last.lastFiredAt };
  }

  async restoreFiring(triggerId: string, taken: { previous: Date | null; at: Date }): Promise<void> {
    await this.db.query('UPDATE trigger SET last_fired_at = $2 WHERE id = $1 AND last_fired_at = $3', [
      triggerId,
      taken.previous,
      taken.at,
    ]);
  }

  /**
   * Runs that ended in the last `window` and fire a run-completion trigger not yet fired for them:
   * since it was made, or since an edit changed what it listens to (`listens_since`).
   */
  pendingCompletions(window: string, limit: number): Promise<Completion[]> {
    return this.db.query(
      `SELECT t.id AS "triggerId", t.tenant_id AS "tenantId", t.pipeline_name || coalesce('@' || t.pipeline_tag, '') AS target, r.id AS "runId", r.outputs
         FROM run r JOIN trigger t ON t.tenant_id = r.tenant_id AND t.type = 'pipeline' AND t.source_pipeline = r.pipeline_name
        WHERE r.ended_at >= now() - $1::interval AND r.ended_at >= greatest(t.created_at, t.listens_since)
          AND (t.on_status = r.status OR (t.on_status = 'finished' AND r.status IN ('succeeded', 'failed', 'cancelled', 'timed_out')))
          AND NOT EXISTS (SELECT 1 FROM trigger_delivery d WHERE d.trigger_id = t.id AND d.delivery_id = 'run:' || r.id)
        ORDER BY r.ended_at LIMIT $2`,
      [window, limit],
    );
  }

  /**
   * Domain events steps emitted in the last `window` (after the trigger was made, or an edit changed
   * what it listens to) that fire an event trigger not yet fired for them, oldest first. The type
   * list matches `run_event_alert_idx`.
   *
   * The delivery id is a column of `recent` (materialized, so not folded back into an expression):
   * with `d.delivery_id = 'event:' || e.id` in the NOT EXISTS, PostgreSQL looked deliveries up by
   * trigger alone and filtered them, reading every delivery a trigger ever had for each new event
   * (57,000 index entries for a batch when one trigger had 50,000 deliveries: 23 ms, not 6); compared
   * with a column, each is one probe of the primary key (`npm run bench:triggers`).
   */
  pendingEvents(window: string, limit: number): Promise<EmittedEvent[]> {
    return this.db.query(
      `WITH recent AS MATERIALIZED (
         SELECT e.id, e.tenant_id, e.run_id, e.type, e.step_id, e.data, e.created_at, 'event:' || e.id AS delivery_id
           FROM run_event e WHERE e.created_at >= now() - $1::interval AND e.type IN (${DOMAIN_EVENT_TYPES}))
       SELECT t.id AS "triggerId", t.tenant_id AS "tenantId", t.pipeline_name || coalesce('@' || t.pipeline_tag, '') AS target, t.inputs_expression AS "inputsExpression",
              e.id::text AS "eventId", e.type, coalesce(e.data->'data', '{}') AS data, r.pipeline_name AS pipeline, e.run_id AS "runId",
              e.step_id AS "stepId", (e.data->>'item')::int AS item, e.created_at AS at
         FROM recent e
         JOIN trigger t ON t.tenant_id = e.tenant_id AND t.type = 'event' AND t.event_type = e.type
         JOIN run r ON r.id = e.run_id
        WHERE e.created_at >= greatest(t.created_at, t.listens_since) AND (t.source_pipeline IS NULL OR t.source_pipeline = r.pipeline_name)
          AND NOT EXISTS (SELECT 1 FROM trigger_delivery d WHERE d.trigger_id = t.id AND d.delivery_id = e.delivery_id)
        ORDER BY e.id LIMIT $2`,
      [window, limit],
    );
  }

  /** Deletes up to `limit` deliveries made before `before` (oldest first, on `trigger_delivery_created_idx`); returns how many. */
  async pruneDeliveries(before: Date, limit: number): Promise<number> {
    const [, count]: [unknown, number] = await this.db.query(
      `DELETE FROM trigger_delivery WHERE ctid IN (SELECT ctid FROM trigger_delivery WHERE created_at < $1 ORDER BY created_at LIMIT $2)`,
      [before, limit],
    );
    return count;
  }
}
