import { describe, expect, it } from 'vitest';
import { asStepError, isTransient } from './errors.js';

/** An error shaped as mysql2 makes one from a server's error packet. */
const serverError = (errno: number, code: string, sqlState: string, message: string) =>
  Object.assign(new Error(message), { errno, code, sqlState, sqlMessage: message });

describe('mysql error mapping', () => {
  it('retries deadlocks, lock wait timeouts, too many connections and connection trouble only', () => {
    expect([1213, 1205, 1040, 1203, 1053, 1927].map((errno) => isTransient(errno, 'HY000'))).toEqual([true, true, true, true, true, true]);
    expect(isTransient(9999, '08S01')).toBe(true);
    expect(isTransient(9999, '40001')).toBe(true);
    expect([1064, 1146, 1062, 1045, 1054, 1317].map((errno) => isTransient(errno, '42000'))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('names what the server said with its error number, retryable or not', () => {
    expect(asStepError(serverError(1213, 'ER_LOCK_DEADLOCK', '40001', 'Deadlock found when trying to get lock'))).toMatchObject({
      name: 'StepError',
      retryable: true,
      code: 'mysql_1213',
      message: 'MySQL error 1213 (ER_LOCK_DEADLOCK): Deadlock found when trying to get lock',
    });
    for (const [errno, code] of [
      [1064, 'ER_PARSE_ERROR'],
      [1146, 'ER_NO_SUCH_TABLE'],
      [1062, 'ER_DUP_ENTRY'],
      [1045, 'ER_ACCESS_DENIED_ERROR'],
    ] as const) {
      expect(asStepError(serverError(errno, code, '42000', 'no'))).toMatchObject({ retryable: false, code: `mysql_${errno}` });
    }
    // "Too many connections" may come before the handshake, without a SQLSTATE.
    expect(asStepError(serverError(1040, 'ER_CON_COUNT_ERROR', '', 'Too many connections'))).toMatchObject({
      retryable: true,
      code: 'mysql_1040',
    });
  });

  it('fails for good when the sandbox refuses the endpoint, and retries a connection that failed or went away', () => {
    const refused = Object.assign(new Error('127.0.0.1:3306 is not an endpoint this tenant approved'), {
      code: 'EACCES',
      relayCode: 'network_denied',
    });
    expect(asStepError(refused)).toMatchObject({
      retryable: false,
      code: 'network_denied',
      message: expect.stringContaining('refused by the sandbox'),
    });
    for (const code of ['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'ETIMEDOUT', undefined]) {
      // A system error carries a negative errno: not the server's.
      const error = Object.assign(new Error('gone'), { code, errno: -104 });
      expect(asStepError(error)).toMatchObject({ retryable: true, code: 'mysql_connection' });
    }
    expect(asStepError(Object.assign(new Error('unknown plugin'), { code: 'AUTH_SWITCH_PLUGIN_ERROR' }))).toMatchObject({
      retryable: false,
      code: 'mysql_client',
    });
  });
});
