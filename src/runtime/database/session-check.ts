import pg from 'pg';

/** How long the check waits for a pool to give its second connection a session. */
const WAIT_MS = 3_000;

/**
 * Whether connections to `url` each keep one PostgreSQL session from one transaction to the next, as
 * a direct connection or a session-mode pool does. A transaction-mode pool (PgBouncer's
 * `pool_mode = transaction`, and poolers like it) gives each transaction whichever server session is
 * free, and the API needs sessions: its leader-only jobs and the migrations hold session advisory
 * locks, and live run events come by LISTEN.
 *
 * Two connections each open a transaction, so that they hold two sessions; both end, in one order
 * and then the other, and each asks for its session's id again. A pool hands the released sessions
 * out again first-in-first-out or last-in-first-out: in one of the two orders, a connection gets the
 * other's. A pool with a single session makes the second connection wait for the first, which a
 * direct connection never does.
 */
export async function keepsSessions(url: string): Promise<boolean> {
  const clients = [0, 1].map(() => new pg.Client({ connectionString: url, query_timeout: WAIT_MS }));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const [a, b] = clients;
    const session = async (c: pg.Client) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      await a.query('BEGIN');
      const first = await session(a);
      let second: number;
      try {
        await b.query('BEGIN');
        second = await session(b);
      } catch (error) {
        if (/timeout/i.test((error as Error).message)) return false;
        throw error;
      }
      for (const c of order) await c.query('COMMIT');
      if ((await session(a)) !== first || (await session(b)) !== second) return false;
    }
    return true;
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}
