import { Agent as HttpAgent, request as httpRequest, type ClientRequestArgs, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions as HttpsRequestOptions } from 'node:https';
import type { LookupFunction } from 'node:net';
import { AddressPolicy, hostAllowed, type InstallationEndpoint, type ResolvedAddress, type Resolve } from './egress-policy.js';

/** An HTTP request a step asks the worker to make (bodies base64, headers as pairs). */
export interface BrokerRequest {
  url: string;
  method: string;
  headers: Array<[string, string]>;
  body?: Uint8Array;
}

export interface BrokerResponse {
  ok: true;
  url: string;
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

export interface BrokerDenial {
  ok: false;
  /** `egress_denied`: the policy refused; `request_failed`: the request itself failed. */
  code: 'egress_denied' | 'request_failed';
  message: string;
  errno?: string;
}

export interface EgressBrokerOptions {
  /** Ranges the operator allows besides public addresses (`EGRESS_ALLOW_CIDRS`). */
  allowCidrs?: readonly string[];
  /** The setting refusals name as the way to allow an address: `EGRESS_ALLOW_CIDRS` unless said. */
  allowSetting?: string;
  /** The installation's own services, refused whatever `allowCidrs` says. */
  installation?: readonly InstallationEndpoint[];
  resolve?: Resolve;
  maxRedirects?: number;
  maxResponseBytes?: number;
  timeoutMs?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** How long an idle connection is kept for the next request of its pool, and how many pools are kept. */
const IDLE_CONNECTION_MS = 4_000;
const MAX_POOLS = 256;
/** Hop-by-hop and routing headers a step may not set: the broker decides where a request goes. */
const REFUSED_HEADERS = new Set([
  'host',
  'connection',
  'proxy-authorization',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'keep-alive',
  'te',
  'trailer',
]);
/**
 * What still goes along when a redirect leads to another origin. Stricter than fetch, which drops
 * only Authorization: credentials travel in cookies and in headers of any name (`X-Api-Key`), and a
 * redirect must not hand them to a host the step never meant to send them to.
 */
const CROSS_ORIGIN_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'content-type',
  'content-language',
  'user-agent',
  'traceparent',
  'tracestate',
]);

/**
 * The host side of `ctx.fetch`: steps have no network of their own, so every HTTP request goes
 * through here. Each hop (the first and every redirect) must name a host the step declared, and
 * every address its name resolves to must be public; the connection then goes to the vetted
 * address itself, so a second DNS answer cannot swap it (DNS rebinding).
 */
export class EgressBroker {
  /** The addresses it may connect to; also for callers that vet a URL before they send to it. */
  readonly policy: AddressPolicy;
  private readonly maxRedirects: number;
  private readonly maxResponseBytes: number;
  private readonly timeoutMs: number;
  /** Kept-alive connections by pool (a tenant), most recently used last. */
  private readonly pools = new Map<string, { http: HttpAgent; https: HttpsAgent }>();

  constructor(options: EgressBrokerOptions = {}) {
    this.policy = new AddressPolicy({ allowSetting: 'EGRESS_ALLOW_CIDRS', ...options });
    this.maxRedirects = options.maxRedirects ?? 5;
    this.maxResponseBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /**
   * `pool` (a tenant id) lets the request reuse an idle connection an earlier request of the same
   * pool opened to the same vetted address: never one of another pool, since a server may tie state to
   * a connection (NTLM authenticates the connection, not the request). Without it, a connection each.
   */
  async fetch(
    request: BrokerRequest,
    egress: readonly string[],
    signal?: AbortSignal,
    pool?: string,
  ): Promise<BrokerResponse | BrokerDenial> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return denied(`${JSON.stringify(request.url)} is not a URL`);
    }
    let { method } = request;
    let body = request.body;
    let headers = request.headers.filter(([name]) => !REFUSED_HEADERS.has(name.toLowerCase()));
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const abort = signal ? AbortSignal.any([signal, timeout]) : timeout;

    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return denied(`${url.protocol} URLs are not allowed; only http and https`);
      if (url.username || url.password) return denied('credentials in the URL are not allowed; send an Authorization header');
      if (!hostAllowed(url.hostname, egress)) {
        return denied(
          `${url.hostname} is not in this step's egress list (${egress.join(', ') || 'empty'}): the plugin declares the hosts each step may call ` +
            '(`egress` in its manifest), and a tenant admin approves them with POST /v1/plugins/{plugin}/enable',
        );
      }
      const addresses = await this.policy.vetUrl(url);
      if (typeof addresses === 'string') return denied(addresses);

      let response: IncomingMessage;
      try {
        response = await send(url, addresses[0], method, headers, body, abort, pool === undefined ? false : this.agents(pool));
      } catch (error) {
        if (signal?.aborted) throw error;
        return {
          ok: false,
          code: 'request_failed',
          message: `${method} ${url.origin}: ${(error as Error).message}`,
          errno: (error as NodeJS.ErrnoException).code,
        };
      }
      const location = response.headers.location;
      if (REDIRECTS.has(response.statusCode ?? 0) && location) {
        response.resume();
        if (hop >= this.maxRedirects) return { ok: false, code: 'request_failed', message: `more than ${this.maxRedirects} redirects` };
        const next = new URL(location, url);
        if (next.origin !== url.origin) headers = headers.filter(([name]) => CROSS_ORIGIN_HEADERS.has(name.toLowerCase()));
        url = next;
        // As browsers do: a 303, or a 301/302 after a POST, continues as a GET without a body.
        if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      try {
        const content = await readBounded(response, this.maxResponseBytes);
        const responseHeaders = Object.entries(response.headers).flatMap(([name, value]) =>
          Array.isArray(value)
            ? value.map((v) => [name, v] as [string, string])
            : value === undefined
              ? []
              : [[name, value] as [string, string]],
        );
        return {
          ok: true,
          url: url.href,
          status: response.statusCode ?? 0,
          statusText: response.statusMessage ?? '',
          headers: responseHeaders,
          body: content,
        };
      } catch (error) {
        return { ok: false, code: 'request_failed', message: `${method} ${url.origin}: ${(error as Error).message}` };
      }
    }
  }

  private agents(pool: string): { http: HttpAgent; https: HttpsAgent } {
    let agents = this.pools.get(pool);
    if (agents) this.pools.delete(pool);
    else {
      const options = { keepAlive: true, timeout: IDLE_CONNECTION_MS, maxFreeSockets: 16 };
      agents = { http: new PinnedHttpAgent(options), https: new PinnedHttpsAgent(options) };
    }
    this.pools.set(pool, agents);
    // A pool dropped here keeps its requests in flight; its idle connections close on their timeout.
    if (this.pools.size > MAX_POOLS) this.pools.delete(this.pools.keys().next().value!);
    return agents;
  }
}

/** The vetted address a request connects to, beside the name: an idle connection is reused only for the same address. */
type Pinned = { vetted?: string };

class PinnedHttpAgent extends HttpAgent {
  override getName(options?: ClientRequestArgs & Pinned): string {
    return `${super.getName(options)}|${options?.vetted ?? ''}`;
  }
}

class PinnedHttpsAgent extends HttpsAgent {
  override getName(options?: HttpsRequestOptions & Pinned): string {
    return `${super.getName(options)}|${options?.vetted ?? ''}`;
  }
}

function denied(message: string): BrokerDenial {
  return { ok: false, code: 'egress_denied', message };
}

function send(
  url: URL,
  address: ResolvedAddress,
  method: string,
  headers: Array<[string, string]>,
  body: Uint8Array | undefined,
  signal: AbortSignal,
  agents: { http: HttpAgent; https: HttpsAgent } | false,
): Promise<IncomingMessage> {
  // The socket connects to the address that was vetted; TLS still checks the certificate for the name.
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [address]);
    else callback(null, address.address, address.family);
  };
  const https = url.protocol === 'https:';
  const requester = https ? httpsRequest : httpRequest;
  const agent = agents && (https ? agents.https : agents.http);
  return new Promise((resolve, reject) => {
    const merged: Record<string, string> = {};
    for (const [name, value] of headers)
      merged[name.toLowerCase()] = merged[name.toLowerCase()] === undefined ? value : `${merged[name.toLowerCase()]}, ${value}`;
    const options = { method, headers: merged, lookup, signal, agent, vetted: `${address.family}/${address.address}` };
    const outgoing = requester(url, options, resolve);
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function readBounded(response: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      response.destroy();
      throw new Error(`the response is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
