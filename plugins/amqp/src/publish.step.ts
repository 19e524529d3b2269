import { z } from 'zod';
import { defineStep, secret, StepError } from '../../sdk/src/index.js';
import { bodySchema, encodeBody } from './body.js';
import { CONNECTION_URL } from './connection.js';
import { withChannel } from './session.js';

/** AMQP short strings (exchange, queue and routing key names, message ids) are at most 255 bytes. */
const shortString = z.string().max(255);
/** The largest message the step sends: RabbitMQ's default `max_message_size` is 128 MiB, a step's input far less. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export const publishStep = defineStep({
  id: 'publish',
  title: 'Publish a message to an AMQP exchange or queue',
  description:
    'Publishes one message to `exchange` with `routingKey`, or to `queue` through the default exchange, and waits for the broker to confirm it (publisher confirms). A message no queue receives fails the step (`amqp_unroutable`) unless `mandatory: false`. Pass the connection as a secret: `connection: ${{ secrets.AMQP_URL }}`.',
  input: z
    .strictObject({
      connection: secret(z.string().regex(CONNECTION_URL, { error: 'Must be an amqp:// URL' })),
      exchange: shortString.optional().describe('The exchange; "" is the default exchange'),
      queue: shortString.min(1).optional().describe('Publish to this queue (the default exchange, the queue as routing key)'),
      routingKey: shortString.default(''),
      body: bodySchema,
      contentType: shortString.optional(),
      headers: z.record(z.string().max(255), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
      messageId: shortString.optional(),
      persistent: z.boolean().default(true).describe('Delivery mode 2: a durable queue keeps the message across broker restarts'),
      mandatory: z.boolean().default(true).describe('Fail when no queue receives the message'),
      confirm: z.boolean().default(true).describe("Wait for the broker's ack (publisher confirms)"),
    })
    .refine((input) => (input.exchange === undefined) !== (input.queue === undefined), {
      message: 'Give exactly one of `exchange` and `queue`',
    })
    .refine((input) => input.queue === undefined || input.routingKey === '', {
      message: 'A message to a queue has the queue as routing key',
      path: ['routingKey'],
    }),
  output: z.strictObject({
    exchange: z.string(),
    routingKey: z.string(),
    messageId: z.string().optional(),
    bytes: z.number().int(),
    confirmed: z.boolean(),
  }),
  async run(input, ctx) {
    const { bytes, contentType } = encodeBody(input.body, input.contentType);
    if (bytes.length > MAX_BODY_BYTES)
      throw new StepError(`The body is ${bytes.length} bytes, over the ${MAX_BODY_BYTES} a message may have`, {
        retryable: false,
        code: 'message_too_large',
      });
    const exchange = input.queue === undefined ? input.exchange! : '';
    const routingKey = input.queue ?? input.routingKey;
    await withChannel(input.connection, ctx, { maxMessageBytes: 64 * 1024 }, async (channel) => {
      let returned: { replyText?: string; replyCode?: number } | undefined;
      channel.onReturn = (message) => (returned = message as unknown as typeof returned);
      if (input.confirm) await channel.confirmSelect();
      await channel.basicPublish(
        exchange,
        routingKey,
        bytes,
        {
          contentType,
          headers: input.headers,
          deliveryMode: input.persistent ? 2 : 1,
          timestamp: new Date(),
          ...(input.messageId !== undefined && { messageId: input.messageId }),
        },
        input.mandatory,
      );
      // Without confirms, a round trip still tells whether the broker closed the channel over the message.
      if (!input.confirm) await channel.basicQos(0);
      if (returned)
        throw new StepError(
          `No queue received the message: exchange ${JSON.stringify(exchange)} routes routing key ${JSON.stringify(routingKey)} nowhere`,
          { retryable: false, code: 'amqp_unroutable' },
        );
    });
    ctx.log(
      `Published ${bytes.length} bytes to ${exchange === '' ? 'the default exchange' : `exchange ${exchange}`} with routing key ${routingKey}`,
    );
    ctx.metric('messages_published', 1, { exchange });
    return {
      exchange,
      routingKey,
      ...(input.messageId !== undefined && { messageId: input.messageId }),
      bytes: bytes.length,
      confirmed: input.confirm,
    };
  },
});
