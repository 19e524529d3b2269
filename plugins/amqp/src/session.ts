import type { AMQPChannel } from '@cloudamqp/amqp-client';
import { StepError, type StepNet } from '../../sdk/src/index.js';
import { parseConnection } from './connection.js';
import { asStepError } from './errors.js';
import { RelayAmqpClient } from './relay-client.js';

export interface AmqpOptions {
  /** The largest message the step takes from the broker; a larger one ends the connection. */
  maxMessageBytes: number;
}

/**
 * One connection and one channel for one step, through the worker's relay (`ctx.net`): the step
 * process has no network, and reaches only the endpoints the tenant approved for this plugin. On
 * cancel the connection is dropped at once, so the broker requeues whatever was not acked.
 */
export async function withChannel<T>(
  url: string,
  ctx: { net: StepNet; signal: AbortSignal },
  options: AmqpOptions,
  work: (channel: AMQPChannel) => Promise<T>,
): Promise<T> {
  const target = parseConnection(url);
  const { signal } = ctx;
  if (signal.aborted) throw cancelledError();
  const client = new RelayAmqpClient(target, ctx.net, options.maxMessageBytes);
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      reject(cancelledError());
      client.failure ??= cancelledError();
      client.closeNow();
    };
  });
  aborted.catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([client.connect(), aborted]);
    const channel = await Promise.race([client.channel(), aborted]);
    const result = await Promise.race([work(channel), aborted]);
    await Promise.race([client.close(), aborted]).catch(() => undefined);
    return result;
  } catch (error) {
    // The channel's own error hides why: the broker closing the connection, a message over the limit.
    throw asStepError(client.failure && !isCancelled(error) ? client.failure : error);
  } finally {
    signal.removeEventListener('abort', onAbort);
    client.closeNow();
  }
}

const cancelledError = () => new StepError('The step was cancelled', { retryable: false, code: 'cancelled' });
const isCancelled = (error: unknown) => (error as { code?: string })?.code === 'cancelled';
