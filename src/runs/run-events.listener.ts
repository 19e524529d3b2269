import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { RUN_EVENTS_CHANNEL } from '../../workers/contracts/index.js';
import { BATON_CONFIG, type RuntimeConfig } from '../config/runtime-config.js';

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
    client.on('notification', (message) => {
      for (const onEvents of this.subscribers.get(message.payload ?? '') ?? []) onEvents();
    });
    client.on('error', (error) => {
      this.logger.warn(`Run event notifications lost (${error.message}); reconnecting`);
      void client.end().catch(() => undefined);
      if (!this.stopped) setTimeout(() => void this.connect().catch(() => undefined), 1_000);
      // Streams poll on their heartbeat meanwhile, so nothing is missed for long.
      for (const set of this.subscribers.values()) for (const onEvents of set) onEvents();
    });
    await client.connect();
    await client.query(`LISTEN ${RUN_EVENTS_CHANNEL}`);
    this.client = client;
  }
}
