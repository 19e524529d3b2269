import { headers as natsHeaders, type Msg, type MsgHdrs } from '@nats-io/nats-core';
import { z } from 'zod';

/** Subjects a message goes to: tokens separated by dots, without wildcards or whitespace. */
export const SUBJECT = /^[^\s.*>]+(\.[^\s.*>]+)*$/;
export const subjectSchema = z.string().max(1_024).regex(SUBJECT, { error: 'Must be a subject: tokens separated by dots, no wildcards' });
export const payloadSchema = z.json().describe('Text is sent as it is; anything else as JSON');
export const headersSchema = z.record(
  z.string().regex(/^[!-9;-~]+$/, { error: 'Header names are printable ASCII without ":"' }),
  z.string(),
);

export function encodePayload(payload: unknown): Uint8Array {
  return Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
}

export function toHeaders(values: Record<string, string>): MsgHdrs | undefined {
  const entries = Object.entries(values);
  if (!entries.length) return undefined;
  const result = natsHeaders();
  for (const [name, value] of entries) result.set(name, value);
  return result;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A received message for the outputs: its data parsed when it is JSON, else text, else base64 (`encoding` says which). */
export function fromMessage(message: Msg): {
  subject: string;
  data: z.infer<typeof payloadSchema>;
  encoding: 'json' | 'text' | 'base64';
  headers: Record<string, string>;
  bytes: number;
} {
  const headers: Record<string, string> = {};
  for (const [name, values] of message.headers ?? []) headers[name] = values.join(', ');
  const base = { subject: message.subject, headers, bytes: message.data.length };
  let text: string;
  try {
    text = utf8.decode(message.data);
  } catch {
    return { ...base, data: Buffer.from(message.data).toString('base64'), encoding: 'base64' };
  }
  try {
    return { ...base, data: text === '' ? '' : JSON.parse(text), encoding: text === '' ? 'text' : 'json' };
  } catch {
    return { ...base, data: text, encoding: 'text' };
  }
}
