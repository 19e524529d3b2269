import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { hostAllowed } from '../../sdk/src/egress-hosts.js';
import type { StepContext } from '../../sdk/src/index.js';

export interface EgressProxy {
  /** `http://127.0.0.1:<port>`, for the script's HTTP_PROXY and HTTPS_PROXY. */
  readonly url: string;
  close(): Promise<void>;
}

/** A request body travels to the worker in one message; 8 MiB is plenty for a script's API calls. */
export const MAX_REQUEST_BYTES = 8 * 1024 * 1024;
/** Hop-by-hop and proxy headers: they concern the hop to this proxy, not the request it forwards. */
const HOP_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

type ProxyContext = Pick<StepContext, 'fetch' | 'net' | 'log'>;

/**
 * A forward proxy on the step process's loopback for the tenant's script, which has no network of
 * its own: a plain HTTP request goes out through `ctx.fetch` (the worker's egress broker, its
 * address policy and redirect checks), and HTTPS, tunnelled with CONNECT, through `ctx.net` (the
 * worker's TCP relay: only endpoints a tenant admin approved for the plugin, at vetted addresses;
 * TLS stays end to end between the script and the server). Either way the host must also be in
 * the step's own `egress` list, which the pipeline gives: none means no network at all.
 */
export async function startEgressProxy(ctx: ProxyContext, egress: readonly string[]): Promise<EgressProxy> {
  const tunnels = new Set<Duplex>();
  const server = createServer((request, response) => void forward(ctx, egress, request, response));
  server.on('connect', (request: IncomingMessage, socket: Socket, head: Buffer) => tunnel(ctx, egress, request, socket, head, tunnels));
  // Reports an unparsable request to the client instead of dropping it silently.
  server.on('clientError', (_error, socket: Duplex) => socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n'));
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const socket of tunnels) socket.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function forward(ctx: ProxyContext, egress: readonly string[], request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = request.method ?? 'GET';
  let url: URL;
  try {
    url = new URL(request.url ?? '');
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(url.protocol);
  } catch {
    return refuse(response, 400, 'this is a proxy: send absolute http:// URLs (HTTP_PROXY), or CONNECT for https');
  }
  const target = `${method} ${url.origin}${url.pathname}`;
  if (!hostAllowed(url.hostname, egress)) {
    ctx.log('warn', `proxy refused ${target}: ${url.hostname} is not in the step's egress list (${egress.join(', ') || 'empty'})`);
    return refuse(response, 403, `${url.hostname} is not in this step's egress list`);
  }
  const body = await readBody(request);
  if (body === undefined) return refuse(response, 413, `request bodies are limited to ${MAX_REQUEST_BYTES} bytes`);
  let answer: Response;
  try {
    answer = await ctx.fetch(url, {
      method,
      headers: forwardedHeaders(request.rawHeaders),
      ...(body.length && method !== 'GET' && method !== 'HEAD' && { body }),
    });
  } catch (error) {
    const denied = (error as { code?: unknown }).code === 'egress_denied';
    const reason = denied ? (error as Error).message : describeFailure(error);
    ctx.log('warn', `proxy ${denied ? 'refused' : 'could not forward'} ${target}: ${reason}`);
    return refuse(response, denied ? 403 : 502, reason);
  }
  const content = Buffer.from(await answer.arrayBuffer());
  ctx.log('debug', `proxy ${target} → ${answer.status}`);
  const headers: Array<[string, string]> = [];
  answer.headers.forEach((value, name) => {
    if (!HOP_HEADERS.has(name)) headers.push([name, value]);
  });
  response.writeHead(answer.status, answer.statusText, [...headers, ['content-length', String(content.length)]].flat());
  response.end(method === 'HEAD' ? undefined : content);
}

function tunnel(
  ctx: ProxyContext,
  egress: readonly string[],
  request: IncomingMessage,
  client: Socket,
  head: Buffer,
  tunnels: Set<Duplex>,
): void {
  const endpoint = parseAuthority(request.url ?? '');
  const answer = (status: string, reason: string) => {
    client.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${reason}\n`);
  };
  if (!endpoint) return answer('400 Bad Request', 'CONNECT needs host:port');
  const target = `CONNECT ${endpoint.host}:${endpoint.port}`;
  if (!hostAllowed(endpoint.host, egress)) {
    ctx.log('warn', `proxy refused ${target}: ${endpoint.host} is not in the step's egress list (${egress.join(', ') || 'empty'})`);
    return answer('403 Forbidden', `${endpoint.host} is not in this step's egress list`);
  }
  let upstream: Duplex;
  try {
    upstream = ctx.net.connect(endpoint);
  } catch (error) {
    ctx.log('warn', `proxy refused ${target}: ${(error as Error).message}`);
    return answer('403 Forbidden', (error as Error).message);
  }
  tunnels.add(client).add(upstream);
  let connected = false;
  upstream.once('connect', () => {
    connected = true;
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    client.pipe(upstream).pipe(client);
  });
  upstream.on('error', (error: Error & { relayCode?: string }) => {
    if (connected) return client.destroy();
    const denied = error.relayCode === 'network_denied';
    ctx.log('warn', `proxy ${denied ? 'refused' : 'could not open'} ${target}: ${error.message}`);
    answer(denied ? '403 Forbidden' : '502 Bad Gateway', error.message);
  });
  client.on('error', () => upstream.destroy());
  client.on('close', () => {
    upstream.destroy();
    tunnels.delete(client);
    tunnels.delete(upstream);
  });
}

function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/]+)):(\d{1,5})$/.exec(authority);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65_535) return undefined;
  return { host: match[1] ?? match[2], port };
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function forwardedHeaders(raw: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let index = 0; index + 1 < raw.length; index += 2) {
    if (!HOP_HEADERS.has(raw[index].toLowerCase())) pairs.push([raw[index], raw[index + 1]]);
  }
  return pairs;
}

function refuse(response: ServerResponse, status: number, reason: string): void {
  if (response.headersSent) return void response.destroy();
  response.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
  response.end(`${reason}\n`);
}

/** undici's `fetch failed` hides the reason in its cause (`ECONNREFUSED`…). */
function describeFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
