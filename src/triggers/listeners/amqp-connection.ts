import amqp from 'amqplib';
import { CONNECT_TIMEOUT_MS, headerValue, hostPart, InFlight, type BrokerConnection, type ConsumeOptions } from './broker-connection.js';

/**
 * Consumes the trigger's queue (which must exist: Baton declares nothing on the tenant's broker)
 * with at most `prefetch` messages unacknowledged. Each is acknowledged once recorded; one that
 * could not be is given back (requeued) after a pause.
 */
export async function consumeAmqp({ target, broker, handle, retryDelayMs }: ConsumeOptions): Promise<BrokerConnection> {
  const url = new URL(target.url.href);
  url.hostname = hostPart(target.address);
  url.port = String(target.port);
  const connection = await amqp.connect(url.href, { servername: target.servername, timeout: CONNECT_TIMEOUT_MS });
  let closing = false;
  let failure: Error | undefined;
  const ended = new Promise<Error | undefined>((resolve) => {
    connection.on('error', (error: Error) => (failure ??= error));
    connection.on('close', (error?: Error) =>
      resolve(closing ? undefined : (failure ?? error ?? new Error('The broker closed the connection'))),
    );
  });
  const fail = (error: Error) => {
    failure ??= error;
    void connection.close().catch(() => undefined);
  };
  const inFlight = new InFlight();
  try {
    const channel = await connection.createChannel();
    channel.on('error', (error: Error) => fail(error));
    await channel.checkQueue(broker.queue!).catch((error: Error) => {
      throw new Error(`Queue ${broker.queue} cannot be consumed: ${error.message}`);
    });
    await channel.prefetch(broker.prefetch);
    const { consumerTag } = await channel.consume(
      broker.queue!,
      (delivered) => {
        if (!delivered) return fail(new Error(`The broker cancelled the consumer of queue ${broker.queue} (deleted?)`));
        const properties = delivered.properties;
        const headers = (headerValue(properties.headers ?? {}) as Record<string, unknown>) ?? {};
        const rawId = broker.idHeader ? headers[broker.idHeader] : properties.messageId;
        const id = rawId === undefined || rawId === null || rawId === '' ? null : String(rawId);
        const { exchange, routingKey, redelivered } = delivered.fields;
        const handled = handle({ id, body: delivered.content, headers, message: { id, exchange, routingKey, redelivered } }).then(
          (verdict) => {
            if (verdict === 'ack') return tryTo(() => channel.ack(delivered));
            setTimeout(() => !closing && tryTo(() => channel.nack(delivered, false, true)), retryDelayMs).unref();
          },
          (error: Error) => fail(error),
        );
        void inFlight.track(handled);
      },
      { noAck: false },
    );
    return {
      ended,
      close: async () => {
        await channel.cancel(consumerTag).catch(() => undefined);
        await inFlight.drain();
        closing = true;
        await connection.close().catch(() => undefined);
      },
    };
  } catch (error) {
    closing = true;
    await connection.close().catch(() => undefined);
    throw error;
  }
}

/** An ack or nack on a channel that closed meanwhile: the broker gives the message to the next consumer. */
function tryTo(action: () => void): void {
  try {
    action();
  } catch {
    // The channel is gone; the message comes again.
  }
}
