import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { KeysetCursor } from '../common/pagination/pagination.js';
import type { AlertType } from './alert-types.js';

export interface ChannelRow {
  id: string;
  tenantId: string;
  name: string | null;
  type: 'webhook';
  url: string;
  events: AlertType[];
  enabled: boolean;
  secretVersion: number;
  /** Its secret was derived from the session key (made before WEBHOOK_SIGNING_KEY); rotating ends that. */
  secretFromSessionKey: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface AlertRow {
  id: string;
  tenantId: string;
  type: AlertType;
  pipeline: string;
  runId: string;
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
  url: string;
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
  channelId: string;
  url: string;
  secretVersion: number;
  secretFromSessionKey: boolean;
  alert: AlertRow;
  runStatus: string;
}

export type AttemptOutcome = { status: 'delivered' } | { status: 'failed' } | { status: 'pending'; retryInMs: number };

const CHANNEL_COLUMNS = `id, tenant_id AS "tenantId", name, type, url, events, enabled, secret_version AS "secretVersion",
  secret_from_session_key AS "secretFromSessionKey", created_at AS "createdAt", updated_at AS "updatedAt"`;
const ALERT_COLUMNS = (
  a: string,
) => `${a}.id, ${a}.tenant_id AS "tenantId", ${a}.type, ${a}.pipeline_name AS pipeline, ${a}.run_id AS "runId", ${a}.step_id AS "stepId",
  ${a}.message, ${a}.data, ${a}.occurred_at AS "occurredAt", ${a}.created_at AS "createdAt"`;

/** A run past its pipeline's `sla`; asked twice below, of running and of ended runs, so that each uses its own index. */
const SLA_BREACH = `
  SELECT r.tenant_id, 'run:' || r.id || ':sla.breached', 'sla.breached', r.pipeline_name, r.id, NULL,
         'Run of ' || r.pipeline_name || ' went past its SLA of ' || (v.definition->>'sla'),
         jsonb_build_object('sla', v.definition->>'sla', 'startedAt', r.started_at, 'endedAt', r.ended_at),
         r.started_at + (v.definition->>'sla')::interval, 0::bigint
    FROM run r JOIN pipeline_version v ON v.pipeline_id = r.pipeline_id AND v.version = r.version`;

/**
 * Where each alert comes from, as rows of (tenant, key, type, pipeline, run, step, message, data,
 * occurred_at, seq); of rows with one key, the first (by time, then by event) is recorded. Every
 * branch looks only at what changed in the last `$1` (runs that ended, events appended) or at runs
 * going now, through the indexes the Alerts migration made for them.
 *
 * `sla.breached` is the observability summary's rule (a run started, and its end, or now, is
 * further from its start than the pipeline version's `sla`): the two never disagree on a run.
 */
const FOUND = `
  SELECT r.tenant_id, 'run:' || r.id || ':run.failed' AS key, 'run.failed' AS type, r.pipeline_name, r.id AS run_id, NULL::text AS step_id,
         'Run of ' || r.pipeline_name || CASE WHEN r.status = 'timed_out' THEN ' timed out' ELSE ' failed' END || coalesce(': ' || (r.error->>'message'), '') AS message,
         jsonb_build_object('status', r.status, 'error', r.error) AS data, r.ended_at AS occurred_at, 0::bigint AS seq
    FROM run r
   WHERE r.ended_at >= now() - $1::interval AND r.status IN ('failed', 'timed_out')
  UNION ALL
${SLA_BREACH}
   WHERE r.status IN ('running', 'waiting') AND r.started_at IS NOT NULL AND v.definition->>'sla' IS NOT NULL
     AND now() - r.started_at > (v.definition->>'sla')::interval
  UNION ALL
${SLA_BREACH}
   WHERE r.ended_at >= now() - $1::interval AND r.started_at IS NOT NULL AND v.definition->>'sla' IS NOT NULL
     AND r.ended_at - r.started_at > (v.definition->>'sla')::interval
  UNION ALL
  SELECT e.tenant_id, 'run:' || e.run_id || ':step:' || e.step_id || coalesce('[' || (e.data->>'item') || ']', '') || ':' || k.type, k.type, r.pipeline_name, e.run_id, e.step_id,
         CASE WHEN k.type = 'quality.failed'
              THEN 'Quality checks failed in step ' || e.step_id || ' of ' || r.pipeline_name || coalesce(': ' || (e.data->'error'->>'message'), '')
              ELSE 'Model drift detected by step ' || e.step_id || ' of ' || r.pipeline_name END,
         CASE WHEN k.type = 'quality.failed' THEN jsonb_build_object('error', e.data->'error') ELSE coalesce(e.data->'data', '{}') END,
         e.created_at, e.id
    FROM run_event e
    JOIN run r ON r.id = e.run_id
    CROSS JOIN LATERAL (SELECT CASE WHEN e.type = 'model.drift_detected' THEN 'model.drift_detected' ELSE 'quality.failed' END AS type) k
   WHERE e.created_at >= now() - $1::interval AND e.type IN ('step.failed', 'step.item_failed', 'model.drift_detected')
     AND (e.type = 'model.drift_detected' OR e.data->'error'->>'stepCode' = 'quality_failed')`;

@Injectable()
export class AlertsRepository {
  constructor(private readonly db: DataSource) {}

  async insertChannel(row: Pick<ChannelRow, 'id' | 'tenantId' | 'name' | 'type' | 'url' | 'events' | 'enabled'>): Promise<ChannelRow> {
    const [saved] = await this.db.query(
      `INSERT INTO notification_channel (id, tenant_id, name, type, url, events, enabled) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${CHANNEL_COLUMNS}`,
      [row.id, row.tenantId, row.name, row.type, row.url, row.events, row.enabled],
    );
    return saved;
  }

  async findChannel(tenantId: string, id: string): Promise<ChannelRow | null> {
    const rows: ChannelRow[] = await this.db.query(`SELECT ${CHANNEL_COLUMNS} FROM notification_channel WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ]);
    return rows[0] ?? null;
  }

  listChannels(tenantId: string, limit: number, after?: KeysetCursor): Promise<ChannelRow[]> {
    return this.db.query(
      `SELECT ${CHANNEL_COLUMNS} FROM notification_channel WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [tenantId, after?.createdAt ?? null, after?.id ?? null, limit + 1],
    );
  }

  async updateChannel(
    tenantId: string,
    id: string,
    change: Partial<Pick<ChannelRow, 'name' | 'url' | 'events' | 'enabled'>>,
  ): Promise<ChannelRow | null> {
    // An UPDATE answers [rows, count].
    const [rows]: [ChannelRow[], number] = await this.db.query(
      `UPDATE notification_channel SET
         name = CASE WHEN $3 THEN $4 ELSE name END, url = coalesce($5, url), events = coalesce($6, events), enabled = coalesce($7, enabled), updated_at = now()
       WHERE tenant_id = $1 AND id = $2 RETURNING ${CHANNEL_COLUMNS}`,
      [tenantId, id, 'name' in change, change.name ?? null, change.url ?? null, change.events ?? null, change.enabled ?? null],
    );
    return rows[0] ?? null;
  }

  async deleteChannel(tenantId: string, id: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query('DELETE FROM notification_channel WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      id,
    ]);
    return count === 1;
  }

  async bumpSecretVersion(tenantId: string, id: string): Promise<ChannelRow | null> {
    const [rows]: [ChannelRow[], number] = await this.db.query(
      `UPDATE notification_channel SET secret_version = secret_version + 1, secret_from_session_key = false, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${CHANNEL_COLUMNS}`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  /**
   * Records up to `limit` alerts not recorded before, from what happened in the last `window`, and
   * in the same statement one pending delivery per enabled channel of the tenant that subscribes to
   * its type. The unique key makes every alert once, whichever replica (or pass) finds it first.
   */
  async recordNewAlerts(window: string, limit: number): Promise<{ alerts: number; deliveries: number }> {
    const [counts] = await this.db.query(
      `WITH found AS (${FOUND}),
       inserted AS (
         INSERT INTO alert (id, tenant_id, key, type, pipeline_name, run_id, step_id, message, data, occurred_at)
         SELECT gen_random_uuid(), f.tenant_id, f.key, f.type, f.pipeline_name, f.run_id, f.step_id, left(f.message, 2000), f.data, f.occurred_at
           FROM (SELECT DISTINCT ON (key) * FROM found WHERE NOT EXISTS (SELECT 1 FROM alert a WHERE a.key = found.key) ORDER BY key, occurred_at, seq LIMIT $2) f
         ON CONFLICT (key) DO NOTHING
         RETURNING id, tenant_id, type
       ),
       deliveries AS (
         INSERT INTO alert_delivery (id, tenant_id, alert_id, channel_id)
         SELECT gen_random_uuid(), i.tenant_id, i.id, c.id
           FROM inserted i JOIN notification_channel c ON c.tenant_id = i.tenant_id AND c.enabled AND i.type = ANY (c.events)
         RETURNING id
       )
       SELECT (SELECT count(*) FROM inserted)::int AS alerts, (SELECT count(*) FROM deliveries)::int AS deliveries`,
      [window, limit],
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
       SELECT cl.id AS "deliveryId", cl.attempts AS attempt, c.id AS "channelId", c.url, c.secret_version AS "secretVersion", c.secret_from_session_key AS "secretFromSessionKey", r.status AS "runStatus",
              row_to_json(x)::jsonb AS alert
         FROM claimed cl
         JOIN notification_channel c ON c.id = cl.channel_id
         JOIN LATERAL (SELECT ${ALERT_COLUMNS('a')} FROM alert a WHERE a.id = cl.alert_id) x ON true
         JOIN run r ON r.id = x."runId"`,
        [limit, leaseMs],
      )
      .then((rows: Array<Omit<DueDelivery, 'alert'> & { alert: AlertRow & { occurredAt: string; createdAt: string } }>) =>
        rows.map((row) => ({
          ...row,
          alert: { ...row.alert, occurredAt: new Date(row.alert.occurredAt), createdAt: new Date(row.alert.createdAt) },
        })),
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
      `SELECT d.id, d.channel_id AS "channelId", c.name AS "channelName", c.url, d.status, d.attempts, d.next_attempt_at AS "nextAttemptAt", d.last_error AS "lastError",
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
