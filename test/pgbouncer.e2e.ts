/**
 * PgBouncer: workers may reach PostgreSQL through a transaction-mode pool (they hold no session
 * state); the API and migrations need sessions (advisory locks, LISTEN), so they refuse such a pool
 * at start, naming it, and run on a session-mode one.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { keepsSessions } from '../src/runtime/database/session-check.js';
import { newPipeline, runToEnd, stepOf, uniqueName } from './support/builders.js';
import { ownInstallation } from './support/own-installation.js';
import { startPgBouncer, type PgBouncer } from './support/pgbouncer.js';
import { freePort, spawnBaton, waitForHttp } from './support/processes.js';

describe('PgBouncer', () => {
  // The API on PostgreSQL itself; the workers this file starts go through a pool.
  const stack = ownInstallation('bouncer', { worker: false });
  let transaction: PgBouncer;
  let session: PgBouncer;
  const through = (bouncer: PgBouncer) => {
    const url = new URL(bouncer.url);
    url.pathname = new URL(stack.databaseUrl).pathname;
    return url.toString();
  };

  beforeAll(async () => {
    [transaction, session] = await Promise.all([
      startPgBouncer(inject('databaseUrl'), 'transaction'),
      startPgBouncer(inject('databaseUrl'), 'session'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([transaction?.stop(), session?.stop()]);
  });

  it('tells a transaction-mode pool from PostgreSQL itself and from a session-mode pool', async () => {
    expect(await keepsSessions(stack.databaseUrl)).toBe(true);
    expect(await keepsSessions(through(session))).toBe(true);
    expect(await keepsSessions(through(transaction))).toBe(false);
  });

  it('refuses to start the API or migrate through a transaction-mode pool, saying why and what to do', () => {
    for (const command of ['api', 'migrate']) {
      const started = spawnSync(process.execPath, ['bin/baton.js', command], {
        env: { ...process.env, ...stack.env, DATABASE_URL: through(transaction), PORT: '0' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(started.status, `${command}: ${started.stdout}${started.stderr}`).not.toBe(0);
      expect(started.stdout + started.stderr).toMatch(
        /DATABASE_URL: reaches PostgreSQL through a transaction-mode pool.*session-mode pool/,
      );
    }
  });

  it('runs a pipeline on a worker whose database connections go through a transaction-mode pool', { timeout: 120_000 }, async () => {
    stack.processes.push(spawnBaton('worker', { ...stack.env, DATABASE_URL: through(transaction) }));
    const run = await runToEnd(
      stack.tenant,
      newPipeline(uniqueName('pooled'), {
        first: { uses: 'core/echo@^1', with: { n: 1 } },
        each: { uses: 'core/echo@^1', needs: ['first'], forEach: [1, 2, 3, 4, 5, 6], with: { item: '${{ item }}' } },
        last: { uses: 'core/echo@^1', needs: ['each'], with: { done: true } },
      }),
      {},
      90_000,
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(stepOf(run, 'each').items).toMatchObject({ succeeded: 6 });
    expect(stepOf(run, 'last').outputs).toEqual({ done: true });
  });

  it('starts an API replica on a session-mode pool', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const api = spawnBaton('api', { ...stack.env, DATABASE_URL: through(session), PORT: String(port) });
    stack.processes.push(api);
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 60_000, () => api.child.exitCode === null).catch((error: Error) => {
      throw new Error(`${error.message}\n${api.output()}`);
    });
    await stack.tenant.get('/v1/pipelines?limit=1').expect(200);
  });
});
