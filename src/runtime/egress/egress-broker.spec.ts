import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EgressBroker, type BrokerRequest } from './egress-broker.js';
import type { Resolve } from './egress-policy.js';

const get = (url: string): BrokerRequest => ({ url, method: 'GET', headers: [] });

describe(EgressBroker.name, () => {
  let server: Server;
  let port: number;
  const hosts: string[] = [];

  const seen: Array<Record<string, string | string[] | undefined>> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      hosts.push(request.headers.host ?? '');
      seen.push(request.headers);
      const target = new URL(request.url ?? '/', 'http://x');
      if (target.pathname === '/redirect') {
        response.writeHead(302, { location: target.searchParams.get('to')! }).end();
      } else if (target.pathname === '/big') {
        response.end(Buffer.alloc(2048, 'x'));
      } else {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ path: target.pathname, method: request.method }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  /** Names the tests resolve themselves: nothing here depends on real DNS. */
  const names: Record<string, string[]> = {
    'api.test': ['127.0.0.1'],
    'internal.test': ['10.0.0.5'],
    'mixed.test': ['93.184.216.34', '192.168.1.10'],
    'metadata.test': ['169.254.169.254'],
    'other.test': ['127.0.0.1'],
  };
  let lookups = 0;
  const resolve: Resolve = async (host) => {
    lookups++;
    const found = names[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  // The tests' server is on 127.0.0.1, so that one address is allowed, as the e2e stack allows it.
  const broker = new EgressBroker({ resolve, allowCidrs: ['127.0.0.1/32'], maxResponseBytes: 1024 });

  it('calls a declared host, through the address it vetted', async () => {
    lookups = 0;
    const result = await broker.fetch(get(`http://api.test:${port}/hello`), ['api.test']);
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(JSON.parse((result as { body: Buffer }).body.toString())).toEqual({ path: '/hello', method: 'GET' });
    expect(hosts.at(-1)).toBe(`api.test:${port}`);
    // One answer per hop: the connection never asks DNS again, so a rebinding answer cannot sneak in.
    expect(lookups).toBe(1);
  });

  it('refuses hosts the step did not declare, and wildcards match subdomains only', async () => {
    expect(await broker.fetch(get(`http://api.test:${port}/`), ['other.test'])).toMatchObject({
      ok: false,
      code: 'egress_denied',
      message: expect.stringContaining("not in this step's egress list"),
    });
    expect(await broker.fetch(get(`http://api.test:${port}/`), [])).toMatchObject({ ok: false, code: 'egress_denied' });
    expect(await broker.fetch(get(`http://api.test:${port}/`), ['*.api.test'])).toMatchObject({ ok: false, code: 'egress_denied' });
    expect(await broker.fetch(get(`http://api.test:${port}/`), ['*.test'])).toMatchObject({ ok: true });
  });

  it.each([
    ['loopback beyond the allowed address', 'http://127.0.0.2:1/'],
    ['a decimal spelling of loopback', 'http://2130706434:1/'],
    ['a hex spelling of loopback', 'http://0x7f.0.0.2:1/'],
    ['an octal spelling of loopback', 'http://0177.0.0.2:1/'],
    ['a short spelling of loopback', 'http://127.2:1/'],
    ['IPv6 loopback', 'http://[::1]:1/'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.2]:1/'],
    ['a private address', 'http://10.0.0.1/'],
    ['another private range', 'http://172.16.5.4/'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['carrier-grade NAT', 'http://100.64.0.1/'],
    ['the unspecified address', 'http://0.0.0.0:1/'],
    ['IPv6 link-local', 'http://[fe80::1]/'],
    ['IPv6 unique-local', 'http://[fd00::1]/'],
    ['6to4 wrapping loopback', 'http://[2002:7f00:1::]/'],
    ['a name that resolves to a private address', 'http://internal.test/'],
    ['a name with one private address among public ones', 'http://mixed.test/'],
    ['a name that resolves to the metadata address', 'http://metadata.test/'],
  ])('refuses %s', async (_what, url) => {
    expect(await broker.fetch(get(url), ['*'])).toMatchObject({ ok: false, code: 'egress_denied' });
  });

  it('checks every redirect like the first request', async () => {
    const via = (to: string) => `http://api.test:${port}/redirect?to=${encodeURIComponent(to)}`;
    expect(await broker.fetch(get(via('/landed')), ['api.test'])).toMatchObject({ ok: true, url: `http://api.test:${port}/landed` });
    expect(await broker.fetch(get(via('http://127.0.0.2:1/')), ['*'])).toMatchObject({
      ok: false,
      code: 'egress_denied',
      message: expect.stringMatching(
        /^127\.0\.0\.2:1 is a loopback address; an operator allows it by adding 127\.0\.0\.2 \(or its range\) to EGRESS_ALLOW_CIDRS$/,
      ),
    });
    expect(await broker.fetch(get(via('http://169.254.169.254/')), ['*'])).toMatchObject({ ok: false, code: 'egress_denied' });
    expect(await broker.fetch(get(via(`http://elsewhere.test:${port}/`)), ['api.test'])).toMatchObject({
      ok: false,
      code: 'egress_denied',
      message: expect.stringContaining('elsewhere.test'),
    });
    expect(await broker.fetch(get(via('file:///etc/passwd')), ['*'])).toMatchObject({ ok: false, code: 'egress_denied' });
  });

  it('keeps credentials on a redirect within the origin, and drops them on one to another origin', async () => {
    const credentials: Array<[string, string]> = [
      ['authorization', 'Bearer s3cret'],
      ['cookie', 'session=s3cret'],
      ['x-api-key', 's3cret'],
      ['accept', 'application/json'],
    ];
    const via = (to: string) => ({
      url: `http://api.test:${port}/redirect?to=${encodeURIComponent(to)}`,
      method: 'GET',
      headers: credentials,
    });

    seen.length = 0;
    expect(await broker.fetch(via('/same'), ['api.test', 'other.test'])).toMatchObject({ ok: true });
    expect(seen.at(-1)).toMatchObject({ authorization: 'Bearer s3cret', cookie: 'session=s3cret', 'x-api-key': 's3cret' });

    expect(await broker.fetch(via(`http://other.test:${port}/elsewhere`), ['api.test', 'other.test'])).toMatchObject({ ok: true });
    expect(seen.at(-2)).toMatchObject({ authorization: 'Bearer s3cret' });
    expect(seen.at(-1)).toMatchObject({ accept: 'application/json' });
    expect(Object.keys(seen.at(-1)!)).not.toEqual(expect.arrayContaining(['authorization']));
    expect(seen.at(-1)!.cookie ?? seen.at(-1)!['x-api-key']).toBeUndefined();
  });

  it("refuses the installation's own endpoints and metadata addresses, whatever the operator allows", async () => {
    const own = new EgressBroker({ resolve, allowCidrs: ['127.0.0.0/8', '169.254.0.0/16'], installation: [{ host: '127.0.0.1', port }] });
    expect(await own.fetch(get(`http://api.test:${port}/`), ['*'])).toMatchObject({
      ok: false,
      code: 'egress_denied',
      message: expect.stringContaining("this installation's own services"),
    });
    expect(await own.fetch(get(`http://127.0.0.2:${port}/`), ['*'])).toMatchObject({
      ok: false,
      code: 'egress_denied',
      message: expect.stringContaining("this installation's own services"),
    });
    expect(await own.fetch(get('http://metadata.test/'), ['*'])).toMatchObject({
      ok: false,
      code: 'egress_denied',
      message: expect.stringContaining('cloud metadata'),
    });
    expect(await own.fetch(get(`http://api.test:${port}/hello`), ['*'])).toMatchObject({ ok: false });
    expect(
      await new EgressBroker({ resolve, allowCidrs: ['127.0.0.0/8'], installation: [{ host: '127.0.0.1', port: 1 }] }).fetch(
        get(`http://api.test:${port}/hello`),
        ['*'],
      ),
    ).toMatchObject({ ok: true });
  });

  it('refuses other schemes and credentials in the URL, and bounds the response', async () => {
    expect(await broker.fetch(get('file:///etc/passwd'), ['*'])).toMatchObject({ ok: false, code: 'egress_denied' });
    expect(await broker.fetch(get(`http://user:pw@api.test:${port}/`), ['*'])).toMatchObject({ ok: false, code: 'egress_denied' });
    expect(await broker.fetch(get(`http://api.test:${port}/big`), ['*'])).toMatchObject({
      ok: false,
      code: 'request_failed',
      message: expect.stringContaining('larger than 1024 bytes'),
    });
    expect(await broker.fetch(get('http://nowhere.test/'), ['*'])).toMatchObject({
      ok: false,
      code: 'egress_denied',
      message: expect.stringContaining('does not resolve'),
    });
  });

  it("reuses a connection only within one pool and to the address it vetted, never another pool's", async () => {
    // On every loopback address, so that one name can resolve to two of them.
    const any = createServer((request, response) => response.end(`${request.socket.localAddress} ${request.socket.remotePort}`));
    await new Promise<void>((resolve) => any.listen(0, '0.0.0.0', resolve));
    const anyPort = (any.address() as AddressInfo).port;
    let answer = '127.0.0.1';
    const rebinding: Resolve = async () => [{ address: answer, family: 4 }];
    const pooled = new EgressBroker({ resolve: rebinding, allowCidrs: ['127.0.0.0/8'] });
    const call = async (pool?: string) => {
      const result = await pooled.fetch(get(`http://api.test:${anyPort}/`), ['api.test'], undefined, pool);
      if (!result.ok) throw new Error(result.message);
      const [address, port] = result.body.toString().split(' ');
      return { address, port };
    };
    try {
      const first = await call('tenant-a');
      const again = await call('tenant-a');
      const other = await call('tenant-b');
      answer = '127.0.0.2';
      const moved = await call('tenant-a');
      const unpooled = [await call(), await call()];

      expect(again).toEqual(first);
      expect(other.port).not.toBe(first.port);
      expect(moved).toMatchObject({ address: '127.0.0.2' });
      expect(moved.port).not.toBe(first.port);
      expect(unpooled[0].port).not.toBe(unpooled[1].port);
    } finally {
      any.closeAllConnections();
      await new Promise((resolve) => any.close(resolve));
    }
  });

  it('reports a refused connection with its system error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await broker.fetch(get(`http://127.0.0.1:${closedPort}/`), ['*'])).toMatchObject({
      ok: false,
      code: 'request_failed',
      errno: 'ECONNREFUSED',
    });
  });
});
