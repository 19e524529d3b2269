import { z } from 'zod';
import { defineStep, secret } from '../../sdk/src/index.js';
import { CONNECTION_URL } from './connection.js';
import { encodePayload, fromMessage, headersSchema, payloadSchema, subjectSchema, toHeaders } from './payload.js';
import { withNats } from './session.js';

export const requestStep = defineStep({
  id: 'request',
  title: 'Send a NATS request and wait for the reply',
  description:
    'Sends `payload` to `subject` and outputs the first reply: its data (parsed when it is JSON), headers and size. No reply within `timeoutMs` fails the step with `nats_timeout`, no service listening with `nats_no_responders` (both retried). A reply larger than `maxBytes` fails it with `reply_too_large`.',
  input: z.strictObject({
    connection: secret(z.string().regex(CONNECTION_URL, { error: 'Must be a nats:// URL' })),
    subject: subjectSchema,
    payload: payloadSchema.default(''),
    headers: headersSchema.default({}),
    timeoutMs: z.number().int().min(100).max(600_000).default(5_000),
    maxBytes: z
      .number()
      .int()
      .min(1_024)
      .max(16 * 1024 * 1024)
      .default(1024 * 1024)
      .describe('The reply, and all else the server sends, holds at most this many bytes'),
  }),
  output: z.strictObject({
    subject: z.string(),
    data: z.json(),
    encoding: z.enum(['json', 'text', 'base64']),
    headers: z.record(z.string(), z.string()),
    bytes: z.number().int(),
  }),
  async run({ connection, subject, payload, headers, timeoutMs, maxBytes }, ctx) {
    const hdrs = toHeaders(headers);
    const reply = await withNats(connection, ctx, maxBytes, async (nc) =>
      fromMessage(await nc.request(subject, encodePayload(payload), { timeout: timeoutMs, ...(hdrs && { headers: hdrs }) })),
    );
    ctx.log(`Reply of ${reply.bytes} bytes from ${subject}`);
    return reply;
  },
});
