import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetCursor } from '../common/pagination/pagination.js';
import { FOUND } from './alert-sources.js';
import type { AlertType, ChannelType } from './alert-types.js';
import { CHANNEL_COLUMNS, type ChannelRow } from './channels.repository.js';

export interface AlertRow {
  id: string;
  tenantId: string;
  type: AlertType;
  /** None for an alert about the tenant rather than a run (its usage of the plan). */
  pipeline: string | null;
  runId: string | null;
  stepId: string | null;
  message: string;
  data: Record<string, unknown>;
  occurredAt: Date;
  createdAt: Date;
}

export interface AlertFilter {
  type?: AlertType;
  pipeline?: string;
  runId?: string;
  from?: string;
  to?: string;
}

export interface DeliveryRow {
  id: string;
  channelId: string;
  channelName: string | null;
  channelType: ChannelType;
  url: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
  log: Array<{ attempt: number; statusCode: number | null; error: string | null; durationMs: number; at: string }>;
}

/** A delivery claimed for one attempt, with what its request is made of. */
export interface DueDelivery {
  deliveryId: string;
  attempt: number;
  channel: ChannelRow;
  alert: AlertRow;
  /** The alert's run's status now; null for an alert about no run. */
  runStatus: string | null;
}

/** Each plan's monthly allowance of a measure, as usage alerts compare this month's usage to it. */
export interface UsageAllowance {
  plan: string;
  measure: 'runsPerMonth' | 'stepSecondsPerMonth';
  allowed: number;
}

/** A row through row_to_json: its instants are strings. */
type Dated<T extends { createdAt: Date }> = Omit<T, 'createdAt' | 'occurredAt' | 'updatedAt'> &
  Record<'createdAt', string> &
  Partial<Record<'occurredAt' | 'updatedAt', string>>;
const undated = <T extends { createdAt: Date }>(row: Dated<T>): T =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, ['createdAt', 'occurredAt', 'updatedAt'].includes(k) ? new Date(v) : v])) as T;

export type AttemptOutcome = { status: 'delivered' } | { status: 'failed' } | { status: 'pending'; retryInMs: number };

const ALERT_COLUMNS = (
  a: string,
) => `${a}.id, ${a}.tenant_id AS "tenantId", ${a}.type, ${a}.pipeline_name AS pipeline, ${a}.run_id AS "runId", ${a}.step_id AS "stepId",
  ${a}.message, ${a}.data, ${a}.occurred_at AS "occurredAt", ${a}.created_at AS "createdAt"`;

@Injectable()
export class AlertsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Records up to `limit` alerts not recorded before, from what happened in the last `window`, and
   * in the same statement one pending delivery per enabled channel of the tenant that subscribes to
   * its type (and, for a channel that names pipelines, to its pipeline: alerts about none reach it). The unique key makes every alert once, whichever replica (or pass) finds it first.
   */
  async recordNewAlerts(
    window: string,
    limit: number,
    usage: { allowances: UsageAllowance[]; defaultPlan: string | null },
  ): Promise<{ alerts: number; deliveries: number }> {
    const [counts] = await this.db.query(
      `WITH found AS (${FOUND}),
       inserted AS (
         INSERT INTO alert (id, tenant_id, key, type, pipeline_name, run_id, step_id, message, data, occurred_at)
         SELECT gen_random_uuid(), f.tenant_id, f.key, f.type, f.pipeline_name, f.run_id, f.step_id, left(f.message, 2000), f.data, f.occurred_at
           FROM (SELECT DISTINCT ON (key) * FROM found WHERE NOT EXISTS (SELECT 1 FROM alert a WHERE a.key = found.key) ORDER BY key, occurred_at, seq LIMIT $2) f
         ON CONFLICT (key) DO NOTHING
         RETURNING id, tenant_id, type, pipeline_name
       ),
       deliveries AS (
         INSERT INTO alert_delivery (id, tenant_id, alert_id, channel_id)
         SELECT gen_random_uuid(), i.tenant_id, i.id, c.id
           FROM inserted i JOIN notification_channel c ON c.tenant_id = i.tenant_id AND c.enabled AND i.type = ANY (c.events)
                AND (c.pipelines IS NULL OR i.pipeline_name IS NULL OR i.pipeline_name = ANY (c.pipelines))
         RETURNING id
       )
       SELECT (SELECT count(*) FROM inserted)::int AS alerts, (SELECT count(*) FROM deliveries)::int AS deliveries`,
      [window, limit, JSON.stringify(usage.allowances), usage.defaultPlan],
    );
    return counts;
  }

  /**
   * Claims up to `limit` due deliveries of enabled channels for one attempt each: the attempt is
   * counted and the next one pushed `leaseMs` away, so a replica that dies mid-request leaves a
   * delivery that is tried again once the lease is over, and no two replicas claim the same one.
   */
  claimDue(limit: number, leaseMs: number): Promise<DueDelivery[]> {
    return this.db
      .query(
        `WITH due AS (
         SELECT d.id FROM alert_delivery d JOIN notification_channel c ON c.id = d.channel_id AND c.enabled
          WHERE d.status = 'pending' AND d.next_attempt_at <= now()
          ORDER BY d.next_attempt_at LIMIT $1
          FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE alert_delivery d SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
           FROM due WHERE d.id = due.id AND d.status = 'pending' AND d.next_attempt_at <= now()
         RETURNING d.id, d.alert_id, d.channel_id, d.attempts
       )
       SELECT cl.id AS "deliveryId", cl.attempts AS attempt, r.status AS "runStatus", row_to_json(ch)::jsonb AS channel, row_to_json(x)::jsonb AS alert
         FROM claimed cl
         JOIN LATERAL (SELECT ${CHANNEL_COLUMNS('c')} FROM notification_channel c WHERE c.id = cl.channel_id) ch ON true
         JOIN LATERAL (SELECT ${ALERT_COLUMNS('a')} FROM alert a WHERE a.id = cl.alert_id) x ON true
         LEFT JOIN run r ON r.id = x."runId"`,
        [limit, leaseMs],
      )
      .then((rows: Array<Omit<DueDelivery, 'alert' | 'channel'> & { alert: Dated<AlertRow>; channel: Dated<ChannelRow> }>) =>
        rows.map((row) => ({ ...row, alert: undated(row.alert), channel: undated(row.channel) })),
      );
  }

  /** Logs one attempt and moves the delivery on, unless a later claim of it has taken over. */
  async finishAttempt(
    deliveryId: string,
    attempt: number,
    result: { statusCode: number | null; error: string | null; durationMs: number },
    outcome: AttemptOutcome,
  ): Promise<void> {
    await this.db.query(
      `WITH logged AS (
         INSERT INTO alert_delivery_attempt (delivery_id, attempt, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
       )
       UPDATE alert_delivery SET status = $6::text, last_error = $4,
              delivered_at = CASE WHEN $6::text = 'delivered' THEN now() END,
              next_attempt_at = CASE WHEN $7::double precision IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $7::double precision / 1000) END
        WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [
        deliveryId,
        attempt,
        result.statusCode,
        result.error?.slice(0, 2000) ?? null,
        result.durationMs,
        outcome.status,
        outcome.status === 'pending' ? outcome.retryInMs : null,
      ],
    );
  }

  listAlerts(tenantId: string, filter: AlertFilter, limit: number, after?: KeysetCursor): Promise<AlertRow[]> {
    return this.db.query(
      `SELECT ${ALERT_COLUMNS('a')} FROM alert a
        WHERE a.tenant_id = $1 AND ($2::text IS NULL OR a.type = $2) AND ($3::text IS NULL OR a.pipeline_name = $3) AND ($4::uuid IS NULL OR a.run_id = $4)
          AND ($5::timestamptz IS NULL OR a.created_at >= $5) AND ($6::timestamptz IS NULL OR a.created_at < $6)
          AND ($7::timestamptz IS NULL OR (a.created_at, a.id) < ($7, $8::uuid))
        ORDER BY a.created_at DESC, a.id DESC LIMIT $9`,
      [
        tenantId,
        filter.type ?? null,
        filter.pipeline ?? null,
        filter.runId ?? null,
        filter.from ?? null,
        filter.to ?? null,
        after?.createdAt ?? null,
        after?.id ?? null,
        limit + 1,
      ],
    );
  }

  async findAlert(tenantId: string, id: string): Promise<AlertRow | null> {
    const rows: AlertRow[] = await this.db.query(`SELECT ${ALERT_COLUMNS('a')} FROM alert a WHERE a.tenant_id = $1 AND a.id = $2`, [
      tenantId,
      id,
    ]);
    return rows[0] ?? null;
  }

  deliveriesOf(tenantId: string, alertId: string): Promise<DeliveryRow[]> {
    return this.db.query(
      `SELECT d.id, d.channel_id AS "channelId", c.name AS "channelName", c.type AS "channelType", c.url, d.status, d.attempts, d.next_attempt_at AS "nextAttemptAt", d.last_error AS "lastError",
              d.delivered_at AS "deliveredAt", d.created_at AS "createdAt",
              coalesce((SELECT jsonb_agg(jsonb_build_object('attempt', t.attempt, 'statusCode', t.status_code, 'error', t.error, 'durationMs', t.duration_ms, 'at', t.at) ORDER BY t.attempt)
                          FROM alert_delivery_attempt t WHERE t.delivery_id = d.id), '[]') AS log
         FROM alert_delivery d JOIN notification_channel c ON c.id = d.channel_id
        WHERE d.tenant_id = $1 AND d.alert_id = $2
        ORDER BY d.created_at, d.id`,
      [tenantId, alertId],
    );
  }
}
