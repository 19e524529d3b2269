import { Logger } from '@nestjs/common';
import { startDraining } from './runtime/health/draining.js';

const logger = new Logger('baton');
type Stop = () => Promise<void>;

/**
 * Stops what was started, newest first, once, on SIGINT/SIGTERM or a failed start. A signal first
 * marks the process draining (/readyz answers 503); under `up` the worker, newest, drains its
 * steps before the API behind it stops, and the exit waits for all of it.
 */
export class Lifecycle {
  private readonly stops: Array<{ name: string; stop: Stop }> = [];
  private stopping?: Promise<void>;

  add(name: string, stop: Stop): void {
    // Something that finished starting after shutdown began is stopped at once, never orphaned.
    if (this.stopping) void stop().catch((error: Error) => logger.error(`Stopping ${name} failed: ${error.message}`));
    else this.stops.push({ name, stop });
  }

  onSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        logger.log(`${signal}: stopping`);
        startDraining();
        void this.stopAll().then(() => process.exit(0));
      });
    }
  }

  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { name, stop } of this.stops.reverse()) {
        await stop().catch((error: Error) => logger.error(`Stopping ${name} failed: ${error.message}`));
      }
    })();
    return this.stopping;
  }
}
