import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { AccessState } from '../common/auth/access.guard.js';
import { BatonError } from '../common/errors/baton-error.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { RunsService } from '../runs/runs.service.js';
import type { BrokerMessage, Verdict } from './listeners/broker-connection.js';
import { refOf } from './trigger-fields.js';
import { TriggerDeliveriesRepository } from './trigger-deliveries.repository.js';
import { TriggerDeliveriesService } from './trigger-deliveries.service.js';
import { DeliveryTaken, reasonOf, TriggerInputs } from './trigger-inputs.js';
import { TriggersRepository } from './triggers.repository.js';

/** Longer message ids are kept as their hash: delivery ids page by their text. */
const MAX_ID_LENGTH = 200;

/**
 * What a message from a broker does: one run per message id, recorded with it in the run's
 * transaction, or the reason it started none. The listener acknowledges it only once this said
 * `ack`, so a message is never lost between the broker and the record, and a copy of it (the broker
 * redelivering it, or the sender publishing it twice) finds the record and starts nothing.
 */
@Injectable()
export class BrokerDeliveriesService {
  private readonly logger = new Logger(BrokerDeliveriesService.name);

  constructor(
    private readonly triggers: TriggersRepository,
    private readonly deliveries: TriggerDeliveriesRepository,
    private readonly records: TriggerDeliveriesService,
    private readonly runs: RunsService,
    private readonly access: AccessState,
    private readonly inputs: TriggerInputs,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'BODY_LIMIT_BYTES'>,
  ) {}

  async receive(triggerId: string, message: BrokerMessage): Promise<Verdict> {
    try {
      return await this.deliver(triggerId, message);
    } catch (error) {
      // The database or the engine: nothing was recorded, so the message is to come again.
      this.logger.warn(`Trigger ${triggerId} will take a message again: ${(error as Error).message}`);
      return 'retry';
    }
  }

  private async deliver(triggerId: string, message: BrokerMessage): Promise<Verdict> {
    const trigger = await this.triggers.findBroker(triggerId);
    // Deleted or disabled meanwhile: the message stays on the broker, for whoever consumes next.
    if (!trigger?.enabled) return 'retry';
    if (message.id === null) {
      const reason = `The message has no id (${trigger.type === 'nats' ? 'a Nats-Msg-Id header' : (trigger.broker.idHeader ?? 'a message-id property')}) to tell a redelivered copy by`;
      await this.deliveries.recordRefusedDelivery(trigger.id, `no-id:${randomUUID()}`, reason);
      return 'ack';
    }
    const delivery = message.id.length > MAX_ID_LENGTH ? `sha256:${createHash('sha256').update(message.id).digest('hex')}` : message.id;
    if (await this.deliveries.findDelivery(trigger.id, delivery)) return 'ack';
    if (message.body.length > this.config.BODY_LIMIT_BYTES) {
      const reason = `The message has ${message.body.length} bytes, more than the ${this.config.BODY_LIMIT_BYTES} a trigger takes`;
      await this.deliveries.recordRefusedDelivery(trigger.id, delivery, reason);
      return 'ack';
    }
    const runId = randomUUID();
    try {
      if (await this.access.isSuspended(trigger.tenantId)) throw new BatonError('tenant_suspended', 403, 'The tenant is suspended');
      const inputs = await this.inputs.ofBody(trigger.inputsExpression, message.body, message.headers, { message: message.message });
      await this.runs.startTriggered(
        trigger.tenantId,
        refOf(trigger),
        inputs,
        trigger.type,
        runId,
        this.records.deliveryOf(trigger.id, delivery, runId, null),
      );
    } catch (error) {
      if (error instanceof DeliveryTaken) return 'ack';
      if (!(error instanceof BatonError) || error.status >= 500) throw error;
      // Refused on its merits (not JSON, the mapping, the inputs, the plan): kept with why, and not taken again.
      await this.deliveries.recordRefusedDelivery(trigger.id, delivery, reasonOf(error));
      return 'ack';
    }
    await this.deliveries.takeFiring(trigger.id);
    return 'ack';
  }
}
