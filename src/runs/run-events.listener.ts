import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { RUN_EVENTS_CHANNEL } from '../../workers/contracts/index.js';
import { BATON_CONFIG, type RuntimeConfig } from '../runtime/config/runtime-config.js';

const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 10_000;

/**
 * One PostgreSQL connection per API process that LISTENs for "run X has new events" (the worker
 * NOTIFYs when it appends them) and tells this process's live event streams of run X.
 */
@Injectable()
export class RunEventsListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RunEventsListener.name);
  private readonly subscribers = new Map<string, Set<() => void>>();
  private client?: pg.Client;
  private stopped = false;

  constructor(@Inject(BATON_CONFIG) private readonly config: Pick<RuntimeConfig, 'databaseUrl'>) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }

  /** Calls `onEvents` whenever run `runId` has new events; returns the unsubscribe. */
  subscribe(runId: string, onEvents: () => void): () => void {
    const set = this.subscribers.get(runId) ?? new Set();
    set.add(onEvents);
    this.subscribers.set(runId, set);
    return () => {
      set.delete(onEvents);
      if (!set.size) this.subscribers.delete(runId);
    };
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.databaseUrl });
    let connected = false;
    client.on('notification', (message) => {
      for (const onEvents of this.subscribers.get(message.payload ?? '') ?? []) onEvents();
    });
    client.on('error', (error) => {
      // Before it connected, connect() rejects instead; once lost, a client is given up once.
      if (!connected) return;
      connected = false;
      this.logger.warn(`Run event notifications lost (${error.message}); reconnecting`);
      void client.end().catch(() => undefined);
      this.reconnect(RECONNECT_FIRST_MS);
      // Streams poll on their heartbeat meanwhile, so nothing is missed for long.
      this.notifyAll();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${RUN_EVENTS_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    connected = true;
    this.client = client;
  }

  /** Tries again until PostgreSQL is back (it may be down far longer than one attempt's wait). */
  private reconnect(delayMs: number): void {
    if (this.stopped) return;
    setTimeout(() => {
      this.connect().then(
        () => {
          this.logger.log('Run event notifications restored');
          // What was appended while the connection was down is fetched now, not at the next heartbeat.
          this.notifyAll();
        },
        () => this.reconnect(Math.min(delayMs * 2, RECONNECT_MAX_MS)),
      );
    }, delayMs).unref();
  }

  private notifyAll(): void {
    for (const set of this.subscribers.values()) for (const onEvents of set) onEvents();
  }
}
