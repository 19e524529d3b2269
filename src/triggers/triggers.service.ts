import { Inject, Injectable, Logger } from '@nestjs/common';
import jsonata from 'jsonata';
import { randomUUID } from 'node:crypto';
import { AccessState } from '../common/auth/access.guard.js';
import type { Principal } from '../common/auth/principal.js';
import { BatonError } from '../common/errors/baton-error.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { BATON_CONFIG, type RuntimeConfig } from '../config/runtime-config.js';
import { PipelinesService } from '../pipelines/pipelines.service.js';
import { RunsService } from '../runs/runs.service.js';
import type { CreateTriggerBody, TriggerListQuery } from './dto/triggers.dto.js';
import { TriggersError } from './triggers.errors.js';
import { TriggersRepository, type Completion, type TriggerRow } from './triggers.repository.js';
import { checkDelivery, triggerSecret } from './webhook-signature.js';

/** A tenant's mapping runs on the API: bounded so that no expression can hold a request thread. */
const MAPPING_TIME_MS = 100;
const MAPPING_DEPTH = 200;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

@Injectable()
export class TriggersService {
  private readonly logger = new Logger(TriggersService.name);

  constructor(
    private readonly triggers: TriggersRepository,
    private readonly pipelines: PipelinesService,
    private readonly runs: RunsService,
    private readonly access: AccessState,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'jwtSecret' | 'publicUrl'>,
  ) {}

  private readonly toResponse = (t: TriggerRow) => ({
    id: t.id, type: t.type, pipeline: t.pipelineName, createdAt: t.createdAt.toISOString(),
    ...(t.type === 'webhook' ? { url: `${this.config.publicUrl}/v1/hooks/${t.id}`, inputs: t.inputsExpression } : { source: t.sourcePipeline, on: t.onStatus }),
  });

  async create(principal: Principal, body: CreateTriggerBody) {
    const problems = [];
    if (!(await this.pipelineExists(principal.tenantId, body.pipeline))) problems.push({ path: 'pipeline', message: `Pipeline ${body.pipeline} was not found` });
    if (body.type === 'pipeline' && !(await this.pipelineExists(principal.tenantId, body.source))) problems.push({ path: 'source', message: `Pipeline ${body.source} was not found` });
    if (body.type === 'webhook' && body.inputs) {
      try {
        jsonata(body.inputs);
      } catch (error) {
        problems.push({ path: 'inputs', message: `Not a JSONata expression: ${(error as Error).message}` });
      }
    }
    if (problems.length) throw new TriggersError('invalid_trigger', 'The trigger is not valid', problems);
    const row = await this.triggers.insert({
      id: randomUUID(), tenantId: principal.tenantId, pipelineName: body.pipeline, type: body.type,
      inputsExpression: body.type === 'webhook' ? (body.inputs ?? null) : null,
      sourcePipeline: body.type === 'pipeline' ? body.source : null, onStatus: body.type === 'pipeline' ? body.on : null,
    });
    // The signing secret is shown here and on rotation only.
    return { ...this.toResponse(row), ...(row.type === 'webhook' ? { secret: this.secretOf(row) } : {}) };
  }

  async list(principal: Principal, query: TriggerListQuery) {
    return toPage(await this.triggers.list(principal.tenantId, query.limit, decodeCursor(query.cursor)), query.limit, this.toResponse);
  }

  async get(principal: Principal, id: string) {
    return this.toResponse(await this.require(principal.tenantId, id));
  }

  async remove(principal: Principal, id: string): Promise<void> {
    if (!(await this.triggers.delete(principal.tenantId, id))) throw new TriggersError('trigger_not_found', `Trigger ${id} was not found`);
  }

  /** A new signing secret; the old one stops working at once. */
  async rotateSecret(principal: Principal, id: string) {
    const trigger = await this.require(principal.tenantId, id);
    if (trigger.type !== 'webhook') throw new TriggersError('invalid_trigger', 'Only webhook triggers have a secret');
    const rotated = (await this.triggers.bumpSecretVersion(principal.tenantId, id))!;
    return { ...this.toResponse(rotated), secret: this.secretOf(rotated) };
  }

  /**
   * `POST /v1/hooks/{id}`: the signature over the timestamp and the exact body is the credential.
   * One run per delivery id: a repeated delivery answers with the run the first one started.
   */
  async receiveHook(id: string, rawBody: Buffer | undefined, headers: Record<string, string | string[] | undefined>) {
    const trigger = await this.triggers.findWebhook(id);
    if (!trigger) throw new TriggersError('trigger_not_found', `Trigger ${id} was not found`);
    const header = (name: string) => (typeof headers[name] === 'string' ? (headers[name] as string) : undefined);
    const check = checkDelivery(this.secretOf(trigger), rawBody ?? Buffer.alloc(0), header('x-baton-signature'), header('x-baton-timestamp'));
    if (check === 'missing') throw new TriggersError('invalid_signature', 'X-Baton-Signature and X-Baton-Timestamp are required');
    if (check === 'stale') throw new TriggersError('stale_delivery', 'X-Baton-Timestamp is more than five minutes from now');
    if (check === 'mismatch') throw new TriggersError('invalid_signature', 'The signature does not match the body');
    const delivery = header('x-baton-delivery');
    if (!delivery || delivery.length > 200) throw new TriggersError('missing_delivery_id', 'X-Baton-Delivery (1 to 200 characters) names the delivery, so a retry starts no second run');
    if (await this.access.isSuspended(trigger.tenantId)) throw new BatonError('tenant_suspended', 403, 'This tenant is suspended');
    const inputs = await this.inputsFor(trigger, rawBody!, headers);
    const runId = randomUUID();
    const claim = await this.triggers.claimDelivery(trigger.id, delivery, runId);
    if (!claim.claimed) return { duplicate: true, runId: claim.runId };
    try {
      await this.runs.startTriggered(trigger.tenantId, trigger.pipelineName, inputs, 'webhook', runId);
    } catch (error) {
      await this.triggers.releaseDelivery(trigger.id, delivery);
      throw error;
    }
    return { duplicate: false, runId };
  }

  /** Starts the runs that runs which ended call for (run-completion triggers); returns how many started. */
  async fireCompletions(window: string, batch: number): Promise<number> {
    let started = 0;
    for (const completion of await this.triggers.pendingCompletions(window, batch)) {
      if (await this.fireCompletion(completion)) started += 1;
    }
    return started;
  }

  private async fireCompletion(c: Completion): Promise<boolean> {
    const delivery = `run:${c.runId}`;
    const runId = randomUUID();
    if (!(await this.triggers.claimDelivery(c.triggerId, delivery, runId)).claimed) return false;
    try {
      if (await this.access.isSuspended(c.tenantId)) throw new Error('the tenant is suspended');
      await this.runs.startTriggered(c.tenantId, c.target, c.outputs ?? {}, 'pipeline', runId);
      return true;
    } catch (error) {
      const reason = error instanceof BatonError && error.errors?.length ? `${error.message}: ${error.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}` : (error as Error).message;
      this.logger.warn(`Trigger ${c.triggerId} did not start ${c.target} after run ${c.runId}: ${reason}`);
      await this.triggers.failDelivery(c.triggerId, delivery, reason);
      return false;
    }
  }

  private async inputsFor(trigger: TriggerRow, rawBody: Buffer, headers: Record<string, unknown>): Promise<Record<string, unknown>> {
    let body: unknown;
    try {
      body = rawBody.length ? JSON.parse(rawBody.toString('utf8')) : {};
    } catch {
      throw new TriggersError('invalid_payload', 'The body is not JSON', [{ path: '(body)', message: 'Not JSON' }]);
    }
    let inputs: unknown = body;
    if (trigger.inputsExpression) {
      try {
        inputs = await jsonata(trigger.inputsExpression, { timeout: MAPPING_TIME_MS, stack: MAPPING_DEPTH }).evaluate({ body, headers });
      } catch (error) {
        throw new TriggersError('invalid_payload', `The trigger's inputs expression failed on this body: ${(error as Error).message}`);
      }
    }
    if (!isObject(inputs)) throw new TriggersError('invalid_payload', 'The inputs must be a JSON object', [{ path: '(body)', message: 'Not an object' }]);
    return inputs;
  }

  private secretOf(trigger: TriggerRow): string {
    return triggerSecret(this.config.jwtSecret, trigger.id, trigger.secretVersion);
  }

  private async pipelineExists(tenantId: string, name: string): Promise<boolean> {
    return (await this.pipelines.findLatest(tenantId, name)) !== null;
  }

  private async require(tenantId: string, id: string): Promise<TriggerRow> {
    const trigger = await this.triggers.find(tenantId, id);
    if (!trigger) throw new TriggersError('trigger_not_found', `Trigger ${id} was not found`);
    return trigger;
  }
}

