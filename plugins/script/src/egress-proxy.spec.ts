import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HttpExchange, HttpResult } from '../../sdk/src/step-fetch.js';
import { createStepContext, type LogEntry } from '../../sdk/src/step-context.js';
import type { StepNet } from '../../sdk/src/step-net.js';
import { startEgressProxy, type EgressProxy } from './egress-proxy.js';

const identity = { runId: 'r', stepId: 's', tenantId: 't', attempt: 1, idempotencyKey: 'k' };

describe(startEgressProxy.name, () => {
  let exchanges: HttpExchange[];
  let logs: LogEntry[];
  let proxy: EgressProxy;
  let answer: HttpResult;
  let echo: Server;

  const start = (egress: string[], net?: StepNet) => {
    const ctx = createStepContext({
      identity,
      signal: new AbortController().signal,
      secrets: {},
      sink: { log: (entry) => logs.push(entry), metric: () => undefined },
      http: async (exchange) => {
        exchanges.push(exchange);
        return answer;
      },
      ...(net && { net }),
    });
    return startEgressProxy(ctx, egress).then((started) => (proxy = started));
  };
  /** A plain HTTP request through the proxy, as HTTP_PROXY makes clients send it. */
  const viaProxy = (method: string, url: string, body?: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const { port } = new URL(proxy.url);
      const outgoing = request({ host: '127.0.0.1', port, method, path: url, headers }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  const connectVia = async (authority: string) => {
    const socket = connect(Number(new URL(proxy.url).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n`);
    const [head] = (await once(socket, 'data')) as [Buffer];
    return { socket, head: head.toString() };
  };

  beforeEach(async () => {
    exchanges = [];
    logs = [];
    answer = {
      ok: true,
      url: 'http://api.example.com/v1',
      status: 201,
      statusText: 'Created',
      headers: [['x-answer', 'yes']],
      body: Buffer.from('made'),
    };
    echo = createServer((socket) => socket.pipe(socket));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
  });
  afterEach(async () => {
    await proxy?.close();
    echo.close();
  });

  it('forwards a plain HTTP request through ctx.fetch, without the hop-by-hop and proxy headers', async () => {
    await start(['api.example.com']);

    const response = await viaProxy('POST', 'http://api.example.com/v1?q=1', '{"a":1}', {
      'content-type': 'application/json',
      'proxy-authorization': 'Basic eDp5',
      'x-token': 'abc',
    });

    expect(response).toMatchObject({ status: 201, body: 'made', headers: { 'x-answer': 'yes', 'content-length': '4' } });
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]).toMatchObject({ method: 'POST', url: 'http://api.example.com/v1?q=1' });
    expect(Buffer.from(exchanges[0].body!).toString()).toBe('{"a":1}');
    const names = exchanges[0].headers.map(([name]) => name);
    expect(names).toEqual(expect.arrayContaining(['content-type', 'x-token']));
    expect(names).not.toContain('proxy-authorization');
    expect(names).not.toContain('host');
  });

  it("refuses a host outside the step's egress list with 403, before the worker is asked", async () => {
    await start(['api.example.com']);

    const response = await viaProxy('GET', 'http://db.internal:5432/');

    expect(response).toMatchObject({ status: 403, body: expect.stringContaining("db.internal is not in this step's egress list") });
    expect(exchanges).toEqual([]);
    expect(logs).toContainEqual({ level: 'warn', message: expect.stringMatching(/^proxy refused GET http:\/\/db\.internal:5432\/: /) });
  });

  it("answers the broker's refusal with 403 and a failed connection with 502", async () => {
    await start(['*']);
    answer = { ok: false, code: 'egress_denied', message: '10.0.0.1:80 is a private address' };
    expect(await viaProxy('GET', 'http://10.0.0.1/')).toMatchObject({ status: 403, body: expect.stringContaining('private address') });

    answer = { ok: false, code: 'request_failed', message: 'connect ECONNREFUSED', errno: 'ECONNREFUSED' };
    expect(await viaProxy('GET', 'http://api.example.com/')).toMatchObject({ status: 502, body: expect.stringContaining('ECONNREFUSED') });
  });

  it('is not a web server: a request without an absolute URL gets 400', async () => {
    await start(['*']);

    expect(await viaProxy('GET', '/index.html')).toMatchObject({ status: 400 });
  });

  it("is what Python's urllib uses with http_proxy set", async () => {
    await start(['api.example.com']);
    const script = 'import urllib.request; print(urllib.request.urlopen("http://api.example.com/v1").read().decode())';

    const { stdout } = await promisify(execFile)('python3', ['-I', '-c', script], {
      env: { PATH: '/usr/bin:/bin', http_proxy: proxy.url },
    });

    expect(stdout.trim()).toBe('made');
    expect(exchanges[0]).toMatchObject({ method: 'GET', url: 'http://api.example.com/v1' });
  });

  it('tunnels CONNECT through ctx.net to an allowed host, bytes both ways', async () => {
    const { port } = echo.address() as AddressInfo;
    const opened: string[] = [];
    const net: StepNet = {
      socket: () => {
        throw new Error('unused');
      },
      connect: ({ host, port: to }) => {
        opened.push(`${host}:${to}`);
        return connect(to, host);
      },
    };
    await start(['127.0.0.1'], net);

    const { socket, head } = await connectVia(`127.0.0.1:${port}`);
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    socket.write('ping');
    const [bytes] = (await once(socket, 'data')) as [Buffer];
    socket.destroy();

    expect(bytes.toString()).toBe('ping');
    expect(opened).toEqual([`127.0.0.1:${port}`]);
  });

  it('refuses CONNECT outside egress, or when the relay refuses the endpoint', async () => {
    await start(['api.example.com']);

    expect((await connectVia('other.example.com:443')).head).toMatch(/^HTTP\/1\.1 403 [^]*not in this step's egress list/);
    // Without network access (ctx.net refuses), as the relay does for an endpoint no admin approved.
    expect((await connectVia('api.example.com:443')).head).toMatch(/^HTTP\/1\.1 403 [^]*no raw network access/);
    expect((await connectVia('api.example.com')).head).toMatch(/^HTTP\/1\.1 400 /);
  });
});
