import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { violatesUnique } from '../common/database/unique-violation.js';
import type { StepDomainEventType } from '../../workers/contracts/index.js';
import type { KeysetCursor } from '../common/pagination/pagination.js';

/** What an AMQP or NATS trigger connects to and consumes; the URL is in the tenant secret it names. */
export interface BrokerConfig {
  connectionSecret: string;
  /** AMQP: the queue, and the header with the message id (the `message-id` property when null). */
  queue?: string;
  idHeader?: string | null;
  /** NATS: the subject, the queue group (core NATS) or the stream (JetStream). */
  subject?: string;
  queueGroup?: string | null;
  stream?: string | null;
  prefetch: number;
}

export type ListenerState = 'connecting' | 'connected' | 'error' | 'stopped';

/** What a trigger is made with, and what an edit may change: all but its type, identity and state. */
export interface TriggerFields {
  /** Unique in the tenant when set: what `baton apply` matches a trigger by. */
  name: string | null;
  pipelineName: string;
  /** The release tag it starts (`name@tag`); null for the latest version. */
  pipelineTag: string | null;
  inputsExpression: string | null;
  sourcePipeline: string | null;
  onStatus: 'succeeded' | 'failed' | 'finished' | null;
  eventType: StepDomainEventType | null;
  cooldownSeconds: number | null;
  broker: BrokerConfig | null;
  /** Broker triggers: whether a listener consumes (the others always listen). */
  enabled: boolean;
}

export interface TriggerRow extends TriggerFields {
  id: string;
  tenantId: string;
  type: 'webhook' | 'pipeline' | 'event' | 'amqp' | 'nats';
  lastFiredAt: Date | null;
  secretVersion: number;
  /** Its secret was derived from the session key (made before WEBHOOK_SIGNING_KEY); rotating ends that. */
  secretFromSessionKey: boolean;
  createdAt: Date;
  listenerState: ListenerState | null;
  listenerError: string | null;
  listenerSince: Date | null;
}

/** What the broker listeners (one replica's) need of each broker trigger. */
export type BrokerTriggerRow = Pick<TriggerRow, 'id' | 'tenantId' | 'createdAt' | 'enabled'> & {
  type: 'amqp' | 'nats';
  broker: BrokerConfig;
};

const COLUMNS = `id, tenant_id AS "tenantId", name, pipeline_name AS "pipelineName", pipeline_tag AS "pipelineTag", type, inputs_expression AS "inputsExpression", source_pipeline AS "sourcePipeline",
  on_status AS "onStatus", event_type AS "eventType", cooldown_seconds AS "cooldownSeconds", last_fired_at AS "lastFiredAt", secret_version AS "secretVersion",
  secret_from_session_key AS "secretFromSessionKey", created_at AS "createdAt", broker, enabled, listener_state AS "listenerState",
  listener_error AS "listenerError", listener_since AS "listenerSince"`;

/** Each field's column and its SQL type. */
const FIELD_COLUMNS: Record<keyof TriggerFields, [column: string, type: 'text' | 'int' | 'jsonb' | 'boolean']> = {
  name: ['name', 'text'],
  pipelineName: ['pipeline_name', 'text'],
  pipelineTag: ['pipeline_tag', 'text'],
  inputsExpression: ['inputs_expression', 'text'],
  sourcePipeline: ['source_pipeline', 'text'],
  onStatus: ['on_status', 'text'],
  eventType: ['event_type', 'text'],
  cooldownSeconds: ['cooldown_seconds', 'int'],
  broker: ['broker', 'jsonb'],
  enabled: ['enabled', 'boolean'],
};
/** What a trigger listens to: an edit of one of these moves `listens_since`. */
const LISTENS_TO = ['sourcePipeline', 'onStatus', 'eventType'] as const;

const NAME_INDEX = 'trigger_tenant_name_uq';

/** The insert or update gave the trigger a name another of the tenant's triggers has. */
export const isNameTaken = (error: unknown) => violatesUnique(error, NAME_INDEX);

@Injectable()
export class TriggersRepository {
  constructor(private readonly db: DataSource) {}

  async insert(row: TriggerFields & Pick<TriggerRow, 'id' | 'tenantId' | 'type'>): Promise<TriggerRow> {
    const [saved] = await this.db.query(
      `INSERT INTO trigger (id, tenant_id, pipeline_name, type, inputs_expression, source_pipeline, on_status, event_type, cooldown_seconds, pipeline_tag, name, broker, enabled)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${COLUMNS}`,
      [
        row.id,
        row.tenantId,
        row.pipelineName,
        row.type,
        row.inputsExpression,
        row.sourcePipeline,
        row.onStatus,
        row.eventType,
        row.cooldownSeconds,
        row.pipelineTag,
        row.name,
        row.broker,
        row.enabled,
      ],
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

  /** A broker trigger by id alone: what its listener reads at each message. */
  async findBroker(id: string): Promise<(TriggerRow & BrokerTriggerRow) | null> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM trigger WHERE id = $1 AND type IN ('amqp', 'nats')`, [id]);
    return rows[0] ?? null;
  }

  async countBroker(tenantId: string): Promise<number> {
    const [{ count }] = await this.db.query(
      `SELECT count(*)::int AS count FROM trigger WHERE tenant_id = $1 AND type IN ('amqp', 'nats')`,
      [tenantId],
    );
    return count;
  }

  /** Every tenant's broker triggers: what the replica holding the listeners' lock makes its listeners match. */
  listBroker(): Promise<BrokerTriggerRow[]> {
    return this.db.query(
      `SELECT id, tenant_id AS "tenantId", type, broker, enabled, created_at AS "createdAt" FROM trigger WHERE type IN ('amqp', 'nats') ORDER BY created_at, id`,
    );
  }

  /** What the listener says now; `since` moves only when that changes. */
  async setListenerState(id: string, state: ListenerState, error: string | null): Promise<void> {
    await this.db.query(
      `UPDATE trigger SET listener_state = $2, listener_error = $3,
              listener_since = CASE WHEN listener_state IS DISTINCT FROM $2 OR listener_error IS DISTINCT FROM $3 THEN now() ELSE listener_since END
        WHERE id = $1`,
      [id, state, error?.slice(0, 1000) ?? null],
    );
  }

  list(tenantId: string, filter: { name?: string }, limit: number, after?: KeysetCursor): Promise<TriggerRow[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM trigger
        WHERE tenant_id = $1 AND ($2::text IS NULL OR name = $2) AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [tenantId, filter.name ?? null, after?.createdAt ?? null, after?.id ?? null, limit + 1],
    );
  }

  /** The triggers that start this pipeline or fire on its runs' end, oldest first. */
  usingPipeline(tenantId: string, pipeline: string, limit: number): Promise<TriggerRow[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM trigger WHERE tenant_id = $1 AND (pipeline_name = $2 OR source_pipeline = $2) ORDER BY created_at, id LIMIT $3`,
      [tenantId, pipeline, limit],
    );
  }

  /**
   * Sets the fields given (`listens_since` too when what it listens to changes). Null when there is
   * no such trigger, or when it would then start the pipeline it listens to: judged on the row as
   * the update finds it, so that two concurrent edits cannot make that loop between them.
   */
  async update(tenantId: string, id: string, change: Partial<TriggerFields>): Promise<TriggerRow | null> {
    const params: unknown[] = [tenantId, id];
    const given = new Map<keyof TriggerFields, string>();
    for (const [field, [, type]] of Object.entries(FIELD_COLUMNS) as Array<[keyof TriggerFields, [string, string]]>)
      if (change[field] !== undefined) given.set(field, `$${params.push(change[field])}::${type}`);
    const next = (field: keyof TriggerFields) => given.get(field) ?? FIELD_COLUMNS[field][0];
    const sets = [...given].map(([field, value]) => `${FIELD_COLUMNS[field][0]} = ${value}`);
    const listened = LISTENS_TO.map((field) => FIELD_COLUMNS[field][0]).join(', ');
    sets.push(
      `listens_since = CASE WHEN (${listened}) IS DISTINCT FROM (${LISTENS_TO.map(next).join(', ')}) THEN now() ELSE listens_since END`,
    );
    // An UPDATE answers [rows, count] through TypeORM.
    const [rows]: [TriggerRow[], number] = await this.db.query(
      `UPDATE trigger SET ${sets.join(', ')}
        WHERE tenant_id = $1 AND id = $2 AND ${next('sourcePipeline')} IS DISTINCT FROM ${next('pipelineName')} RETURNING ${COLUMNS}`,
      params,
    );
    return rows[0] ?? null;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const [, count]: [unknown, number] = await this.db.query('DELETE FROM trigger WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return count === 1;
  }

  async bumpSecretVersion(tenantId: string, id: string): Promise<TriggerRow | null> {
    await this.db.query(
      `UPDATE trigger SET secret_version = secret_version + 1, secret_from_session_key = false WHERE tenant_id = $1 AND id = $2 AND type = 'webhook'`,
      [tenantId, id],
    );
    return this.find(tenantId, id);
  }
}
