import type { BrokerTarget } from '../broker-addresses.js';
import type { BrokerConfig } from '../triggers.repository.js';

/** One message as a broker trigger's mapping and deduplication see it. */
export interface BrokerMessage {
  /** The message's id, what a redelivered copy is known by; null when it has none. */
  id: string | null;
  body: Buffer;
  headers: Record<string, unknown>;
  /** Where it came from (`subject`, or `exchange` and `routingKey`), for the mapping as `message`. */
  message: Record<string, unknown>;
}

/** `ack`: recorded (a run, a refusal, a copy seen before); `retry`: not recorded, to come again later. */
export type Verdict = 'ack' | 'retry';
export type MessageHandler = (message: BrokerMessage) => Promise<Verdict>;

/** A listener's connection to its broker, consuming. */
export interface BrokerConnection {
  /** Settles when the connection ends: with why, or undefined when `close` ended it. */
  readonly ended: Promise<Error | undefined>;
  /** Stops taking messages, waits for those in hand to be recorded (a while at most), and disconnects. */
  close(): Promise<void>;
}

export interface ConsumeOptions {
  triggerId: string;
  createdAt: Date;
  target: BrokerTarget;
  broker: BrokerConfig;
  handle: MessageHandler;
  /** How long a message that could not be recorded waits before it is offered again. */
  retryDelayMs: number;
}

export const CONNECT_TIMEOUT_MS = 10_000;
/** How long closing waits for messages in hand to be recorded before it disconnects (they come again). */
const DRAIN_MS = 10_000;

/** Messages in hand: what closing waits for. */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();
  private waiters: Array<() => void> = [];

  track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    void work
      .finally(() => {
        this.running.delete(work);
        const waiters = this.waiters;
        this.waiters = [];
        for (const wake of waiters) wake();
      })
      .catch(() => undefined);
    return work;
  }

  /** Resolves once fewer than `max` messages are in hand: what bounds a listener's work. */
  async below(max: number): Promise<void> {
    while (this.running.size >= max) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async drain(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((resolve) => (timer = setTimeout(resolve, DRAIN_MS)));
    await Promise.race([Promise.allSettled([...this.running]), timeout]);
    clearTimeout(timer);
  }
}

/** A header value as JSON: bytes as UTF-8 text, a timestamp as the `{ '!': 'timestamp', value: seconds }` mappings have always seen, the rest as it is. */
export function headerValue(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (value instanceof Date) return { '!': 'timestamp', value: value.getTime() / 1000 };
  if (Array.isArray(value)) return value.map(headerValue);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, headerValue(v)]));
  return value;
}

/** The host part of an address in a URL or a server list: IPv6 in brackets. */
export const hostPart = (address: string) => (address.includes(':') ? `[${address}]` : address);
