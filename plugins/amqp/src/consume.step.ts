import type { AMQPChannel, AMQPMessage } from '@cloudamqp/amqp-client';
import { z } from 'zod';
import { datasetRefSchema, defineStep, secret, StepError } from '../../sdk/src/index.js';
import { decodeBody } from './body.js';
import { CONNECTION_URL } from './connection.js';
import { withChannel } from './session.js';

/** Above this much JSON, `as: auto` hands the batch on as a dataset rather than in the outputs (1 MiB at most). */
export const INLINE_MAX_BYTES = 256 * 1024;
/** How long an empty queue is left before it is asked again, at first and at most. */
const POLL_MS = [50, 500] as const;

const messageSchema = z.strictObject({
  body: z.json(),
  encoding: z.enum(['json', 'text', 'base64']),
  bytes: z.number().int(),
  headers: z.record(z.string(), z.json()),
  messageId: z.string().optional(),
  contentType: z.string().optional(),
  exchange: z.string(),
  routingKey: z.string(),
  redelivered: z.boolean(),
  timestamp: z.string().optional(),
});
export type ConsumedMessage = z.infer<typeof messageSchema>;

export const consumeStep = defineStep({
  id: 'consume',
  title: 'Take a batch of messages from an AMQP queue',
  description:
    'Takes up to `max` messages from `queue`, waiting at most `waitMs` for them to arrive, and acks them once it holds the whole batch: the messages it outputs are gone from the queue, the others stay. A JSON body is parsed. A message larger than `maxBytes` fails the step and stays in the queue. With `as: dataset` (or `auto`, for a batch over 256 KiB) the messages are handed on as an NDJSON dataset reference.',
  input: z.strictObject({
    connection: secret(z.string().regex(CONNECTION_URL, { error: 'Must be an amqp:// URL' })),
    queue: z.string().min(1).max(255),
    max: z.number().int().min(1).max(10_000).default(100),
    waitMs: z.number().int().min(0).max(300_000).default(1_000).describe('How long to wait for the batch to fill'),
    maxBytes: z
      .number()
      .int()
      .min(1_024)
      .max(32 * 1024 * 1024)
      .default(8 * 1024 * 1024)
      .describe('The bodies of the batch together, and so any one message, hold at most this many bytes'),
    as: z.enum(['auto', 'messages', 'dataset']).default('auto'),
  }),
  output: z.strictObject({
    count: z.number().int(),
    bytes: z.number().int(),
    messages: z.array(messageSchema).optional(),
    dataset: datasetRefSchema.optional(),
  }),
  async run({ connection, queue, max, waitMs, maxBytes, as }, ctx) {
    const batch = await withChannel(connection, ctx, { maxMessageBytes: maxBytes }, (channel) =>
      takeBatch(channel, queue, { max, waitMs, maxBytes, signal: ctx.signal }),
    );
    const bytes = batch.reduce((sum, message) => sum + message.bytes, 0);
    ctx.log(`Took ${batch.length} message(s), ${bytes} bytes, from queue ${queue}`);
    ctx.metric('messages_consumed', batch.length, { queue });
    const inline = as === 'messages' || (as === 'auto' && JSON.stringify(batch).length <= INLINE_MAX_BYTES);
    if (inline) return { count: batch.length, bytes, messages: batch };
    const dataset = await ctx.artifacts.writeDataset(ctx.artifacts.ownKey('messages.ndjson'), batch);
    ctx.lineage.output(dataset);
    return { count: batch.length, bytes, dataset };
  },
});

/**
 * basic.get, one message at a time: the broker hands over no more than the step asked for, so
 * memory holds the batch and at most one message more, whatever the queue's depth. A message that
 * would take the batch past `maxBytes` goes back to the queue; the batch is acked in one go at the end.
 */
async function takeBatch(
  channel: AMQPChannel,
  queue: string,
  { max, waitMs, maxBytes, signal }: { max: number; waitMs: number; maxBytes: number; signal: AbortSignal },
): Promise<ConsumedMessage[]> {
  const batch: ConsumedMessage[] = [];
  const deadline = Date.now() + waitMs;
  let bytes = 0;
  let lastTag = 0;
  let pause: number = POLL_MS[0];
  while (batch.length < max && !signal.aborted) {
    const message = await channel.basicGet(queue, { noAck: false });
    if (!message) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(pause * 2, POLL_MS[1]);
      continue;
    }
    if (bytes + message.bodySize > maxBytes) {
      await channel.basicNack(message.deliveryTag, true);
      break;
    }
    bytes += message.bodySize;
    lastTag = message.deliveryTag;
    batch.push(toOutput(message));
  }
  if (signal.aborted) throw new StepError('The step was cancelled', { retryable: false, code: 'cancelled' });
  if (lastTag) await channel.basicAck(lastTag, true);
  return batch;
}

export function toOutput(message: AMQPMessage): ConsumedMessage {
  const { properties } = message;
  const { body, encoding } = decodeBody(message.body ?? new Uint8Array(0), properties.contentType);
  return {
    body: body as ConsumedMessage['body'],
    encoding,
    bytes: message.bodySize,
    headers: JSON.parse(
      JSON.stringify(properties.headers ?? {}, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)),
    ),
    ...(properties.messageId !== undefined && { messageId: properties.messageId }),
    ...(properties.contentType !== undefined && { contentType: properties.contentType }),
    exchange: message.exchange,
    routingKey: message.routingKey,
    redelivered: message.redelivered,
    ...(properties.timestamp && { timestamp: properties.timestamp.toISOString() }),
  };
}
