import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notification channels beside the signed webhook: Slack and Microsoft Teams (an incoming-webhook
 * URL), PagerDuty Events v2 (a routing key, the endpoint optional) and e-mail (recipients). What a
 * kind needs beyond a URL is in `config`. Alerts that are about no run (usage of the plan) keep no
 * run and no pipeline; `run.recovered`, `sla.at_risk`, `usage.warning` and `usage.exceeded` join the
 * alert types.
 */
export class NotificationChannelKinds1795000000026 implements MigrationInterface {
  name = 'NotificationChannelKinds1795000000026';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE notification_channel DROP CONSTRAINT notification_channel_type_ck,
        ADD CONSTRAINT notification_channel_type_ck CHECK (type IN ('webhook', 'slack', 'teams', 'pagerduty', 'email')),
        ALTER COLUMN url DROP NOT NULL,
        ADD COLUMN config jsonb NOT NULL DEFAULT '{}';
      ALTER TABLE alert DROP CONSTRAINT alert_type_ck,
        ADD CONSTRAINT alert_type_ck CHECK (type IN ('run.failed', 'run.recovered', 'sla.at_risk', 'sla.breached', 'quality.failed',
                                                     'model.drift_detected', 'usage.warning', 'usage.exceeded')),
        ALTER COLUMN run_id DROP NOT NULL,
        ALTER COLUMN pipeline_name DROP NOT NULL;
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DELETE FROM alert WHERE type NOT IN ('run.failed', 'sla.breached', 'quality.failed', 'model.drift_detected') OR run_id IS NULL;
      DELETE FROM notification_channel WHERE type <> 'webhook';
      ALTER TABLE alert DROP CONSTRAINT alert_type_ck,
        ADD CONSTRAINT alert_type_ck CHECK (type IN ('run.failed', 'sla.breached', 'quality.failed', 'model.drift_detected')),
        ALTER COLUMN run_id SET NOT NULL,
        ALTER COLUMN pipeline_name SET NOT NULL;
      ALTER TABLE notification_channel DROP COLUMN config, ALTER COLUMN url SET NOT NULL,
        DROP CONSTRAINT notification_channel_type_ck, ADD CONSTRAINT notification_channel_type_ck CHECK (type IN ('webhook'));
    `);
  }
}
