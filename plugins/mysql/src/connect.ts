import mysql from 'mysql2';
import { StepError, type StepNet } from '../../sdk/src/index.js';
import { asStepError } from './errors.js';
import { type BoundValue } from './sql.js';

/** What the input schemas accept; parseConnection checks the rest when the step runs. */
export const CONNECTION_URL = /^(mysql|mariadb):\/\//;

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
}

/**
 * `mysql://user:password@host:3306/database` (or `mariadb://`) → its parts. Nothing of the URL
 * goes into the messages: it is a secret, and a malformed one may still hold the password.
 */
export function parseConnection(url: string): MysqlTarget {
  const invalid = (why: string) => new StepError(`The connection ${why}`, { retryable: false, code: 'invalid_connection' });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('is not a URL: write mysql://user:password@host:3306/database');
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') throw invalid('must be a mysql:// or mariadb:// URL');
  // Options such as TLS are not supported yet: refusing them beats connecting in a way the URL did not ask for.
  if (parsed.search) throw invalid('takes no ?options (TLS is not supported yet)');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw invalid('names no host');
  try {
    return {
      host,
      port: parsed.port ? Number(parsed.port) : 3306,
      user: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      database: decodeURIComponent(parsed.pathname.slice(1)) || undefined,
    };
  } catch {
    throw invalid('has a malformed %-escape in its user, password or database');
  }
}

export interface StatementResult {
  /** Rows of the first result set, at most `maxRows` of them. */
  rows: Array<Record<string, unknown>>;
  /** How many rows the statement returned, kept or not. */
  rowsSeen: number;
  fields: string[];
  /** The server's OK packet, for a statement that returns no rows. */
  header?: { affectedRows: number; insertId: number | string };
}

export interface MysqlSession {
  /** One statement: with `values` a server-side prepared statement (`?` bound), without them plain text. */
  run(sql: string, values?: BoundValue[], maxRows?: number): Promise<StatementResult>;
}

/**
 * A connection for one step, through the worker's relay (`ctx.net`): the step process has no
 * network, and reaches only the endpoints the tenant approved for this plugin. Closed when the work
 * is done and, on cancel, at once; then a second connection asks the server to stop the statement
 * (`KILL QUERY`), which otherwise runs on after its client is gone. Driver errors become StepErrors.
 */
export async function withConnection<T>(
  url: string,
  ctx: { net: StepNet; signal: AbortSignal },
  work: (session: MysqlSession) => Promise<T>,
): Promise<T> {
  const target = parseConnection(url);
  const { signal } = ctx;
  if (signal.aborted) throw cancelledError();
  const connection = open(target, ctx.net);
  let killing: Promise<void> | undefined;
  let onAbort = () => {};
  // mysql2 settles nothing once its socket is closed on purpose: the step stops waiting here instead.
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(cancelledError());
      const thread = connection.threadId;
      closeNow(connection);
      if (Number.isSafeInteger(thread)) killing = killQuery(target, thread, ctx.net);
    };
  });
  aborted.catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([ready(connection), aborted]);
    return await Promise.race([work({ run: (sql, values, maxRows) => run(connection, sql, values, maxRows) }), aborted]);
  } catch (error) {
    throw asStepError(error);
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (killing) await killing;
    // COM_QUIT, so that the server does not count an aborted connection; the worker closes the socket when the step ends.
    else connection.end();
  }
}

const cancelledError = () => new StepError('The step was cancelled', { retryable: false, code: 'cancelled' });

function open(target: MysqlTarget, net: StepNet): mysql.Connection {
  const connection = mysql.createConnection({
    ...target,
    stream: () => net.connect({ host: target.host, port: target.port }),
    // Values as the server has them: BIGINTs beyond 2^53 and DECIMALs as strings, dates as written.
    supportBigNumbers: true,
    dateStrings: true,
    // The driver never splices values into SQL text: parameters are bound by the server.
    queryFormat: (sql: string) => sql,
    // Row parsers built without eval: a server the tenant controls names the columns.
    disableEval: true,
    // The step process has no files to send, and says so before a server asks for one.
    flags: ['-LOCAL_FILES'],
    connectAttributes: { program_name: 'baton-step' },
  });
  // Errors reach the statement that is waiting; one with nothing waiting (the server closing an idle connection) is no crash.
  connection.on('error', () => undefined);
  return connection;
}

function ready(connection: mysql.Connection): Promise<void> {
  return new Promise((resolve, reject) => connection.connect((error) => (error ? reject(error) : resolve())));
}

function closeNow(connection: mysql.Connection): void {
  connection.destroy();
  (connection as unknown as { stream?: { destroy(): void } }).stream?.destroy();
}

/** Best effort within the sandbox's grace period: the step ends either way, the statement may run on. */
async function killQuery(target: MysqlTarget, thread: number, net: StepNet): Promise<void> {
  const killer = open(target, net);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready(killer).then(() => run(killer, `KILL QUERY ${thread}`)),
      new Promise((resolve) => (timer = setTimeout(resolve, 1_500))),
    ]);
  } catch {
    // The server may have ended the statement already, or be out of reach.
  } finally {
    clearTimeout(timer);
    closeNow(killer);
  }
}

/**
 * Runs a statement and keeps at most `maxRows` rows, counting the rest as they stream past, so
 * that a huge result costs time, not memory. The driver reports a lost connection on the
 * connection, not on a statement that listens by events: both are listened to.
 */
function run(connection: mysql.Connection, sql: string, values?: BoundValue[], maxRows = 0): Promise<StatementResult> {
  return new Promise((resolve, reject) => {
    const result: StatementResult = { rows: [], rowsSeen: 0, fields: [] };
    let resultSet = -1;
    let isHeader = false;
    const onConnectionError = (error: Error) => reject(error);
    connection.once('error', onConnectionError);
    const command = values?.length ? connection.execute(sql, values) : connection.query(sql);
    command
      .on('fields', (fields?: Array<{ name: string }>) => {
        isHeader = fields === undefined;
        if (fields && ++resultSet === 0) result.fields = fields.map((f) => f.name);
      })
      .on('result', (row: unknown) => {
        if (isHeader) {
          const { affectedRows, insertId } = row as { affectedRows: number; insertId: number | string };
          result.header = { affectedRows, insertId };
        } else if (resultSet === 0 && ++result.rowsSeen <= maxRows) {
          result.rows.push(row as Record<string, unknown>);
        }
      })
      .on('error', (error: Error) => {
        connection.off('error', onConnectionError);
        reject(error);
      })
      .on('end', () => {
        connection.off('error', onConnectionError);
        resolve(result);
      });
  });
}
