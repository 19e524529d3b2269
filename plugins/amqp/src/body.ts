import { z } from 'zod';

/** A message body as the steps take it: text as it is, anything else as JSON. */
export const bodySchema = z.json().describe('Text is sent as it is (text/plain); anything else as JSON (application/json)');

export function encodeBody(body: unknown, contentType?: string): { bytes: Buffer; contentType: string } {
  if (typeof body === 'string') return { bytes: Buffer.from(body), contentType: contentType ?? 'text/plain; charset=utf-8' };
  return { bytes: Buffer.from(JSON.stringify(body)), contentType: contentType ?? 'application/json' };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A received body for the outputs: parsed when it is JSON (by its content type, or without one
 * when it parses), text when it is UTF-8, base64 otherwise (`encoding` says which).
 */
export function decodeBody(bytes: Uint8Array, contentType?: string): { body: unknown; encoding: 'json' | 'text' | 'base64' } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { body: Buffer.from(bytes).toString('base64'), encoding: 'base64' };
  }
  if (!contentType || /[/+]json\b/i.test(contentType)) {
    try {
      return { body: JSON.parse(text) as unknown, encoding: 'json' };
    } catch {
      // Not JSON after all: the text is what there is.
    }
  }
  return { body: text, encoding: 'text' };
}
