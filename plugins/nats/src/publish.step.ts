import { z } from 'zod';
import { defineStep, secret, StepError } from '../../sdk/src/index.js';
import { CONNECTION_URL } from './connection.js';
import { encodePayload, headersSchema, payloadSchema, subjectSchema, toHeaders } from './payload.js';
import { asStepError, withNats } from './session.js';

/** A JetStream publish ack: `{ stream, seq, duplicate? }`, or `{ error: { code, err_code, description } }`. */
interface PubAck {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { code?: number; err_code?: number; description?: string };
}

export const publishStep = defineStep({
  id: 'publish',
  title: 'Publish a message to a NATS subject',
  description:
    'Publishes `payload` (text as it is, anything else as JSON) with `headers` to `subject`, and waits until the server has it. With `jetstream: true` the stream that captures the subject must store it and ack (`stream`, `seq`); `msgId` goes as `Nats-Msg-Id`, so that the stream stores a message published twice (a retried step) once (`duplicate: true`). Pass the connection as a secret: `connection: ${{ secrets.NATS_URL }}`.',
  input: z
    .strictObject({
      connection: secret(z.string().regex(CONNECTION_URL, { error: 'Must be a nats:// URL' })),
      subject: subjectSchema,
      payload: payloadSchema.default(''),
      headers: headersSchema.default({}),
      jetstream: z.boolean().default(false),
      msgId: z.string().min(1).max(255).optional().describe('JetStream de-duplication id (Nats-Msg-Id)'),
      timeoutMs: z.number().int().min(100).max(60_000).default(5_000).describe('How long to wait for the JetStream ack'),
    })
    .refine((input) => input.jetstream || input.msgId === undefined, { message: '`msgId` needs `jetstream: true`', path: ['msgId'] }),
  output: z.strictObject({
    subject: z.string(),
    bytes: z.number().int(),
    stream: z.string().optional(),
    seq: z.number().int().optional(),
    duplicate: z.boolean().optional(),
  }),
  async run({ connection, subject, payload, headers, jetstream, msgId, timeoutMs }, ctx) {
    const data = encodePayload(payload);
    const ack = await withNats(connection, ctx, 1024 * 1024, async (nc) => {
      const hdrs = toHeaders({ ...headers, ...(msgId !== undefined && { 'Nats-Msg-Id': msgId }) });
      if (!jetstream) {
        nc.publish(subject, data, hdrs ? { headers: hdrs } : undefined);
        // A round trip: the server has the message, or has said why not.
        await nc.flush();
        return undefined;
      }
      try {
        return (await nc.request(subject, data, { timeout: timeoutMs, ...(hdrs && { headers: hdrs }) })).json<PubAck>();
      } catch (error) {
        const failure = asStepError(error);
        if (failure.code !== 'nats_no_responders') throw failure;
        throw new StepError(`No JetStream stream captures subject ${subject}`, { retryable: false, code: 'nats_no_stream' });
      }
    });
    if (ack?.error)
      throw new StepError(
        `JetStream refused the message: ${ack.error.description ?? 'no reason given'} (${ack.error.err_code ?? ack.error.code})`,
        {
          retryable: ack.error.code === 503,
          code: `nats_jetstream_${ack.error.err_code ?? ack.error.code}`,
        },
      );
    ctx.log(
      `Published ${data.length} bytes to ${subject}${ack ? ` (stream ${ack.stream}, seq ${ack.seq}${ack.duplicate ? ', duplicate' : ''})` : ''}`,
    );
    ctx.metric('messages_published', 1, jetstream ? { stream: ack?.stream ?? '' } : {});
    return {
      subject,
      bytes: data.length,
      ...(ack && { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate ?? false }),
    };
  },
});
