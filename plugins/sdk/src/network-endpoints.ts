import { isIP } from 'node:net';
import { hostAllowed } from './egress-hosts.js';

/**
 * Raw network access is by endpoint. A plugin's manifest declares `network` patterns (`*:5432`,
 * `*.example.com:9092`, `db.internal:5432-5439`); a tenant admin approves concrete endpoints that
 * match them (`db.example.com:5432`); a step may open a connection to an approved endpoint only.
 * The worker's relay, the registry and the test harness decide with these functions.
 */
export interface Endpoint {
  host: string;
  port: number;
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Lower case, without the brackets of an IPv6 literal or a final dot. */
export function normalizeHost(host: string): string {
  return host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}

/** `host:port`, the host bracketed when it is an IPv6 address. */
export function formatEndpoint({ host, port }: Endpoint): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** `host:port` → its parts, or a message saying what is wrong. */
export function parseEndpoint(text: string): Endpoint | string {
  const split = splitHostPort(text);
  if (typeof split === 'string') return split;
  const host = normalizeHost(split.host);
  if (!isIP(host) && !HOST_NAME.test(host)) return `${JSON.stringify(split.host)} is not a host name or an IP address`;
  const port = Number(split.port);
  if (!/^\d{1,5}$/.test(split.port) || port < 1 || port > 65535) return `${JSON.stringify(split.port)} is not a port (1-65535)`;
  return { host, port };
}

/** Checks a manifest pattern: the host as in `egress` (`*`, `*.domain`, exact), the port `*`, `n` or `n-m`. */
export function patternProblem(pattern: string): string | undefined {
  const split = splitHostPort(pattern);
  if (typeof split === 'string') return split;
  const host = normalizeHost(split.host);
  const bare = host.startsWith('*.') ? host.slice(2) : host;
  if (host !== '*' && !isIP(bare) && !HOST_NAME.test(bare))
    return `${JSON.stringify(split.host)} is not *, *.domain, a host name or an IP address`;
  if (!portRange(split.port)) return `${JSON.stringify(split.port)} is not *, a port or a range of ports (n-m)`;
  return undefined;
}

/** Whether an endpoint matches one of the patterns. */
export function endpointAllowed(endpoint: Endpoint, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => {
    const split = splitHostPort(pattern);
    if (typeof split === 'string') return false;
    const range = portRange(split.port);
    return (
      range !== undefined &&
      endpoint.port >= range[0] &&
      endpoint.port <= range[1] &&
      hostAllowed(endpoint.host, [normalizeHost(split.host)])
    );
  });
}

function splitHostPort(text: string): { host: string; port: string } | string {
  const colon = text.lastIndexOf(':');
  if (colon <= 0 || colon === text.length - 1) return `${JSON.stringify(text)} is not host:port`;
  const host = text.slice(0, colon);
  // An IPv6 address goes in brackets, or its colons would read as the port's.
  if (host.includes(':') && !/^\[[^\]]+\]$/.test(host)) return `${JSON.stringify(text)}: write an IPv6 address in brackets, [::1]:5432`;
  return { host, port: text.slice(colon + 1) };
}

function portRange(text: string): [number, number] | undefined {
  if (text === '*') return [1, 65535];
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!match) return undefined;
  const low = Number(match[1]);
  const high = Number(match[2] ?? match[1]);
  return low >= 1 && high <= 65535 && low <= high ? [low, high] : undefined;
}
