import { StepError } from '../../sdk/src/index.js';

/** What the input schemas accept; parseConnection checks the rest when the step runs. */
export const CONNECTION_URL = /^redis:\/\//;

export interface RedisTarget {
  host: string;
  port: number;
  /** An ACL user (Redis 6+); without one, AUTH with the password alone, as the `default` user. */
  username?: string;
  password?: string;
  db: number;
}

/**
 * `redis://user:password@host:6379/0` (or `redis://:password@host:6379/0`) → its parts. Nothing of
 * the URL goes into the messages: it is a secret.
 */
export function parseConnection(url: string): RedisTarget {
  const invalid = (why: string) => new StepError(`The connection ${why}`, { retryable: false, code: 'invalid_connection' });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('is not a URL: write redis://:password@host:6379/0');
  }
  if (parsed.protocol === 'rediss:') throw invalid('asks for TLS (rediss://), which the redis plugin does not support yet');
  if (parsed.protocol !== 'redis:') throw invalid('must be a redis:// URL');
  if (parsed.search) throw invalid('takes no ?options (TLS is not supported yet)');
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw invalid('names no host');
  const path = parsed.pathname.slice(1);
  if (!/^\d{0,5}$/.test(path)) throw invalid('must name a database by its number (/0)');
  try {
    return {
      host,
      port: parsed.port ? Number(parsed.port) : 6379,
      ...(parsed.username && { username: decodeURIComponent(parsed.username) }),
      ...(parsed.password && { password: decodeURIComponent(parsed.password) }),
      db: Number(path || 0),
    };
  } catch {
    throw invalid('has a malformed %-escape in its user or password');
  }
}
