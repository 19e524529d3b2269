import { Inject, Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { AccessState } from '../common/auth/access.guard.js';
import type { Principal } from '../common/auth/principal.js';
import { BatonError } from '../common/errors/baton-error.js';
import { deleteInBatches } from '../common/delete-in-batches.js';
import { decodeCursor, toPage } from '../common/pagination/pagination.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { RunsService } from '../runs/runs.service.js';
import { faultPoint } from '../runtime/fault-points.js';
import type { Sql } from '../runtime/database/sql.js';
import type { DeliveryListQuery } from './dto/triggers.dto.js';
import { TriggersError } from './triggers.errors.js';
import { DeliveryTaken, reasonOf, TriggerInputs } from './trigger-inputs.js';
import { refOf } from './trigger-fields.js';
import { TriggerDeliveriesRepository, type DeliveryRow } from './trigger-deliveries.repository.js';
import { TriggersRepository, type TriggerRow } from './triggers.repository.js';
import { checkDelivery, webhookSecret } from './webhook-signature.js';

/** Deliveries page by (createdAt, delivery id): ids are the sender's text, not uuids. */
const DELIVERY_ID = z.string().min(1).max(250);

/**
 * What arrives at triggers and the runs it starts: signed webhook calls, the runs that ended and
 * the events steps emitted (by the firing job), each delivery kept with what it did.
 */
@Injectable()
export class TriggerDeliveriesService {
  private readonly logger = new Logger(TriggerDeliveriesService.name);

  constructor(
    private readonly triggers: TriggersRepository,
    private readonly deliveries: TriggerDeliveriesRepository,
    private readonly runs: RunsService,
    private readonly access: AccessState,
    private readonly inputs: TriggerInputs,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'jwtSecret' | 'webhookSigningKey'>,
  ) {}

  private readonly toDelivery = (d: DeliveryRow) => ({
    id: d.id,
    outcome: d.outcome,
    runId: d.runId,
    sourceRunId: d.sourceRunId,
    reason: d.error,
    createdAt: d.createdAt.toISOString(),
  });

  /** What each delivery (webhook call, ended run, emitted event) did: the run it started, or why none. */
  async list(principal: Principal, id: string, query: DeliveryListQuery) {
    await this.require(principal.tenantId, id);
    const rows = await this.deliveries.listDeliveries(id, query.limit, decodeCursor(query.cursor, DELIVERY_ID), query.outcome);
    return toPage(rows, query.limit, this.toDelivery);
  }

  /**
   * `POST /v1/hooks/{id}`: the signature over the delivery id, the timestamp and the exact body is the credential.
   * One run per delivery id: a repeated delivery answers with the run the first one started.
   */
  async receiveHook(id: string, rawBody: Buffer | undefined, headers: Record<string, string | string[] | undefined>) {
    const trigger = await this.triggers.findWebhook(id);
    if (!trigger) throw new TriggersError('trigger_not_found', `Trigger ${id} was not found`);
    const header = (name: string) => (typeof headers[name] === 'string' ? headers[name] : undefined);
    if (!header('x-baton-signature') || !header('x-baton-timestamp'))
      throw new TriggersError('invalid_signature', 'X-Baton-Signature and X-Baton-Timestamp are required');
    const delivery = header('x-baton-delivery');
    if (!delivery || delivery.length > 200)
      throw new TriggersError(
        'missing_delivery_id',
        'X-Baton-Delivery (1 to 200 characters) names the delivery, so a retry starts no second run',
      );
    const check = checkDelivery(webhookSecret(this.config, trigger), rawBody ?? Buffer.alloc(0), headers);
    if (check === 'stale') throw new TriggersError('stale_delivery', 'X-Baton-Timestamp is more than five minutes from now');
    if (check !== 'ok')
      throw new TriggersError('invalid_signature', 'The signature does not match "<X-Baton-Delivery>.<X-Baton-Timestamp>.<body>"');
    if (await this.access.isSuspended(trigger.tenantId)) throw new BatonError('tenant_suspended', 403, 'This tenant is suspended');
    const seen = await this.deliveries.findDelivery(trigger.id, delivery);
    // A delivery refused before may come again, fixed; one that started a run answers with that run.
    if (seen && seen.outcome !== 'failed') return { duplicate: true, runId: seen.runId };
    const runId = randomUUID();
    try {
      const inputs = await this.inputs.ofBody(trigger.inputsExpression, rawBody!, headers);
      // The delivery is recorded in the run's transaction: a crash before the answer leaves both or
      // neither, and the sender's retry finds the run.
      await this.runs.startTriggered(
        trigger.tenantId,
        refOf(trigger),
        inputs,
        'webhook',
        runId,
        this.deliveryOf(trigger.id, delivery, runId, null, true),
      );
    } catch (error) {
      if (error instanceof DeliveryTaken) return { duplicate: true, runId: error.runId };
      // Refused on its merits (inputs, mapping, plan): the trigger's deliveries say why. Not a fault of ours or the engine's.
      if (error instanceof BatonError && error.status >= 400 && error.status < 500)
        await this.deliveries.recordRefusedDelivery(trigger.id, delivery, reasonOf(error));
      throw error;
    }
    faultPoint('trigger.after-record');
    await this.deliveries.takeFiring(trigger.id);
    return { duplicate: false, runId };
  }

  /**
   * A delivery recorded with the run it starts; a concurrent copy that recorded it first gives this
   * run up. A webhook's (`overRefusal`) takes over the record of an earlier refusal of it.
   */
  deliveryOf(triggerId: string, delivery: string, runId: string, sourceRunId: string | null, overRefusal = false) {
    return {
      record: async (sql: Sql) => {
        const claim = await this.deliveries.claimDelivery(triggerId, delivery, runId, sourceRunId, sql, overRefusal);
        if (!claim.claimed) throw new DeliveryTaken(claim.runId);
      },
      undo: (sql: Sql) => this.deliveries.releaseDelivery(triggerId, delivery, sql),
    };
  }

  /** Deletes deliveries older than `retentionMs`, `batch` at a time; returns how many. */
  async pruneDeliveries(retentionMs: number, batch: number): Promise<number> {
    const before = new Date(Date.now() - retentionMs);
    return deleteInBatches(batch, (limit) => this.deliveries.pruneDeliveries(before, limit));
  }

  /** Starts the runs that runs which ended call for (run-completion triggers); returns how many started. */
  async fireCompletions(window: string, batch: number): Promise<number> {
    let started = 0;
    for (const c of await this.deliveries.pendingCompletions(window, batch)) {
      if (await this.fireOnce(c, `run:${c.runId}`, c.runId, 'pipeline', async () => c.outputs ?? {})) started += 1;
    }
    return started;
  }

  /** Starts the runs that domain events steps emitted call for (event triggers); returns how many started. */
  async fireEvents(window: string, batch: number): Promise<number> {
    let started = 0;
    for (const e of await this.deliveries.pendingEvents(window, batch)) {
      const event = {
        type: e.type,
        data: e.data,
        pipeline: e.pipeline,
        runId: e.runId,
        stepId: e.stepId,
        ...(e.item !== null && { item: e.item }),
        at: e.at.toISOString(),
      };
      const inputs = async () => (e.inputsExpression ? this.inputs.map(e.inputsExpression, { event }, 'event') : {});
      if (await this.fireOnce(e, `event:${e.eventId}`, e.runId, 'event', inputs)) started += 1;
    }
    return started;
  }

  /**
   * Starts `target` once for one delivery of a completion or event trigger. A delivery that starts
   * nothing (the tenant suspended, inputs the pipeline refuses, the trigger's cooldown) is kept with
   * why, and not tried again: the next run or event is the next chance. One the API could not map
   * for want of CPU is tried again by the next pass.
   */
  private async fireOnce(
    t: { triggerId: string; tenantId: string; target: string },
    delivery: string,
    sourceRunId: string,
    trigger: 'pipeline' | 'event',
    inputsOf: () => Promise<Record<string, unknown>>,
  ): Promise<boolean> {
    if (await this.deliveries.findDelivery(t.triggerId, delivery)) return false;
    const runId = randomUUID();
    let firing: Awaited<ReturnType<TriggerDeliveriesRepository['takeFiring']>> | undefined;
    try {
      if (await this.access.isSuspended(t.tenantId)) throw new Error('the tenant is suspended');
      const inputs = await inputsOf();
      firing = await this.deliveries.takeFiring(t.triggerId);
      if (!firing.taken) {
        await this.endWithoutRun(
          t.triggerId,
          delivery,
          runId,
          sourceRunId,
          'skipped',
          `Within the trigger's cooldown: it last started a run at ${firing.lastFiredAt.toISOString()}`,
        );
        return false;
      }
      // Recorded in the run's transaction: a crash in between neither loses the run nor starts it twice.
      await this.runs.startTriggered(
        t.tenantId,
        t.target,
        inputs,
        trigger,
        runId,
        this.deliveryOf(t.triggerId, delivery, runId, sourceRunId),
      );
      return true;
    } catch (error) {
      if (firing?.taken) await this.deliveries.restoreFiring(t.triggerId, firing);
      if (error instanceof DeliveryTaken) return false;
      // The API's own trouble (too busy to map it): no verdict is kept, so the next pass tries it again.
      if (error instanceof BatonError && error.status >= 500) {
        this.logger.warn(`Trigger ${t.triggerId} will try ${delivery} again: ${(error as Error).message}`);
        return false;
      }
      const reason = reasonOf(error);
      this.logger.warn(`Trigger ${t.triggerId} did not start ${t.target} for ${delivery}: ${reason}`);
      await this.endWithoutRun(t.triggerId, delivery, runId, sourceRunId, 'failed', reason);
      return false;
    }
  }

  /** Keeps a completion or event that started no run, with why, so that it is not tried again. */
  private async endWithoutRun(
    triggerId: string,
    delivery: string,
    runId: string,
    sourceRunId: string,
    outcome: 'skipped' | 'failed',
    reason: string,
  ): Promise<void> {
    if (!(await this.deliveries.claimDelivery(triggerId, delivery, runId, sourceRunId)).claimed) return;
    await this.deliveries.endDeliveryWithoutRun(triggerId, delivery, outcome, reason);
  }

  private async require(tenantId: string, id: string): Promise<TriggerRow> {
    const trigger = await this.triggers.find(tenantId, id);
    if (!trigger) throw new TriggersError('trigger_not_found', `Trigger ${id} was not found`);
    return trigger;
  }
}
