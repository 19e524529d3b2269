import { StepError } from '../../sdk/src/index.js';

/** What the input schemas accept; parseConnection checks the rest when the step runs. */
export const CONNECTION_URL = /^mqtt:\/\//;

export interface MqttTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/** `mqtt://user:password@host:1883` → its parts. Nothing of the URL goes into the messages: it is a secret. */
export function parseConnection(url: string): MqttTarget {
  const invalid = (why: string) => new StepError(`The connection ${why}`, { retryable: false, code: 'invalid_connection' });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('is not a URL: write mqtt://user:password@host:1883');
  }
  if (['mqtts:', 'ssl:', 'tls:', 'wss:'].includes(parsed.protocol))
    throw invalid('asks for TLS, which the mqtt plugin does not support yet');
  if (parsed.protocol !== 'mqtt:') throw invalid('must be an mqtt:// URL');
  if (parsed.search || (parsed.pathname && parsed.pathname !== '/')) throw invalid('takes no path or ?options (TLS is not supported yet)');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw invalid('names no host');
  try {
    return {
      host,
      port: parsed.port ? Number(parsed.port) : 1883,
      ...(parsed.username && { username: decodeURIComponent(parsed.username) }),
      ...(parsed.password && { password: decodeURIComponent(parsed.password) }),
    };
  } catch {
    throw invalid('has a malformed %-escape in its user or password');
  }
}
