import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stripe billing: a tenant's customer and subscription as Stripe last told us, the Stripe events
 * already processed (each exactly once), usage per tenant and month (kept as counters: summing a
 * month of runs and steps at every run start took 250 ms at 50,000 runs), the finished runs already
 * counted, and the usage meter events to report (an outbox whose identifiers Stripe deduplicates,
 * so a report retried after a crash is never counted twice).
 */
export class Billing1795000000007 implements MigrationInterface {
  name = 'Billing1795000000007';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE billing_account (
        tenant_id uuid NOT NULL CONSTRAINT billing_account_pk PRIMARY KEY CONSTRAINT billing_account_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        stripe_customer_id text NOT NULL CONSTRAINT billing_account_customer_uq UNIQUE,
        stripe_subscription_id text,
        subscription_status text,
        price_id text,
        current_period_end timestamptz(3),
        cancel_at_period_end boolean NOT NULL DEFAULT false,
        past_due_since timestamptz(3),
        -- When Stripe created the newest subscription event applied: older ones arriving later are stale.
        last_event_at timestamptz(3),
        -- The same for invoice events, which move past_due_since.
        last_payment_event_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX billing_account_subscription_idx ON billing_account (stripe_subscription_id) WHERE stripe_subscription_id IS NOT NULL;

      CREATE TABLE billing_event (
        id text NOT NULL CONSTRAINT billing_event_pk PRIMARY KEY,
        type text NOT NULL,
        created_at timestamptz(3) NOT NULL,
        processed_at timestamptz(3) NOT NULL DEFAULT now()
      );

      -- Runs are counted as they start (exactly, under the tenant's run-start lock); step-seconds as
      -- the usage job finds runs that ended.
      CREATE TABLE billing_usage (
        tenant_id uuid NOT NULL CONSTRAINT billing_usage_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        period_start date NOT NULL,
        runs int NOT NULL DEFAULT 0,
        step_seconds bigint NOT NULL DEFAULT 0,
        CONSTRAINT billing_usage_pk PRIMARY KEY (tenant_id, period_start)
      );

      -- Each ended run once: what its steps took, in the month the run was created.
      CREATE TABLE billing_run_usage (
        run_id uuid NOT NULL CONSTRAINT billing_run_usage_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT billing_run_usage_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        top_level boolean NOT NULL,
        period_start date NOT NULL,
        step_seconds bigint NOT NULL,
        ended_at timestamptz NOT NULL
      );
      CREATE INDEX billing_run_usage_ended_idx ON billing_run_usage (ended_at);

      CREATE TABLE billing_meter_event (
        identifier text NOT NULL CONSTRAINT billing_meter_event_pk PRIMARY KEY,
        tenant_id uuid NOT NULL CONSTRAINT billing_meter_event_tenant_fk REFERENCES tenant (id) ON DELETE CASCADE,
        event_name text NOT NULL,
        stripe_customer_id text NOT NULL,
        value bigint NOT NULL,
        occurred_at timestamptz(3) NOT NULL,
        reported_at timestamptz(3),
        attempts int NOT NULL DEFAULT 0,
        last_error text
      );
      CREATE INDEX billing_meter_event_unreported_idx ON billing_meter_event (occurred_at) WHERE reported_at IS NULL;

      -- The usage job looks for runs that ended recently; without this it would scan every run.
      CREATE INDEX run_ended_idx ON run (ended_at) WHERE ended_at IS NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      'DROP INDEX run_ended_idx; DROP TABLE billing_meter_event; DROP TABLE billing_run_usage; DROP TABLE billing_usage; DROP TABLE billing_event; DROP TABLE billing_account;',
    );
  }
}
