import { StepError } from '../../sdk/src/index.js';

/** What the input schemas accept; parseConnection checks the rest when the step runs. */
export const CONNECTION_URL = /^nats:\/\//;

export interface NatsTarget {
  host: string;
  port: number;
  user?: string;
  pass?: string;
  token?: string;
}

/**
 * `nats://user:password@host:4222`, or `nats://token@host:4222` → its parts. Nothing of the URL
 * goes into the messages: it is a secret.
 */
export function parseConnection(url: string): NatsTarget {
  const invalid = (why: string) => new StepError(`The connection ${why}`, { retryable: false, code: 'invalid_connection' });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('is not a URL: write nats://user:password@host:4222 or nats://token@host:4222');
  }
  if (parsed.protocol === 'tls:') throw invalid('asks for TLS (tls://), which the nats plugin does not support yet');
  if (parsed.protocol !== 'nats:') throw invalid('must be a nats:// URL');
  if (parsed.search || (parsed.pathname && parsed.pathname !== '/')) throw invalid('takes no path or ?options (TLS is not supported yet)');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw invalid('names no host');
  try {
    const user = decodeURIComponent(parsed.username);
    const pass = decodeURIComponent(parsed.password);
    return {
      host,
      port: parsed.port ? Number(parsed.port) : 4222,
      ...(user && pass ? { user, pass } : user ? { token: user } : {}),
    };
  } catch {
    throw invalid('has a malformed %-escape in its user, password or token');
  }
}
