import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { SLOTS_TAKEN } from '../runtime/ledger/run-admission.repository.js';

export interface BillingAccountRow {
  tenantId: string;
  stripeCustomerId: string;
  stripeSubscriptionId: string | null;
  subscriptionStatus: string | null;
  priceId: string | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  pastDueSince: Date | null;
  lastEventAt: Date | null;
  lastPaymentEventAt: Date | null;
  createdAt: Date;
}

export interface TenantUsage {
  /** Top-level runs started this period. */
  runs: number;
  /** Wall-clock seconds of the steps of this period's runs that have ended (counted by the usage job). */
  stepSeconds: number;
  /** Top-level runs queued, running or waiting now. */
  activeRuns: number;
}

export interface MeterEventRow {
  identifier: string;
  tenantId: string;
  eventName: string;
  stripeCustomerId: string;
  value: number;
  occurredAt: Date;
}

const ACCOUNT_COLUMNS = `tenant_id AS "tenantId", stripe_customer_id AS "stripeCustomerId", stripe_subscription_id AS "stripeSubscriptionId",
  subscription_status AS "subscriptionStatus", price_id AS "priceId", current_period_end AS "currentPeriodEnd", cancel_at_period_end AS "cancelAtPeriodEnd",
  past_due_since AS "pastDueSince", last_event_at AS "lastEventAt", last_payment_event_at AS "lastPaymentEventAt", created_at AS "createdAt"`;

export type SubscriptionState = Pick<
  BillingAccountRow,
  'stripeSubscriptionId' | 'subscriptionStatus' | 'priceId' | 'currentPeriodEnd' | 'cancelAtPeriodEnd' | 'pastDueSince' | 'lastEventAt'
>;

@Injectable()
export class BillingRepository {
  constructor(private readonly db: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async findAccount(tenantId: string, tx: EntityManager | DataSource = this.db): Promise<BillingAccountRow | null> {
    const rows: BillingAccountRow[] = await tx.query(`SELECT ${ACCOUNT_COLUMNS} FROM billing_account WHERE tenant_id = $1`, [tenantId]);
    return rows[0] ?? null;
  }

  /** Locked for the rest of the transaction, so two events for one customer apply one after the other. */
  async lockAccountByCustomer(tx: EntityManager, customerId: string): Promise<BillingAccountRow | null> {
    const rows: BillingAccountRow[] = await tx.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM billing_account WHERE stripe_customer_id = $1 FOR UPDATE`,
      [customerId],
    );
    return rows[0] ?? null;
  }

  /** The tenant's account, created with this customer unless it (or the customer) already has one. */
  async ensureAccount(tenantId: string, customerId: string, tx: EntityManager | DataSource = this.db): Promise<BillingAccountRow> {
    await tx.query('INSERT INTO billing_account (tenant_id, stripe_customer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      tenantId,
      customerId,
    ]);
    const rows: BillingAccountRow[] = await tx.query(`SELECT ${ACCOUNT_COLUMNS} FROM billing_account WHERE tenant_id = $1`, [tenantId]);
    return rows[0];
  }

  async tenantExists(tx: EntityManager, tenantId: string): Promise<boolean> {
    return (await tx.query('SELECT 1 FROM tenant WHERE id = $1', [tenantId])).length === 1;
  }

  /** False when this event was processed already (or is being processed by a concurrent delivery, which then wins). */
  async claimEvent(tx: EntityManager, event: { id: string; type: string; createdAt: Date }): Promise<boolean> {
    const inserted = await tx.query(
      'INSERT INTO billing_event (id, type, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id',
      [event.id, event.type, event.createdAt],
    );
    return inserted.length === 1;
  }

  async saveSubscription(tx: EntityManager, tenantId: string, state: SubscriptionState): Promise<void> {
    await tx.query(
      `UPDATE billing_account SET stripe_subscription_id = $2, subscription_status = $3, price_id = $4, current_period_end = $5, cancel_at_period_end = $6,
         past_due_since = $7, last_event_at = $8, updated_at = now() WHERE tenant_id = $1`,
      [
        tenantId,
        state.stripeSubscriptionId,
        state.subscriptionStatus,
        state.priceId,
        state.currentPeriodEnd,
        state.cancelAtPeriodEnd,
        state.pastDueSince,
        state.lastEventAt,
      ],
    );
  }

  async savePaymentState(tx: EntityManager, tenantId: string, pastDueSince: Date | null, eventAt: Date): Promise<void> {
    await tx.query('UPDATE billing_account SET past_due_since = $2, last_payment_event_at = $3, updated_at = now() WHERE tenant_id = $1', [
      tenantId,
      pastDueSince,
      eventAt,
    ]);
  }

  async setTenantPlan(tx: EntityManager, tenantId: string, plan: string): Promise<void> {
    await tx.query('UPDATE tenant SET plan = $2 WHERE id = $1', [tenantId, plan]);
  }

  async tenantName(tenantId: string): Promise<string | null> {
    const rows: Array<{ name: string }> = await this.db.query('SELECT name FROM tenant WHERE id = $1', [tenantId]);
    return rows[0]?.name ?? null;
  }

  async tenantPlan(tenantId: string, tx: EntityManager | DataSource = this.db): Promise<string | null> {
    const rows: Array<{ plan: string }> = await tx.query('SELECT plan FROM tenant WHERE id = $1', [tenantId]);
    return rows[0]?.plan ?? null;
  }

  /** This period's counters and the runs active now. */
  async usage(tenantId: string, periodStart: Date, tx: EntityManager | DataSource = this.db): Promise<TenantUsage> {
    const [row] = await tx.query(
      `SELECT coalesce(u.runs, 0) AS runs, coalesce(u.step_seconds, 0)::bigint AS "stepSeconds",
              (${SLOTS_TAKEN})::int AS "activeRuns"
         FROM (SELECT 1) one LEFT JOIN billing_usage u ON u.tenant_id = $1 AND u.period_start = $2`,
      [tenantId, isoDate(periodStart)],
    );
    return { runs: row.runs, activeRuns: row.activeRuns, stepSeconds: Number(row.stepSeconds) };
  }

  /** Runs and step-seconds of each month from `from` on that counted any, oldest first. */
  async usageSince(tenantId: string, from: Date): Promise<Array<{ periodStart: string; runs: number; stepSeconds: number }>> {
    const rows: Array<{ periodStart: string; runs: number; stepSeconds: string }> = await this.db.query(
      `SELECT to_char(period_start, 'YYYY-MM-DD') AS "periodStart", runs, step_seconds::bigint AS "stepSeconds"
         FROM billing_usage WHERE tenant_id = $1 AND period_start >= $2 ORDER BY period_start`,
      [tenantId, isoDate(from)],
    );
    return rows.map((row) => ({ periodStart: row.periodStart, runs: row.runs, stepSeconds: Number(row.stepSeconds) }));
  }

  /**
   * Counts runs that ended and were not counted yet, in one statement: their step-seconds go to
   * their tenant's month, and for tenants that are Stripe customers (since they became one) two
   * meter events go to the outbox (the run and its step-seconds), keyed by run. A run is counted
   * once however often this runs, and not at all if the statement fails. It looks back from the
   * newest run counted, less `margin` for runs whose end was committed late; with nothing counted
   * yet, back to `horizon`. Runs admission refused (recorded only to say so) are not counted.
   */
  async accountEndedRuns(margin: string, horizon: Date, meters: { runs: string; stepSeconds: string }): Promise<number> {
    const [{ accounted }] = await this.db.query(
      `WITH ended AS (
         SELECT r.id, r.tenant_id, r.parent_run_id IS NULL AS top_level, r.ended_at,
                date_trunc('month', r.created_at AT TIME ZONE 'UTC')::date AS period_start,
                (SELECT coalesce(ceil(sum(extract(epoch FROM s.ended_at - s.started_at))), 0) FROM run_step s
                  WHERE s.run_id = r.id AND s.started_at IS NOT NULL AND s.ended_at IS NOT NULL)::bigint AS step_seconds
           FROM run r
          WHERE r.ended_at >= greatest($2, coalesce((SELECT max(ended_at) FROM billing_run_usage) - $1::interval, $2))
            AND NOT EXISTS (SELECT 1 FROM billing_run_usage u WHERE u.run_id = r.id)
            AND r.error->>'admission' IS DISTINCT FROM 'refused'
       ), recorded AS (
         INSERT INTO billing_run_usage (run_id, tenant_id, top_level, period_start, step_seconds, ended_at)
         SELECT id, tenant_id, top_level, period_start, step_seconds, ended_at FROM ended
         ON CONFLICT (run_id) DO NOTHING
         RETURNING run_id, tenant_id, top_level, period_start, step_seconds, ended_at
       ), added AS (
         INSERT INTO billing_usage (tenant_id, period_start, step_seconds)
         SELECT tenant_id, period_start, sum(step_seconds) FROM recorded GROUP BY tenant_id, period_start
         ON CONFLICT (tenant_id, period_start) DO UPDATE SET step_seconds = billing_usage.step_seconds + excluded.step_seconds
         RETURNING 1
       ), metered AS (
         SELECT r.*, a.stripe_customer_id FROM recorded r JOIN billing_account a ON a.tenant_id = r.tenant_id WHERE r.ended_at >= a.created_at
       ), queued AS (
         INSERT INTO billing_meter_event (identifier, tenant_id, event_name, stripe_customer_id, value, occurred_at)
         SELECT 'run:' || run_id || ':' || $3, tenant_id, $3, stripe_customer_id, 1, ended_at FROM metered WHERE top_level
         UNION ALL
         SELECT 'run:' || run_id || ':' || $4, tenant_id, $4, stripe_customer_id, step_seconds, ended_at FROM metered
         ON CONFLICT (identifier) DO NOTHING
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM recorded)::int AS accounted`,
      [margin, horizon, meters.runs, meters.stepSeconds],
    );
    return accounted;
  }

  /** Forgets which runs were counted once no run that old can end uncounted, and meter events long reported. */
  async pruneUsageRecords(before: Date): Promise<void> {
    await this.db.query('DELETE FROM billing_run_usage WHERE ended_at < $1', [before]);
    await this.db.query('DELETE FROM billing_meter_event WHERE reported_at < $1', [before]);
  }

  async countPipelines(tenantId: string): Promise<number> {
    const [row] = await this.db.query('SELECT count(*)::int AS n FROM pipeline WHERE tenant_id = $1 AND deleted_at IS NULL', [tenantId]);
    return row.n;
  }

  async unreportedMeterEvents(limit: number): Promise<MeterEventRow[]> {
    const rows = await this.db.query(
      `SELECT identifier, tenant_id AS "tenantId", event_name AS "eventName", stripe_customer_id AS "stripeCustomerId", value, occurred_at AS "occurredAt"
         FROM billing_meter_event WHERE reported_at IS NULL ORDER BY occurred_at LIMIT $1`,
      [limit],
    );
    return rows.map((r: MeterEventRow) => ({ ...r, value: Number(r.value) }));
  }

  async markMeterEventReported(identifier: string): Promise<void> {
    await this.db.query(
      'UPDATE billing_meter_event SET reported_at = now(), attempts = attempts + 1, last_error = NULL WHERE identifier = $1',
      [identifier],
    );
  }

  async markMeterEventFailed(identifier: string, error: string): Promise<void> {
    await this.db.query('UPDATE billing_meter_event SET attempts = attempts + 1, last_error = $2 WHERE identifier = $1', [
      identifier,
      error.slice(0, 500),
    ]);
  }
}

const isoDate = (d: Date) => d.toISOString().slice(0, 10);
