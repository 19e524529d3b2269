import ipaddr from 'ipaddr.js';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export { hostAllowed } from '../../../plugins/sdk/src/egress-hosts.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolve: Resolve = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

/**
 * Parses the operator's exceptions (`EGRESS_ALLOW_CIDRS`, e.g. an internal API's subnet). Plain
 * addresses count as one-host ranges.
 */
export function parseCidrs(cidrs: readonly string[]): Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> {
  return cidrs.map((cidr) => {
    const text = cidr.includes('/') ? cidr : `${cidr}/${ipaddr.parse(cidr).kind() === 'ipv4' ? 32 : 128}`;
    const [range, bits] = ipaddr.parseCIDR(text);
    return [range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress() ? (range as ipaddr.IPv6).toIPv4Address() : range, bits];
  });
}

/**
 * What kind of forbidden address this is (`a loopback address`), or undefined when it may be called: only public unicast addresses pass
 * (no loopback, private, link-local and cloud metadata, carrier-grade NAT, unique-local, multicast,
 * reserved, or IPv6 forms that carry one of those, like `::ffff:127.0.0.1`, 6to4 or NAT64), unless
 * the operator allowed its range.
 */
export function forbiddenKind(address: string, allowed: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  // IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
  const parsed = ipaddr.process(address);
  if (allowed.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits))) return undefined;
  const range = parsed.range();
  return range === 'unicast' ? undefined : `a ${range} address`;
}

/**
 * The addresses a URL's host stands for, each checked. An IP literal is taken as the URL parser
 * normalised it (so `0x7f.1`, `2130706433` and `127.1` are all 127.0.0.1); a name is resolved, and
 * every address it resolves to must pass, or none is used.
 */
export async function vettedAddresses(url: URL, allowed: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>, resolve: Resolve): Promise<ResolvedAddress[] | string> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const family = isIP(host);
  const addresses = family ? [{ address: host, family: family as 4 | 6 }] : await resolve(host).catch((error: Error) => error);
  if (addresses instanceof Error) return `${host} does not resolve (${(addresses as NodeJS.ErrnoException).code ?? addresses.message})`;
  if (!addresses.length) return `${host} does not resolve`;
  for (const { address } of addresses) {
    const kind = forbiddenKind(address, allowed);
    if (kind) return family ? `${address} is ${kind}` : `${host} resolves to ${address}, ${kind}`;
  }
  return addresses;
}
