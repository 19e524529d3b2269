import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RUN_EVENTS_CHANNEL } from '../workers/contracts/index.js';
import { RunEventsListener } from '../src/runs/run-events.listener.js';
import { until } from './support/builders.js';

/** A TCP proxy to PostgreSQL that the test can cut (every connection dropped, new ones refused) and restore. */
async function cuttableProxy(
  target: URL,
): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((incoming) => {
        const outgoing = connect(Number(target.port || 5432), target.hostname);
        for (const socket of [incoming, outgoing]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        incoming.pipe(outgoing).pipe(incoming);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (server) server.close(() => resolve());
      else resolve();
      server = undefined;
    });
  await listen();
  const url = new URL(target.toString());
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return { url: url.toString(), cut: stop, restore: listen, close: stop };
}

/**
 * The API's LISTEN connection for live run events comes back however long PostgreSQL stays away:
 * it reconnected once, a second after the loss, and gave up for good if PostgreSQL was not back yet
 * (live streams then waited for their heartbeat poll for every event, until the API restarted).
 */
describe(RunEventsListener.name, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('listens again once PostgreSQL is back after an outage longer than its first retry', async () => {
    const proxy = await cuttableProxy(new URL(inject('databaseUrl')));
    cleanups.push(proxy.close);
    const listener = new RunEventsListener({ databaseUrl: proxy.url });
    await listener.onModuleInit();
    cleanups.push(() => listener.onApplicationShutdown());
    const runId = 'listener-test-run';
    let calls = 0;
    listener.subscribe(runId, () => (calls += 1));

    const notifier = new pg.Client({ connectionString: inject('databaseUrl') });
    await notifier.connect();
    cleanups.push(() => notifier.end());
    const notified = async () => {
      const before = calls;
      await notifier.query('SELECT pg_notify($1, $2)', [RUN_EVENTS_CHANNEL, runId]);
      await new Promise((r) => setTimeout(r, 200));
      return calls > before;
    };
    expect(await notified()).toBe(true);

    await proxy.cut();
    // Longer than the first retry and the next: each attempt is refused meanwhile.
    await new Promise((r) => setTimeout(r, 3_000));
    await proxy.restore();
    await until(notified, 30_000);
  });
});
