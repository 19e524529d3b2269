import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Msg, MsgHdrs, NatsConnection, TlsOptions } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import {
  CONNECT_TIMEOUT_MS,
  hostPart,
  InFlight,
  type BrokerConnection,
  type ConsumeOptions,
  type MessageHandler,
} from './broker-connection.js';

/** Core NATS messages waiting in this process past this many are dropped: core NATS redelivers nothing anyway. */
const MAX_BUFFERED = 1_000;

/**
 * Consumes the trigger's subject. With a `stream`, through a durable JetStream consumer named after
 * the trigger (at least once: each message acknowledged once recorded, one that could not be is
 * offered again after a pause), from the trigger's creation on. Without, as a core NATS subscriber
 * in `queueGroup`: at most once, what arrives while no listener runs is not seen.
 */
export async function consumeNats(options: ConsumeOptions): Promise<BrokerConnection> {
  const { target } = options;
  const user = decodeURIComponent(target.url.username);
  const pass = decodeURIComponent(target.url.password);
  const nc = await connect({
    servers: `${hostPart(target.address)}:${target.port}`,
    ...(pass ? { user, pass } : user ? { token: user } : {}),
    ...(target.url.protocol === 'tls:' && { tls: { servername: target.servername } as TlsOptions }),
    reconnect: false,
    timeout: CONNECT_TIMEOUT_MS,
    name: `baton-trigger-${options.triggerId}`,
  });
  let closing = false;
  const ended = nc.closed().then((error) => (closing ? undefined : (error ?? new Error('The server closed the connection'))));
  const inFlight = new InFlight();
  try {
    const stop = options.broker.stream ? await consumeStream(nc, options, inFlight) : consumeSubject(nc, options, inFlight);
    // The subscription is the server's before the listener says it is connected.
    await nc.flush();
    return {
      ended,
      close: async () => {
        stop();
        await inFlight.drain();
        closing = true;
        await nc.close().catch(() => undefined);
      },
    };
  } catch (error) {
    closing = true;
    await nc.close().catch(() => undefined);
    throw error;
  }
}

function consumeSubject(nc: NatsConnection, { broker, handle }: ConsumeOptions, inFlight: InFlight): () => void {
  const subscription = nc.subscribe(broker.subject!, { ...(broker.queueGroup && { queue: broker.queueGroup }) });
  void (async () => {
    for await (const m of subscription) {
      if (subscription.getPending() > MAX_BUFFERED) continue;
      await inFlight.below(broker.prefetch);
      const id = m.headers?.get('Nats-Msg-Id') || null;
      void inFlight.track(handle(toMessage(m, id)).catch(() => 'retry'));
    }
  })();
  return () => subscription.unsubscribe();
}

async function consumeStream(nc: NatsConnection, options: ConsumeOptions, inFlight: InFlight): Promise<() => void> {
  const { broker, handle, retryDelayMs } = options;
  const stream = broker.stream!;
  const durable = `baton-trigger-${options.triggerId}`;
  const jsm = await jetstreamManager(nc);
  const config: Partial<ConsumerConfig> = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: options.createdAt.toISOString(),
    filter_subject: broker.subject!,
    max_ack_pending: broker.prefetch,
  };
  // Made once; an edit of the trigger (its subject, its prefetch) changes it in place, keeping its place in the stream.
  const exists = await jsm.consumers.info(stream, durable).then(
    () => true,
    () => false,
  );
  if (exists)
    await jsm.consumers.update(stream, durable, { filter_subject: config.filter_subject, max_ack_pending: config.max_ack_pending });
  else await jsm.consumers.add(stream, config);
  const consumer = await jetstream(nc).consumers.get(stream, durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: broker.prefetch });
  void (async () => {
    for await (const m of messages) {
      await inFlight.below(broker.prefetch);
      void inFlight.track(settle(m, handle, retryDelayMs));
    }
  })();
  return () => void messages.stop();
}

async function settle(m: JsMsg, handle: MessageHandler, retryDelayMs: number): Promise<void> {
  const id = m.headers?.get('Nats-Msg-Id') || `seq:${m.seq}`;
  const verdict = await handle(toMessage(m, id)).catch(() => 'retry' as const);
  if (verdict === 'ack') m.ack();
  else m.nak(retryDelayMs);
}

function toMessage(m: Msg | JsMsg, id: string | null) {
  return { id, body: Buffer.from(m.data), headers: headersOf(m.headers), message: { id, subject: m.subject } };
}

function headersOf(headers: MsgHdrs | undefined): Record<string, unknown> {
  if (!headers) return {};
  return Object.fromEntries([...headers].map(([name, values]) => [name, values.length === 1 ? values[0] : values]));
}
