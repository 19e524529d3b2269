import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A notification channel's name becomes unique in its tenant (what `baton apply` matches a channel
 * by); channels that shared one keep the first (by creation) and the later ones become `name (2)`,
 * `name (3)`…, skipping names already taken. A Slack, Teams or webhook URL may come from a tenant
 * secret (`url_secret`, its name; PagerDuty's routing key likewise, `config.routingKeySecret`), and
 * a channel may receive only the alerts of some pipelines (`pipelines`; null for all).
 */
export class ChannelNames1795000000032 implements MigrationInterface {
  name = 'ChannelNames1795000000032';

  async up(db: QueryRunner): Promise<void> {
    const named: Array<{ id: string; tenant_id: string; name: string; duplicate: boolean }> = await db.query(`
      SELECT id, tenant_id, name, row_number() OVER (PARTITION BY tenant_id, name ORDER BY created_at, id) > 1 AS duplicate
        FROM notification_channel c
       WHERE name IS NOT NULL
         AND tenant_id IN (SELECT tenant_id FROM notification_channel WHERE name IS NOT NULL GROUP BY tenant_id, name HAVING count(*) > 1)
       ORDER BY tenant_id, created_at, id`);
    const taken = new Map<string, Set<string>>();
    for (const row of named) taken.set(row.tenant_id, (taken.get(row.tenant_id) ?? new Set()).add(row.name));
    for (const row of named.filter((r) => r.duplicate)) {
      const names = taken.get(row.tenant_id)!;
      let n = 2;
      while (names.has(`${row.name} (${n})`)) n++;
      names.add(`${row.name} (${n})`);
      await db.query('UPDATE notification_channel SET name = $2 WHERE id = $1', [row.id, `${row.name} (${n})`]);
    }
    await db.query(`
      CREATE UNIQUE INDEX notification_channel_tenant_name_uq ON notification_channel (tenant_id, name) WHERE name IS NOT NULL;
      ALTER TABLE notification_channel
        ADD COLUMN url_secret text,
        ADD COLUMN pipelines text[],
        ADD CONSTRAINT notification_channel_url_source_ck CHECK (url IS NULL OR url_secret IS NULL),
        ADD CONSTRAINT notification_channel_pipelines_ck CHECK (pipelines IS NULL OR cardinality(pipelines) BETWEEN 1 AND 100);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    // A channel whose credential is a secret's has none a former version could use.
    await db.query(`
      DELETE FROM notification_channel WHERE url_secret IS NOT NULL OR config ? 'routingKeySecret';
      ALTER TABLE notification_channel DROP COLUMN pipelines, DROP COLUMN url_secret;
      DROP INDEX notification_channel_tenant_name_uq;
    `);
  }
}
