import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { formatDuration } from '../../workers/contracts/duration.js';
import type { Principal } from '../common/auth/principal.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { PipelinesService } from '../pipelines/pipelines.service.js';
import { EntitlementsService } from '../billing/entitlements.service.js';
import { BrokerAddresses } from './broker-addresses.js';
import type { CreateTriggerBody, TriggerListQuery, UpdateTriggerBody } from './dto/triggers.dto.js';
import { TriggersError } from './triggers.errors.js';
import { TriggerMappings } from './trigger-mappings.js';
import { changeOf, fieldsOfCreate, isBrokerType, LOOP_MESSAGE, refOf, triggerProblems } from './trigger-fields.js';
import { isNameTaken, TriggersRepository, type TriggerFields, type TriggerRow } from './triggers.repository.js';
import { webhookSecret } from './webhook-signature.js';

/** Triggers as the tenant makes, edits and reads them; what arrives at them is TriggerDeliveriesService's. */
@Injectable()
export class TriggersService {
  constructor(
    private readonly triggers: TriggersRepository,
    private readonly pipelines: PipelinesService,
    private readonly mappings: TriggerMappings,
    private readonly brokers: BrokerAddresses,
    private readonly entitlements: EntitlementsService,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'jwtSecret' | 'webhookSigningKey' | 'publicUrl'>,
  ) {}

  private readonly toResponse = (t: TriggerRow) => ({
    id: t.id,
    name: t.name,
    type: t.type,
    pipeline: refOf(t),
    createdAt: t.createdAt.toISOString(),
    lastFiredAt: t.lastFiredAt?.toISOString() ?? null,
    ...(t.type === 'webhook' && { url: `${this.config.publicUrl}/v1/hooks/${t.id}`, inputs: t.inputsExpression }),
    ...(t.type === 'pipeline' && { source: t.sourcePipeline, on: t.onStatus }),
    ...(t.type === 'event' && {
      event: t.eventType,
      source: t.sourcePipeline,
      inputs: t.inputsExpression,
      cooldown: t.cooldownSeconds === null ? null : formatDuration(t.cooldownSeconds * 1000),
    }),
    ...(isBrokerType(t.type) && t.broker && brokerView(t)),
  });

  async create(principal: Principal, body: CreateTriggerBody) {
    const fields = fieldsOfCreate(body);
    await this.check(principal.tenantId, fields, fields, body.type);
    if (isBrokerType(body.type))
      await this.entitlements.assertCanAddBrokerTrigger(principal.tenantId, await this.triggers.countBroker(principal.tenantId));
    const row = await this.named(fields.name, () =>
      this.triggers.insert({ id: randomUUID(), tenantId: principal.tenantId, type: body.type, ...fields }),
    );
    // The signing secret is shown here and on rotation only.
    return { ...this.toResponse(row), ...(row.type === 'webhook' ? { secret: webhookSecret(this.config, row) } : {}) };
  }

  async list(principal: Principal, query: TriggerListQuery) {
    return toPage(
      await this.triggers.list(principal.tenantId, { name: query.name }, query.limit, decodeCursor(query.cursor)),
      query.limit,
      this.toResponse,
    );
  }

  async get(principal: Principal, id: string) {
    return this.toResponse(await this.require(principal.tenantId, id));
  }

  /**
   * Changes the fields given, checked as on create; the type, id (a webhook's URL) and signing
   * secret stay. What fires it reads the row at each delivery, so the change holds from the next one.
   */
  async update(principal: Principal, id: string, body: UpdateTriggerBody) {
    const row = await this.require(principal.tenantId, id);
    const { change, problems } = changeOf(row.type, body, row.broker);
    if (problems.length) throw new TriggersError('invalid_trigger', 'The trigger is not valid', problems);
    await this.check(principal.tenantId, { ...row, ...change }, change, row.type);
    const saved = await this.named(change.name ?? null, () => this.triggers.update(principal.tenantId, id, change));
    if (saved) return this.toResponse(saved);
    // Deleted meanwhile, or a concurrent edit made it start the pipeline it listens to.
    await this.require(principal.tenantId, id);
    throw new TriggersError('invalid_trigger', 'The trigger is not valid', [{ path: 'source', message: LOOP_MESSAGE }]);
  }

  /** The triggers that start this pipeline or listen to its runs (at most `limit`), as the API shows them. */
  async usingPipeline(tenantId: string, pipeline: string, limit = 100) {
    return (await this.triggers.usingPipeline(tenantId, pipeline, limit)).map(this.toResponse);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    if (!(await this.triggers.delete(principal.tenantId, id))) throw new TriggersError('trigger_not_found', `Trigger ${id} was not found`);
  }

  /** A new signing secret; the old one stops working at once. */
  async rotateSecret(principal: Principal, id: string) {
    const trigger = await this.require(principal.tenantId, id);
    if (trigger.type !== 'webhook') throw new TriggersError('invalid_trigger', 'Only webhook triggers have a secret');
    const rotated = (await this.triggers.bumpSecretVersion(principal.tenantId, id))!;
    return { ...this.toResponse(rotated), secret: webhookSecret(this.config, rotated) };
  }

  private async check(tenantId: string, fields: TriggerFields, given: Partial<TriggerFields>, type: TriggerRow['type']): Promise<void> {
    const lookups = {
      findRef: (t: string, ref: string) => this.pipelines.findRef(t, ref),
      mappingProblem: (e: string) => this.mappings.problem(e),
      brokerProblem: (t: string, kind: 'amqp' | 'nats', secret: string) => this.brokers.problem(t, kind, secret),
    };
    const problems = await triggerProblems(lookups, tenantId, fields, given, type);
    if (problems.length) throw new TriggersError('invalid_trigger', 'The trigger is not valid', problems);
  }

  /** A name is the tenant's once: the unique index settles it, so two requests racing for one name cannot both have it. */
  private async named<T>(name: string | null, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!isNameTaken(error)) throw error;
      throw new TriggersError('trigger_name_taken', `Another trigger is named ${name}`, [
        { path: 'name', message: 'Taken by another trigger' },
      ]);
    }
  }

  private async require(tenantId: string, id: string): Promise<TriggerRow> {
    const trigger = await this.triggers.find(tenantId, id);
    if (!trigger) throw new TriggersError('trigger_not_found', `Trigger ${id} was not found`);
    return trigger;
  }
}

/** A broker trigger's own fields as the API shows them: the secret's name, never its value. */
function brokerView(t: TriggerRow) {
  const { connectionSecret, prefetch, queue, idHeader, subject, queueGroup, stream } = t.broker!;
  const state = t.listenerState ?? (t.enabled ? 'starting' : 'stopped');
  return {
    inputs: t.inputsExpression,
    connectionSecret,
    prefetch,
    enabled: t.enabled,
    listener: { state, error: t.listenerError, since: t.listenerSince?.toISOString() ?? null },
    ...(t.type === 'amqp'
      ? { queue: queue!, idHeader: idHeader ?? null }
      : { subject: subject!, queueGroup: queueGroup ?? null, stream: stream ?? null }),
  };
}
