import { createHash } from 'node:crypto';
import { isIP, type Socket } from 'node:net';
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { datasetInputSchema, defineStep, secret, StepError, type StepContext } from '../../sdk/src/index.js';
import { smtpError } from './smtp-errors.js';

const MAX_BODY_CHARS = 1024 * 1024;
/** Most mail servers refuse messages over 25 MB; base64 adds a third. */
const MAX_ATTACHMENT_BYTES = 18 * 1024 * 1024;
/** No lookaround: manifests' patterns must run on RE2. */
const HOST = /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;

/** `ops@example.com` or `Ops <ops@example.com>`; nodemailer parses and encodes it, line breaks refused. */
const address = z
  .string()
  .min(3)
  .max(320)
  .regex(/^[^\r\n]*@[^\r\n]*$/, { error: 'Must be an address, e.g. ops@example.com or "Ops <ops@example.com>"' });
const addresses = z.union([address, z.array(address).min(1).max(100)]);

const attachment = z.strictObject({
  artifact: z
    .union([z.string().min(1), datasetInputSchema])
    .describe('An artifact key, or a reference such as files/write or s3/get outputs'),
  filename: z.string().min(1).max(255).optional().describe("Default: the artifact key's last segment"),
  contentType: z.string().min(1).max(200).optional(),
});

export const sendStep = defineStep({
  id: 'send',
  title: 'Send an email over SMTP',
  description:
    'Sends one message (text, HTML or both, with attachments from run artifacts) through an SMTP server a tenant admin approved (`PUT /v1/plugins/mail/network`). STARTTLS is used whenever the server offers it. Retries of the step send the same Message-ID.',
  input: z
    .strictObject({
      host: z.string().max(253).regex(HOST, { error: 'Must be a host name or an IP address' }),
      port: z.number().int().min(1).max(65_535).default(587),
      security: z
        .enum(['starttls', 'require-starttls', 'tls'])
        .default('starttls')
        .describe('`starttls`: upgrade when offered; `require-starttls`: fail when not; `tls`: TLS from the start (port 465)'),
      tlsRejectUnauthorized: z.boolean().default(true).describe("Off: accept a server certificate that does not verify (a test server's)"),
      username: z.string().min(1).max(320).optional(),
      password: secret().optional(),
      from: address,
      to: addresses,
      cc: addresses.optional(),
      bcc: addresses.optional(),
      replyTo: address.optional(),
      subject: z.string().max(998),
      text: z.string().max(MAX_BODY_CHARS).optional(),
      html: z.string().max(MAX_BODY_CHARS).optional(),
      attachments: z.array(attachment).max(20).default([]),
      maxAttachmentBytes: z
        .number()
        .int()
        .min(1)
        .max(MAX_ATTACHMENT_BYTES)
        .default(10 * 1024 * 1024)
        .describe('All attachments together'),
    })
    .refine((input) => input.text !== undefined || input.html !== undefined, { message: 'Give `text`, `html` or both' })
    .refine((input) => (input.username === undefined) === (input.password === undefined), {
      message: 'Give both `username` and `password`, or neither',
      path: ['password'],
    }),
  output: z.strictObject({
    messageId: z.string(),
    accepted: z.array(z.string()),
    rejected: z.array(z.string()),
    response: z.string(),
    attachments: z.number().int(),
    attachmentBytes: z.number().int(),
  }),
  async run(input, ctx) {
    const files = await readAttachments(input.attachments, input.maxAttachmentBytes, ctx);
    const transport = createTransport({
      host: input.host,
      port: input.port,
      secure: input.security === 'tls',
      requireTLS: input.security === 'require-starttls',
      ...(input.username !== undefined && { auth: { user: input.username, pass: input.password! } }),
      tls: { rejectUnauthorized: input.tlsRejectUnauthorized },
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
      logger: false,
      // The step process has no network: the connection is the worker's, to an endpoint the tenant approved.
      getSocket: (_options, callback) => {
        const socket = ctx.net.connect({ host: input.host, port: input.port });
        const failed = (error: Error) => callback(error);
        socket.once('error', failed);
        socket.once('connect', () => {
          socket.off('error', failed);
          // Typed as net.Socket; nodemailer uses only what a StepSocket has (a Duplex with setTimeout).
          callback(null, { connection: socket as unknown as Socket });
        });
      },
    });
    try {
      const info = await transport.sendMail({
        from: input.from,
        to: input.to,
        ...(input.cc && { cc: input.cc }),
        ...(input.bcc && { bcc: input.bcc }),
        ...(input.replyTo && { replyTo: input.replyTo }),
        subject: input.subject,
        ...(input.text !== undefined && { text: input.text }),
        ...(input.html !== undefined && { html: input.html }),
        attachments: files.map((file) => ({ filename: file.filename, content: file.content, contentType: file.contentType })),
        messageId: messageIdFor(ctx.idempotencyKey, input.from),
        signal: ctx.signal,
      });
      const accepted = info.accepted.map(String);
      const rejected = info.rejected.map(String);
      if (rejected.length) ctx.log('warn', `The server refused ${rejected.length} recipient(s): ${rejected.join(', ')}`);
      ctx.log(`Sent ${info.messageId} to ${accepted.length} recipient(s) through ${input.host}:${input.port}`);
      const attachmentBytes = files.reduce((sum, file) => sum + file.content.length, 0);
      return { messageId: info.messageId, accepted, rejected, response: info.response, attachments: files.length, attachmentBytes };
    } catch (error) {
      throw smtpError(error);
    } finally {
      transport.close();
    }
  },
});

interface Attachment {
  filename: string;
  content: Buffer;
  contentType?: string;
}

async function readAttachments(list: z.output<typeof attachment>[], limit: number, ctx: Pick<StepContext, 'artifacts' | 'lineage'>) {
  const files: Attachment[] = [];
  let total = 0;
  for (const item of list) {
    const ref = typeof item.artifact === 'string' ? { artifact: item.artifact } : item.artifact;
    const content = await ctx.artifacts.get(ref.artifact);
    total += content.length;
    if (total > limit)
      throw new StepError(`The attachments are over maxAttachmentBytes (${limit}) from ${ref.artifact} on`, {
        retryable: false,
        code: 'attachments_too_large',
      });
    ctx.lineage.input(ref.artifact);
    const contentType = item.contentType ?? (typeof ref.contentType === 'string' ? ref.contentType : undefined);
    files.push({ filename: item.filename ?? ref.artifact.split('/').pop()!, content, ...(contentType && { contentType }) });
  }
  return files;
}

/** The same for every attempt of the step (and each forEach item), so a retried send can be recognised as one message. */
export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'baton.invalid';
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${isIP(domain) ? 'baton.invalid' : domain}>`;
}
