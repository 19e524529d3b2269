import { AbstractConnector, Redis } from 'ioredis';
import { isStepError, StepError, type StepNet } from '../../sdk/src/index.js';
import { parseConnection } from './connection.js';

/**
 * Replies worth another attempt: a server loading its dataset, busy with a script, a cluster
 * resharding or failing over, a replica that lost its master. Others (WRONGPASS, NOAUTH, WRONGTYPE,
 * ERR…) fail the same way again.
 */
const TRANSIENT_REPLIES = new Set(['LOADING', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN', 'MOVED', 'ASK']);

/**
 * A client error as a StepError: `redis_<prefix>` (`redis_wrongpass`, `redis_wrongtype`) for what
 * the server answered, `network_denied` when the sandbox refused the endpoint, `reply_too_large`
 * past `maxBytes`, `redis_connection` when the connection failed or went away. The messages are
 * the server's and the relay's, never the connection URL.
 */
export function asStepError(error: unknown): StepError {
  if (isStepError(error)) return error;
  const { message = String(error), name, relayCode } = (error ?? {}) as { message?: string; name?: string; relayCode?: string };
  if (relayCode === 'network_denied')
    return new StepError(`Redis connection refused by the sandbox: ${message}`, { retryable: false, code: 'network_denied' });
  if (name === 'ReplyError') {
    const prefix = /^[A-Z]+/.exec(message)?.[0] ?? 'ERR';
    return new StepError(`Redis error: ${message}`, { retryable: TRANSIENT_REPLIES.has(prefix), code: `redis_${prefix.toLowerCase()}` });
  }
  return new StepError(`Redis connection failed: ${message}`, { retryable: true, code: 'redis_connection' });
}

/**
 * One connection for one step, through the worker's relay (`ctx.net`): ioredis takes a Connector
 * that hands it the stream, so it never opens a socket itself. Whatever the server sends past
 * `maxBytes` ends the connection (a reply announced as 512 MiB is read as it comes, not held).
 * On cancel the connection is dropped at once. No reconnects, no retries.
 */
export async function withRedis<T>(
  url: string,
  ctx: { net: StepNet; signal: AbortSignal },
  maxBytes: number,
  work: (redis: Redis) => Promise<T>,
): Promise<T> {
  const target = parseConnection(url);
  const { signal } = ctx;
  if (signal.aborted) throw cancelledError();
  let failure: StepError | undefined;
  let streamError: Error | undefined;
  const net = ctx.net;
  class RelayConnector extends AbstractConnector {
    constructor(options: unknown) {
      super((options as { disconnectTimeout?: number }).disconnectTimeout ?? 2_000);
    }

    connect() {
      this.connecting = true;
      const stream = net.connect({ host: target.host, port: target.port });
      let received = 0;
      // ioredis reports a lost stream as "Connection is closed": the stream's own error says why (network_denied…).
      stream.once('error', (error) => (streamError ??= error));
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received <= maxBytes) return;
        failure ??= new StepError(`The server sent more than ${maxBytes} bytes (maxBytes)`, { retryable: false, code: 'reply_too_large' });
        stream.destroy(failure);
      });
      this.stream = stream as unknown as typeof this.stream;
      return Promise.resolve(this.stream);
    }
  }
  const redis = new Redis({
    ...target,
    Connector: RelayConnector,
    lazyConnect: true,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    connectionName: 'baton-step',
  });
  // A refused AUTH or SELECT comes as an event, the connection closing after it: the event says why.
  redis.on('error', (error: Error) => {
    if (error.name === 'ReplyError') failure ??= asStepError(error);
  });
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      failure ??= cancelledError();
      reject(failure);
      redis.disconnect();
    };
  });
  aborted.catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([redis.connect(), aborted]);
    const result = await Promise.race([work(redis), aborted]);
    // Replies that say only "Connection is closed" when the server refused AUTH: the refusal is the failure.
    if (failure) throw failure;
    await redis.quit().catch(() => undefined);
    return result;
  } catch (error) {
    throw asStepError(failure ?? streamError ?? error);
  } finally {
    signal.removeEventListener('abort', onAbort);
    redis.disconnect();
  }
}

const cancelledError = () => new StepError('The step was cancelled', { retryable: false, code: 'cancelled' });
