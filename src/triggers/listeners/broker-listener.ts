import type { BrokerAddresses } from '../broker-addresses.js';
import type { BrokerTriggerRow, ListenerState } from '../triggers.repository.js';
import { consumeAmqp } from './amqp-connection.js';
import type { BrokerConnection, ConsumeOptions, MessageHandler } from './broker-connection.js';
import { consumeNats } from './nats-connection.js';

const OPEN = { amqp: consumeAmqp, nats: consumeNats };
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;

export interface ListenerDeps {
  addresses: BrokerAddresses;
  handle: (triggerId: string) => MessageHandler;
  report: (triggerId: string, state: ListenerState, error: string | null) => Promise<void>;
  log: (message: string) => void;
  retryDelayMs: number;
}

/**
 * One broker trigger's consumer: connects (reading its secret and vetting the address each time),
 * consumes until the connection ends, and connects again after a growing pause (1 s doubling to a
 * minute), saying each time how it is (`GET /v1/triggers/{id}` shows it).
 */
export class BrokerListener {
  readonly done: Promise<void>;
  private stopped = false;
  private connection: BrokerConnection | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly trigger: BrokerTriggerRow,
    private readonly deps: ListenerDeps,
  ) {
    this.done = this.run();
  }

  /** Stops taking messages, lets those in hand be recorded, disconnects and says `stopped`. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.connection?.close();
    await this.done;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      // Retrying keeps the error shown, and since when it has been so.
      if (failures === 0) await this.report('connecting', null);
      const { error, connected } = await this.session();
      if (this.stopped) break;
      failures = connected ? 1 : failures + 1;
      await this.report('error', error ?? 'The connection ended');
      this.deps.log(`Trigger ${this.trigger.id} lost its broker (${error}); connecting again`);
      await this.pause(Math.min(FIRST_BACKOFF_MS * 2 ** (failures - 1), MAX_BACKOFF_MS));
    }
    await this.report('stopped', null);
  }

  /** One connection, from connecting to its end: why it ended (undefined when stopped) and whether it had connected. */
  private async session(): Promise<{ error?: string; connected: boolean }> {
    const { id, tenantId, type, broker, createdAt } = this.trigger;
    const target = await this.deps.addresses
      .resolve(tenantId, type, broker.connectionSecret)
      .catch((error: Error) => ({ error: error.message }));
    if ('error' in target) return { error: target.error, connected: false };
    const options: ConsumeOptions = {
      triggerId: id,
      createdAt,
      target,
      broker,
      handle: this.deps.handle(id),
      retryDelayMs: this.deps.retryDelayMs,
    };
    try {
      this.connection = await OPEN[type](options);
    } catch (error) {
      return { error: target.hide(describe(error)), connected: false };
    }
    if (this.stopped) {
      await this.connection.close();
      return { connected: true };
    }
    await this.report('connected', null);
    const ended = await this.connection.ended;
    this.connection = undefined;
    return { error: ended && target.hide(describe(ended)), connected: true };
  }

  private report(state: ListenerState, error: string | null): Promise<void> {
    return this.deps
      .report(this.trigger.id, state, error)
      .catch((failure: Error) => this.deps.log(`Trigger ${this.trigger.id}: ${failure.message}`));
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** A client library's error as one line: some (connection refused to every address) have no message of their own. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const inner = error instanceof AggregateError ? error.errors.map(describe).join('; ') : '';
  return error.message || inner || code || error.name;
}
