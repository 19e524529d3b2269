import { errors, NatsConnectionImpl, setTransportFactory, type NatsConnection } from '@nats-io/nats-core/internal';
import { isStepError, StepError, type StepNet } from '../../sdk/src/index.js';
import { parseConnection } from './connection.js';
import { RelayTransport } from './relay-transport.js';

/**
 * A client error as a StepError: `nats_authorization` (a user, password or token refused),
 * `nats_permission`, `nats_no_responders`, `nats_timeout`, `network_denied` when the sandbox
 * refused the endpoint, `nats_connection` when the connection failed or went away. Messages are
 * the client's and the server's, never the connection URL.
 */
export function asStepError(error: unknown): StepError {
  if (isStepError(error)) return error;
  const chain: Array<{ message?: string; relayCode?: string }> = [];
  for (let cause = error as { cause?: unknown } | undefined; cause && chain.length < 5; cause = cause.cause as typeof cause)
    chain.push(cause as (typeof chain)[number]);
  const named = (type: abstract new (...args: never[]) => Error) => chain.some((e) => e instanceof type);
  const message = chain[0]?.message ?? String(error);
  const denied = chain.find((e) => e.relayCode === 'network_denied');
  if (denied)
    return new StepError(`NATS connection refused by the sandbox: ${denied.message}`, { retryable: false, code: 'network_denied' });
  if (named(errors.AuthorizationError) || named(errors.UserAuthenticationExpiredError))
    return new StepError(`NATS server refused the credentials: ${message}`, { retryable: false, code: 'nats_authorization' });
  if (named(errors.PermissionViolationError))
    return new StepError(`NATS permission violation: ${message}`, { retryable: false, code: 'nats_permission' });
  if (named(errors.NoRespondersError))
    return new StepError(`No one answers on the subject: ${message}`, { retryable: true, code: 'nats_no_responders' });
  if (named(errors.TimeoutError)) return new StepError(`No answer in time: ${message}`, { retryable: true, code: 'nats_timeout' });
  return new StepError(`NATS connection failed: ${message}`, { retryable: true, code: 'nats_connection' });
}

/**
 * One connection for one step, through the worker's relay (`ctx.net`), without reconnects: the
 * transport factory is nats-core's one global, set for each connection (a step process runs one
 * step at a time). Whatever the server sends past `maxBytes` ends the connection; on cancel it is
 * dropped at once.
 */
export async function withNats<T>(
  url: string,
  ctx: { net: StepNet; signal: AbortSignal },
  maxBytes: number,
  work: (nc: NatsConnection) => Promise<T>,
): Promise<T> {
  const target = parseConnection(url);
  const { signal } = ctx;
  if (signal.aborted) throw cancelledError();
  let failure: StepError | undefined;
  const tooMuch = (error: Error) => (failure ??= new StepError(error.message, { retryable: false, code: 'reply_too_large' }));
  setTransportFactory({ factory: () => new RelayTransport(ctx.net, maxBytes, tooMuch) });
  let connection: NatsConnection | undefined;
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      failure ??= cancelledError();
      reject(failure);
      void connection?.close();
    };
  });
  aborted.catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const connecting = NatsConnectionImpl.connect({
      servers: [`${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`],
      ...(target.user !== undefined && { user: target.user, pass: target.pass }),
      ...(target.token !== undefined && { token: target.token }),
      name: 'baton-step',
      reconnect: false,
      maxReconnectAttempts: 0,
      ignoreClusterUpdates: true,
      timeout: 10_000,
    });
    connecting.then((nc) => (connection = nc)).catch(() => undefined);
    const nc = await Promise.race([connecting, aborted]);
    const result = await Promise.race([work(nc), aborted]);
    await nc.close();
    if (failure) throw failure;
    return result;
  } catch (error) {
    throw failure ?? asStepError(error);
  } finally {
    signal.removeEventListener('abort', onAbort);
    void connection?.close();
  }
}

const cancelledError = () => new StepError('The step was cancelled', { retryable: false, code: 'cancelled' });
