import { isIP, type Socket } from 'node:net';
import { AMQPClient, type AMQPMessage, type AMQPTlsOptions } from '@cloudamqp/amqp-client';
import { CONNECT_TIMEOUT_MS, headerValue, hostPart, InFlight, type BrokerConnection, type ConsumeOptions } from './broker-connection.js';

/** Heartbeats when the URL asks for none: amqp-client has none by default, and would notice a dead broker only by TCP keepalive. */
const DEFAULT_HEARTBEAT_S = 60;

/**
 * Consumes the trigger's queue (which must exist: Baton declares nothing on the tenant's broker)
 * with at most `prefetch` messages unacknowledged. Each is acknowledged once recorded; one that
 * could not be is given back (requeued) after a pause.
 */
export async function consumeAmqp({ target, broker, handle, retryDelayMs }: ConsumeOptions): Promise<BrokerConnection> {
  const queue = broker.queue!;
  const client = await connect(target);
  let closing = false;
  let settle!: (error: Error | undefined) => void;
  const ended = new Promise<Error | undefined>((resolve) => (settle = resolve));
  // The client says nothing when it closes the connection itself: fail and close settle `ended` then.
  client.ondisconnect = (error) => settle(error ?? new Error('The broker closed the connection'));
  const fail = (error: Error) => {
    settle(error);
    void disconnect(client);
  };
  const inFlight = new InFlight();
  try {
    const channel = await client.channel();
    await channel.queueDeclare(queue, { passive: true }).catch((error: Error) => {
      throw new Error(`Queue ${queue} cannot be consumed: ${error.message}`);
    });
    channel.onerror = (reason) => fail(new Error(reason));
    await channel.prefetch(broker.prefetch);
    const consumer = await channel.basicConsume(queue, { noAck: false }, (delivered: AMQPMessage) => {
      const properties = delivered.properties;
      const headers = (headerValue(properties.headers ?? {}) as Record<string, unknown>) ?? {};
      const rawId = broker.idHeader ? headers[broker.idHeader] : properties.messageId;
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a header of any type names the message by its text, as it always has
      const id = rawId === undefined || rawId === null || rawId === '' ? null : String(rawId);
      const { exchange, routingKey, redelivered } = delivered;
      const body = delivered.body
        ? Buffer.from(delivered.body.buffer, delivered.body.byteOffset, delivered.body.byteLength)
        : Buffer.alloc(0);
      const handled = handle({ id, body, headers, message: { id, exchange, routingKey, redelivered } }).then(
        (verdict) => {
          // On a channel that closed meanwhile these reject: the broker gives the message to the next consumer.
          if (verdict === 'ack') return void delivered.ack().catch(() => undefined);
          setTimeout(() => {
            if (!closing) void delivered.nack(true).catch(() => undefined);
          }, retryDelayMs).unref();
        },
        (error: Error) => fail(error),
      );
      void inFlight.track(handled);
    });
    // Rejects when the server ends the consumer; a closed channel or connection has already said why.
    consumer.wait().catch(() => fail(new Error(`The broker cancelled the consumer of queue ${queue} (deleted?)`)));
    return {
      ended,
      close: async () => {
        await consumer.cancel().catch(() => undefined);
        await inFlight.drain();
        closing = true;
        await disconnect(client);
        settle(undefined);
      },
    };
  } catch (error) {
    closing = true;
    await disconnect(client);
    throw error;
  }
}

/** Opens the connection to the vetted address, checking the certificate against the URL's host name. */
async function connect(target: ConsumeOptions['target']): Promise<AMQPClient> {
  const url = new URL(target.url.href);
  url.hostname = hostPart(target.address);
  if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(DEFAULT_HEARTBEAT_S));
  // amqp-client spreads these over its own socket options: the address, not the name resolved again, and
  // no `?insecure` in a tenant's URL turning certificate checks off.
  const socketOptions = {
    host: target.address,
    port: target.port,
    servername: isIP(target.servername) ? '' : target.servername,
    rejectUnauthorized: true,
  } as AMQPTlsOptions;
  const client = new AMQPClient(url.href, socketOptions, null);
  const connecting = client.connect();
  guardReads(client.socket!);
  const timer = setTimeout(() => client.socket?.destroy(new Error(`connect ETIMEDOUT (${CONNECT_TIMEOUT_MS} ms)`)), CONNECT_TIMEOUT_MS);
  try {
    await connecting;
    return client;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * amqp-client throws from its socket's data handler on a frame it cannot read (one larger than its
 * frame buffer, a field type it does not know): the broker is the tenant's choice, so that ends the
 * connection, not the process.
 */
function guardReads(socket: Socket): void {
  for (const read of socket.listeners('data') as Array<(chunk: Buffer) => void>) {
    socket.off('data', read);
    socket.on('data', (chunk: Buffer) => {
      try {
        read(chunk);
      } catch (error) {
        socket.destroy(new Error(`The broker sent what the client cannot read: ${(error as Error).message}`));
      }
    });
  }
}

/** The closing handshake, bounded: amqp-client waits for the broker's answer forever once its socket is gone. */
async function disconnect(client: AMQPClient): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => (timer = setTimeout(resolve, CONNECT_TIMEOUT_MS)));
  await Promise.race([client.close().catch(() => undefined), timeout]);
  clearTimeout(timer);
  client.socket?.destroy();
}
