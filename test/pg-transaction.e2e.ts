import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { inTransaction } from '../src/runtime/database/pg-transaction.js';

/**
 * The worker's transactions survive their connection dying mid-transaction (PostgreSQL restarted,
 * or an operator's pg_terminate_backend): the transaction fails, the worker does not. A checked-out
 * client's unheard 'error' event ended the whole worker process, with every step it ran.
 */
describe(inTransaction.name, () => {
  const pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
  pool.on('error', () => undefined);
  afterAll(() => pool.end());

  it('fails the transaction whose connection was terminated, and the pool serves the next one', async () => {
    const killer = new pg.Client({ connectionString: inject('databaseUrl') });
    await killer.connect();
    try {
      const failed = await inTransaction(pool, async (client) => {
        const {
          rows: [{ pid }],
        } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await killer.query('SELECT pg_terminate_backend($1)', [pid]);
        // The connection ends while this transaction holds it, between two queries.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await client.query('SELECT 1');
      }).catch((error: Error) => error);
      expect(failed).toBeInstanceOf(Error);
      expect(await inTransaction(pool, async (client) => (await client.query<{ ok: number }>('SELECT 1 AS ok')).rows[0].ok)).toBe(1);
    } finally {
      await killer.end();
    }
  });
});
