import { isStepError, StepError } from '../../sdk/src/index.js';

/**
 * Server errors worth another attempt: too many connections (1040, 1203), lock wait timeout (1205),
 * deadlock (1213, 1614), server shutting down (1053), out of memory or threads (1037, 1038, 1041,
 * 1135), too many transactions (1637), network trouble seen by the server (1158-1161), a connection
 * killed by an administrator (1927) or timed out for inactivity (4031).
 */
const TRANSIENT_ERRNOS = new Set([1037, 1038, 1040, 1041, 1053, 1135, 1158, 1159, 1160, 1161, 1203, 1205, 1213, 1614, 1637, 1927, 4031]);

/** A server error by its number and SQLSTATE: the numbers above, and SQLSTATE classes 08 (connection) and 40 (rollback). */
export const isTransient = (errno: number, sqlState?: string) => TRANSIENT_ERRNOS.has(errno) || /^(08|40)/.test(sqlState ?? '');

interface DriverError {
  message?: string;
  /** The server's error number (positive) or, on a system error, a negative errno. */
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  /** mysql2's name of the error (`ER_PARSE_ERROR`), or a client one (`PROTOCOL_CONNECTION_LOST`, `ECONNRESET`). */
  code?: string;
  /** Set by the worker's relay when it refused or lost the connection. */
  relayCode?: string;
}

/**
 * A driver error as a StepError that says whether a retry can help: `mysql_<errno>` for what the
 * server answered, `network_denied` when the sandbox refused the endpoint, `mysql_connection` when
 * the connection failed or went away before an answer. Messages are the server's and the relay's,
 * which never hold the connection URL.
 */
export function asStepError(error: unknown): unknown {
  if (isStepError(error)) return error;
  const { message, errno, sqlState, sqlMessage, code, relayCode } = (error ?? {}) as DriverError;
  if (relayCode === 'network_denied')
    return new StepError(`MySQL connection refused by the sandbox: ${message}`, { retryable: false, code: 'network_denied' });
  if (typeof errno === 'number' && errno > 0 && typeof sqlMessage === 'string') {
    const name = code ? ` (${code})` : '';
    return new StepError(`MySQL error ${errno}${name}: ${sqlMessage}`, { retryable: isTransient(errno, sqlState), code: `mysql_${errno}` });
  }
  // A client error that is not the network's (an authentication method the driver lacks, say) fails the same way again.
  if (typeof code === 'string' && !/^(E[A-Z]+$|PROTOCOL_)/.test(code))
    return new StepError(`MySQL client error ${code}: ${message}`, { retryable: false, code: 'mysql_client' });
  return new StepError(`MySQL connection failed: ${message ?? String(error)}`, { retryable: true, code: 'mysql_connection' });
}
