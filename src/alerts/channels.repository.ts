import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { violatesUnique } from '../common/database/unique-violation.js';
import type { KeysetCursor } from '../common/pagination/pagination.js';
import type { AlertType, ChannelType } from './alert-types.js';

/** What a channel needs beyond a URL: e-mail's recipients, PagerDuty's routing key or the secret holding it. */
export interface ChannelConfig {
  to?: string[];
  routingKey?: string;
  /** The name of the tenant secret the routing key is read from at each delivery. */
  routingKeySecret?: string;
}

export interface ChannelRow {
  id: string;
  tenantId: string;
  name: string | null;
  type: ChannelType;
  /** The webhook, or Slack's or Teams' incoming webhook; PagerDuty's endpoint when not the default; none for e-mail or when `urlSecret` holds it. */
  url: string | null;
  /** The name of the tenant secret the URL is read from at each delivery, instead of `url`. */
  urlSecret: string | null;
  config: ChannelConfig;
  events: AlertType[];
  /** The pipelines whose alerts it receives (alerts about no pipeline too); null for all. */
  pipelines: string[] | null;
  enabled: boolean;
  secretVersion: number;
  /** Its secret was derived from the session key (made before WEBHOOK_SIGNING_KEY); rotating ends that. */
  secretFromSessionKey: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** What a PATCH changes; a key left out is kept. */
export interface ChannelChange {
  name?: string | null;
  /** Where the URL comes from now: itself, or a secret's name (the other is cleared). */
  target?: { url: string | null; urlSecret: string | null };
  /** Keys replaced in `config`, and keys removed from it. */
  config?: ChannelConfig;
  configRemoved?: Array<keyof ChannelConfig>;
  events?: AlertType[];
  enabled?: boolean;
  pipelines?: string[] | null;
}

/** Another channel of the tenant has the name (the unique index said so, whichever request came first). */
export const NAME_TAKEN = 'name_taken';

export const CHANNEL_COLUMNS = (
  c = 'notification_channel',
) => `${c}.id, ${c}.tenant_id AS "tenantId", ${c}.name, ${c}.type, ${c}.url, ${c}.url_secret AS "urlSecret", ${c}.config, ${c}.events,
  ${c}.pipelines, ${c}.enabled, ${c}.secret_version AS "secretVersion", ${c}.secret_from_session_key AS "secretFromSessionKey",
  ${c}.created_at AS "createdAt", ${c}.updated_at AS "updatedAt"`;

const nameTaken = (error: unknown): boolean => violatesUnique(error, 'notification_channel_tenant_name_uq');

/** A tenant's notification channels. */
@Injectable()
export class ChannelsRepository {
  constructor(private readonly db: DataSource) {}

  async insert(
    row: Pick<ChannelRow, 'id' | 'tenantId' | 'name' | 'type' | 'url' | 'urlSecret' | 'config' | 'events' | 'pipelines' | 'enabled'>,
  ): Promise<ChannelRow | typeof NAME_TAKEN> {
    try {
      const [saved] = await this.db.query(
        `INSERT INTO notification_channel (id, tenant_id, name, type, url, url_secret, config, events, pipelines, enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${CHANNEL_COLUMNS()}`,
        [row.id, row.tenantId, row.name, row.type, row.url, row.urlSecret, row.config, row.events, row.pipelines, row.enabled],
      );
      return saved;
    } catch (error) {
      if (nameTaken(error)) return NAME_TAKEN;
      throw error;
    }
  }

  async find(tenantId: string, id: string): Promise<ChannelRow | null> {
    const rows: ChannelRow[] = await this.db.query(
      `SELECT ${CHANNEL_COLUMNS()} FROM notification_channel WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }

  /** The tenant's channel of this name, other than `except`. */
  async findByName(tenantId: string, name: string, except?: string): Promise<ChannelRow | null> {
    const rows: ChannelRow[] = await this.db.query(
      `SELECT ${CHANNEL_COLUMNS()} FROM notification_channel WHERE tenant_id = $1 AND name = $2 AND id IS DISTINCT FROM $3::uuid`,
      [tenantId, name, except ?? null],
    );
    return rows[0] ?? null;
  }

  list(tenantId: string, filter: { name?: string }, limit: number, after?: KeysetCursor): Promise<ChannelRow[]> {
    return this.db.query(
      `SELECT ${CHANNEL_COLUMNS()} FROM notification_channel
        WHERE tenant_id = $1 AND ($5::text IS NULL OR name = $5) AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [tenantId, after?.createdAt ?? null, after?.id ?? null, limit + 1, filter.name ?? null],
    );
  }

  async update(tenantId: string, id: string, change: ChannelChange): Promise<ChannelRow | null | typeof NAME_TAKEN> {
    try {
      // An UPDATE answers [rows, count].
      const [rows]: [ChannelRow[], number] = await this.db.query(
        `UPDATE notification_channel SET
           name = CASE WHEN $3 THEN $4 ELSE name END,
           url = CASE WHEN $5 THEN $6 ELSE url END, url_secret = CASE WHEN $5 THEN $7 ELSE url_secret END,
           events = coalesce($8, events), enabled = coalesce($9, enabled),
           config = (config - $10::text[]) || $11::jsonb,
           pipelines = CASE WHEN $12 THEN $13 ELSE pipelines END, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING ${CHANNEL_COLUMNS()}`,
        [
          tenantId,
          id,
          'name' in change,
          change.name ?? null,
          change.target !== undefined,
          change.target?.url ?? null,
          change.target?.urlSecret ?? null,
          change.events ?? null,
          change.enabled ?? null,
          change.configRemoved ?? [],
          JSON.stringify(change.config ?? {}),
          'pipelines' in change,
          change.pipelines ?? null,
        ],
      );
      return rows[0] ?? null;
    } catch (error) {
      if (nameTaken(error)) return NAME_TAKEN;
      throw error;
    }
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query('DELETE FROM notification_channel WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      id,
    ]);
    return count === 1;
  }

  async bumpSecretVersion(tenantId: string, id: string): Promise<ChannelRow | null> {
    const [rows]: [ChannelRow[], number] = await this.db.query(
      `UPDATE notification_channel SET secret_version = secret_version + 1, secret_from_session_key = false, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${CHANNEL_COLUMNS()}`,
      [tenantId, id],
    );
    return rows[0] ?? null;
  }
}
