import ipaddr from 'ipaddr.js';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

export { hostAllowed } from '../../../plugins/sdk/src/egress-hosts.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

/** A host and port of the installation itself: its PostgreSQL, Temporal, API, metrics, artifact store. */
export interface InstallationEndpoint {
  host: string;
  port: number;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export const systemResolve: Resolve = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

/**
 * Cloud instance-metadata services: refused whatever the operator allows, since their answers are
 * the machine's own credentials. (AWS/GCP/Azure/OpenStack, AWS ECS and IPv6, Alibaba.)
 */
const METADATA_ADDRESSES = new Set([
  '169.254.169.254',
  '169.254.170.2',
  '169.254.170.23',
  'fd00:ec2::254',
  'fd00:ec2::23',
  '100.100.100.200',
]);
/** Where a listener bound to every interface is reached: any address of this machine. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
const METADATA_KIND = 'a cloud metadata address';
const INSTALLATION_CACHE_MS = 60_000;

/**
 * Parses the operator's exceptions (`EGRESS_ALLOW_CIDRS`, e.g. an internal API's subnet). Plain
 * addresses count as one-host ranges.
 */
export function parseCidrs(cidrs: readonly string[]): Cidr[] {
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
 * the operator allowed its range. Metadata services are refused even then.
 */
export function forbiddenKind(address: string, allowed: readonly Cidr[]): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  // IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
  const parsed = ipaddr.process(address);
  if (METADATA_ADDRESSES.has(parsed.toNormalizedString()) || METADATA_ADDRESSES.has(parsed.toString())) return METADATA_KIND;
  if (allowed.some(([range, bits]) => range.kind() === parsed.kind() && parsed.match(range, bits))) return undefined;
  const range = parsed.range();
  return range === 'unicast' ? undefined : `a ${range} address`;
}

/**
 * The one address policy of the installation, for everything a tenant can point somewhere: steps'
 * HTTP through the egress broker, their TCP through the relay, alert webhooks. A name is resolved
 * once and every address it stands for must pass, or none is used; the caller then connects to a
 * vetted address itself, so a second DNS answer cannot swap it (DNS rebinding). The installation's
 * own endpoints are refused on every address and port they are reached at, whatever is allowed.
 */
export class AddressPolicy {
  private readonly allowed: Cidr[];
  private readonly resolve: Resolve;
  private installationAt = 0;
  private installationCache: Promise<Array<{ address: string; port: number }>> | undefined;

  constructor(
    private readonly options: {
      allowCidrs?: readonly string[];
      /** The setting that lists `allowCidrs` (`EGRESS_ALLOW_CIDRS`), named in refusals it could lift. */
      allowSetting?: string;
      installation?: readonly InstallationEndpoint[];
      resolve?: Resolve;
    } = {},
  ) {
    this.allowed = parseCidrs(options.allowCidrs ?? []);
    this.resolve = options.resolve ?? systemResolve;
  }

  /** The addresses `host` stands for, each allowed for `port`, or why not (`db.internal resolves to 10.0.0.5, a private address`). */
  async vet(hostname: string, port: number): Promise<ResolvedAddress[] | string> {
    const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
    const family = isIP(host);
    const addresses = family ? [{ address: host, family: family as 4 | 6 }] : await this.resolve(host).catch((error: Error) => error);
    if (addresses instanceof Error) return `${host} does not resolve (${(addresses as NodeJS.ErrnoException).code ?? addresses.message})`;
    if (!addresses.length) return `${host} does not resolve`;
    for (const { address } of addresses) {
      const range = forbiddenKind(address, this.allowed);
      const kind = range ?? ((await this.isInstallation(address, port)) ? "one of this installation's own services" : undefined);
      if (!kind) continue;
      const refusal = family ? `${address}:${port} is ${kind}` : `${host} resolves to ${address}, ${kind}`;
      // Metadata services and the installation's own endpoints stay refused whatever the setting says.
      const allowable = range !== undefined && range !== METADATA_KIND && this.options.allowSetting;
      return allowable ? `${refusal}; an operator allows it by adding ${address} (or its range) to ${this.options.allowSetting}` : refusal;
    }
    return addresses;
  }

  /** The URL's host and port vetted (80 and 443 unless it says). */
  vetUrl(url: URL): Promise<ResolvedAddress[] | string> {
    return this.vet(url.hostname, Number(url.port || (url.protocol === 'https:' ? 443 : 80)));
  }

  private async isInstallation(address: string, port: number): Promise<boolean> {
    if (!this.options.installation?.length) return false;
    const normalized = ipaddr.process(address).toString();
    return (await this.installationAddresses()).some(
      (endpoint) => endpoint.port === port && (endpoint.address === normalized || (endpoint.address === '*' && isThisMachine(normalized))),
    );
  }

  /** The installation's endpoints as addresses; names re-resolved now and then, as the machines behind them change. */
  private installationAddresses(): Promise<Array<{ address: string; port: number }>> {
    if (!this.installationCache || Date.now() - this.installationAt > INSTALLATION_CACHE_MS) {
      this.installationAt = Date.now();
      this.installationCache = Promise.all(
        (this.options.installation ?? []).map(async ({ host, port }) => {
          const bare = host.replace(/^\[|\]$/g, '');
          if (WILDCARD_HOSTS.has(bare)) return [{ address: '*' as const, port }];
          const resolved = isIP(bare) ? [{ address: bare }] : await this.resolve(bare).catch(() => []);
          return resolved.map(({ address }) => ({
            address: isThisMachine(ipaddr.process(address).toString()) ? ('*' as const) : ipaddr.process(address).toString(),
            port,
          }));
        }),
      ).then((lists) => lists.flat());
    }
    return this.installationCache;
  }
}

/**
 * Loopback, or an address of one of this machine's interfaces: a service listening on one of them
 * is reached at any of them (127.0.0.2 reaches a listener on 127.0.0.1).
 */
function isThisMachine(address: string): boolean {
  const parsed = ipaddr.parse(address);
  if (parsed.range() === 'loopback' || parsed.range() === 'unspecified') return true;
  return Object.values(networkInterfaces())
    .flat()
    .some((i) => i && ipaddr.process(i.address).toString() === address);
}
