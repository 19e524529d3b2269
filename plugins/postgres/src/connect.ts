import pg from 'pg';
import { StepError, type StepNet } from '../../sdk/src/index.js';
import { isTransient } from './sql.js';

/**
 * A connection for one step: closed when the work is done and, on cancel, at once (the query in
 * flight then fails and the step ends). Database errors become StepErrors that say whether a retry
 * can help, with the SQLSTATE as their code. The socket is the worker's (`ctx.net`): the step process
 * has no network, and reaches only the endpoints the tenant approved for this plugin.
 */
export async function withConnection<T>(
  connectionString: string,
  ctx: { net: StepNet; signal: AbortSignal },
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const { signal } = ctx;
  const client = new pg.Client({ connectionString, application_name: 'baton-step', stream: () => ctx.net.socket() });
  const abort = () => void client.end().catch(() => undefined);
  signal.addEventListener('abort', abort, { once: true });
  try {
    await client.connect();
    return await work(client);
  } catch (error) {
    throw asStepError(error);
  } finally {
    signal.removeEventListener('abort', abort);
    await client.end().catch(() => undefined);
  }
}

function asStepError(error: unknown): unknown {
  if (error instanceof StepError) return error;
  const { code, message, relayCode } = error as { code?: string; message?: string; relayCode?: string };
  // The worker refused the endpoint (not approved for this plugin, or a forbidden address): a retry cannot help.
  if (relayCode === 'network_denied')
    return new StepError(`PostgreSQL connection refused by the sandbox: ${message}`, { retryable: false, code: 'network_denied' });
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))
    return new StepError(`PostgreSQL: ${message}`, { retryable: isTransient(code), code: `pg_${code}` });
  // No SQLSTATE: the network or the server went away before answering.
  return new StepError(`PostgreSQL connection failed: ${message ?? String(error)}`, { retryable: true, code: 'pg_connection' });
}
