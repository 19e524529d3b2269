import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { formatDuration } from '../../workers/contracts/duration.js';
import type { Principal } from '../common/auth/principal.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { PipelinesService } from '../pipelines/pipelines.service.js';
import type { CreateTriggerBody, TriggerListQuery } from './dto/triggers.dto.js';
import { TriggersError } from './triggers.errors.js';
import { TriggerMappings } from './trigger-mappings.js';
import { refOf } from './trigger-fields.js';
import { TriggersRepository, type TriggerRow } from './triggers.repository.js';
import { webhookSecret } from './webhook-signature.js';

/** Triggers as the tenant makes and reads them; what arrives at them is TriggerDeliveriesService's. */
@Injectable()
export class TriggersService {
  constructor(
    private readonly triggers: TriggersRepository,
    private readonly pipelines: PipelinesService,
    private readonly mappings: TriggerMappings,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'jwtSecret' | 'webhookSigningKey' | 'publicUrl'>,
  ) {}

  private readonly toResponse = (t: TriggerRow) => ({
    id: t.id,
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
  });

  async create(principal: Principal, body: CreateTriggerBody) {
    const problems = [];
    const [pipelineName, pipelineTag] = body.pipeline.split('@');
    if (!(await this.pipelines.findRef(principal.tenantId, body.pipeline)))
      problems.push({
        path: 'pipeline',
        message: pipelineTag ? `Pipeline ${pipelineName} has no tag ${pipelineTag}` : `Pipeline ${body.pipeline} was not found`,
      });
    const source = body.type === 'webhook' ? undefined : body.source;
    if (source && !(await this.pipelineExists(principal.tenantId, source)))
      problems.push({ path: 'source', message: `Pipeline ${source} was not found` });
    // A pipeline started by its own runs' end or events would start itself again, forever.
    if (source === pipelineName) problems.push({ path: 'source', message: 'A trigger cannot start the pipeline it listens to' });
    const mappingProblem = body.type !== 'pipeline' && body.inputs ? this.mappings.problem(body.inputs) : undefined;
    if (mappingProblem) problems.push({ path: 'inputs', message: mappingProblem });
    if (problems.length) throw new TriggersError('invalid_trigger', 'The trigger is not valid', problems);
    const row = await this.triggers.insert({
      id: randomUUID(),
      tenantId: principal.tenantId,
      pipelineName,
      pipelineTag: pipelineTag ?? null,
      type: body.type,
      inputsExpression: body.type === 'pipeline' ? null : (body.inputs ?? null),
      sourcePipeline: source ?? null,
      onStatus: body.type === 'pipeline' ? body.on : null,
      eventType: body.type === 'event' ? body.event : null,
      cooldownSeconds: body.type === 'event' ? (body.cooldown ?? null) : null,
    });
    // The signing secret is shown here and on rotation only.
    return { ...this.toResponse(row), ...(row.type === 'webhook' ? { secret: webhookSecret(this.config, row) } : {}) };
  }

  async list(principal: Principal, query: TriggerListQuery) {
    return toPage(await this.triggers.list(principal.tenantId, query.limit, decodeCursor(query.cursor)), query.limit, this.toResponse);
  }

  async get(principal: Principal, id: string) {
    return this.toResponse(await this.require(principal.tenantId, id));
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

  private async pipelineExists(tenantId: string, name: string): Promise<boolean> {
    return (await this.pipelines.findRef(tenantId, name)) !== null;
  }

  private async require(tenantId: string, id: string): Promise<TriggerRow> {
    const trigger = await this.triggers.find(tenantId, id);
    if (!trigger) throw new TriggersError('trigger_not_found', `Trigger ${id} was not found`);
    return trigger;
  }
}
