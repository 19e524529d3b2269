import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { parseDuration } from '../../workers/contracts/duration.js';
import { LeaderJobs } from '../database/leader-jobs.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';
import { BrokerAddresses } from './broker-addresses.js';
import { BrokerDeliveriesService } from './broker-deliveries.service.js';
import { BrokerListener, type ListenerDeps } from './listeners/broker-listener.js';
import { TriggersRepository, type BrokerTriggerRow } from './triggers.repository.js';

/** How long a message that could not be recorded (the database or the engine down) waits before it comes again. */
const RETRY_DELAY_MS = 5_000;

/** What a listener consumes: a change of it (a PATCH) restarts the listener. */
const keyOf = (t: BrokerTriggerRow) => JSON.stringify([t.type, t.broker]);

/**
 * The broker triggers' listeners, all on the one replica that holds the job's leader lock for as
 * long as it runs: one consumer per trigger across replicas. Every TRIGGER_POLL_INTERVAL it makes
 * them match the triggers (started when one is made or enabled, stopped when it is disabled or
 * deleted, restarted when what it consumes changes). A replica that dies loses the lock with its
 * database session, and another takes the listeners over at its next tick.
 */
@Injectable()
export class BrokerListenersJob implements OnApplicationBootstrap {
  static readonly JOB = 'broker-trigger-listeners';
  private readonly logger = new Logger(BrokerListenersJob.name);
  private readonly deps: ListenerDeps;

  constructor(
    private readonly triggers: TriggersRepository,
    private readonly jobs: LeaderJobs,
    addresses: BrokerAddresses,
    deliveries: BrokerDeliveriesService,
    @Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'TRIGGER_POLL_INTERVAL'>,
  ) {
    this.deps = {
      addresses,
      handle: (triggerId) => (message) => deliveries.receive(triggerId, message),
      report: (triggerId, state, error) => triggers.setListenerState(triggerId, state, error),
      log: (message) => this.logger.warn(message),
      retryDelayMs: RETRY_DELAY_MS,
    };
  }

  onApplicationBootstrap(): void {
    this.jobs.every(BrokerListenersJob.JOB, parseDuration(this.config.TRIGGER_POLL_INTERVAL)!, (held) => this.listen(held));
  }

  /** Keeps the listeners matching the triggers until the lock is lost or the API stops. */
  private async listen(held: AbortSignal): Promise<void> {
    const listeners = new Map<string, { key: string; listener: BrokerListener }>();
    const everyMs = parseDuration(this.config.TRIGGER_POLL_INTERVAL)!;
    try {
      while (!held.aborted) {
        await this.reconcile(listeners).catch((error: Error) => this.logger.error(`Broker listeners: ${error.message}`));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, everyMs);
          function done() {
            clearTimeout(timer);
            held.removeEventListener('abort', done);
            resolve();
          }
          held.addEventListener('abort', done);
        });
      }
    } finally {
      await Promise.all([...listeners.values()].map(({ listener }) => listener.stop()));
    }
  }

  private async reconcile(listeners: Map<string, { key: string; listener: BrokerListener }>): Promise<void> {
    const wanted = new Map((await this.triggers.listBroker()).filter((t) => t.enabled).map((t) => [t.id, t]));
    const stopping: Array<Promise<void>> = [];
    for (const [id, running] of listeners) {
      const trigger = wanted.get(id);
      if (trigger && keyOf(trigger) === running.key) continue;
      listeners.delete(id);
      stopping.push(running.listener.stop());
    }
    await Promise.all(stopping);
    for (const [id, trigger] of wanted)
      if (!listeners.has(id)) listeners.set(id, { key: keyOf(trigger), listener: new BrokerListener(trigger, this.deps) });
  }
}
