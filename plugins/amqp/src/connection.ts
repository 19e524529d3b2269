import { StepError } from '../../sdk/src/index.js';

/** What the input schemas accept; parseConnection checks the rest when the step runs. */
export const CONNECTION_URL = /^amqp:\/\//;

export interface AmqpTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
}

/**
 * `amqp://user:password@host:5672/vhost` → its parts (the vhost `/` when the path is empty, `%2F`
 * for a vhost that is itself `/`). Nothing of the URL goes into the messages: it is a secret.
 */
export function parseConnection(url: string): AmqpTarget {
  const invalid = (why: string) => new StepError(`The connection ${why}`, { retryable: false, code: 'invalid_connection' });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('is not a URL: write amqp://user:password@host:5672/vhost');
  }
  if (parsed.protocol === 'amqps:') throw invalid('asks for TLS (amqps://), which the amqp plugin does not support yet');
  if (parsed.protocol !== 'amqp:') throw invalid('must be an amqp:// URL');
  if (parsed.search) throw invalid('takes no ?options (heartbeat, frameMax and TLS are not supported)');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw invalid('names no host');
  try {
    return {
      host,
      port: parsed.port ? Number(parsed.port) : 5672,
      username: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      vhost: decodeURIComponent(parsed.pathname.slice(1)) || '/',
    };
  } catch {
    throw invalid('has a malformed %-escape in its user, password or vhost');
  }
}
