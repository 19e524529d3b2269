import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Broker triggers: an `amqp` trigger consumes a RabbitMQ queue, a `nats` trigger a NATS subject (or
 * a JetStream stream through a durable consumer). `broker` holds what to connect to and consume: the
 * name of the tenant secret with the URL, never the URL. `enabled` starts and stops the listener;
 * `listener_*` is what the listener last said (connected, or its error and since when).
 *
 * A message starts a run once per message id: the delivery id (`trigger_delivery_pk`, on
 * (trigger_id, delivery_id)) is the message's id, so a redelivered message finds its record.
 */
export class BrokerTriggers1795000000033 implements MigrationInterface {
  name = 'BrokerTriggers1795000000033';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE trigger
        ADD COLUMN broker jsonb,
        ADD COLUMN enabled boolean NOT NULL DEFAULT true,
        ADD COLUMN listener_state text CONSTRAINT trigger_listener_state_ck CHECK (listener_state IN ('connecting', 'connected', 'error', 'stopped')),
        ADD COLUMN listener_error text,
        ADD COLUMN listener_since timestamptz(3),
        DROP CONSTRAINT trigger_type_ck,
        ADD CONSTRAINT trigger_type_ck CHECK (type IN ('webhook', 'pipeline', 'event', 'amqp', 'nats')),
        ADD CONSTRAINT trigger_broker_ck CHECK ((type IN ('amqp', 'nats')) = (broker IS NOT NULL));
      CREATE INDEX trigger_broker_idx ON trigger (tenant_id) WHERE type IN ('amqp', 'nats');
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DELETE FROM trigger WHERE type IN ('amqp', 'nats');
      DROP INDEX trigger_broker_idx;
      ALTER TABLE trigger
        DROP CONSTRAINT trigger_broker_ck,
        DROP CONSTRAINT trigger_type_ck,
        ADD CONSTRAINT trigger_type_ck CHECK (type IN ('webhook', 'pipeline', 'event')),
        DROP COLUMN listener_since, DROP COLUMN listener_error, DROP COLUMN listener_state, DROP COLUMN enabled, DROP COLUMN broker;
    `);
  }
}
