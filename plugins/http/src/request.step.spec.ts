import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePlugin, runStepForTest } from '../../sdk/src/index.js';
import http from './index.js';
import { requestStep } from './request.step.js';

type Route = (request: IncomingMessage, body: string, response: ServerResponse) => void;

const routes: Record<string, Route> = {
  '/json': (_request, _body, response) => reply(response, 200, 'application/json; charset=utf-8', '{"items":[1,2]}'),
  '/problem': (_request, _body, response) => reply(response, 404, 'application/problem+json', '{"title":"not here"}'),
  '/text': (_request, _body, response) => reply(response, 200, 'text/plain', 'plain words'),
  '/echo': (request, body, response) =>
    reply(
      response,
      201,
      'application/json',
      JSON.stringify({
        method: request.method,
        contentType: request.headers['content-type'],
        auth: request.headers.authorization,
        apiKey: request.headers['x-api-key'],
        traceparent: request.headers.traceparent,
        body,
      }),
    ),
  '/unavailable': (_request, _body, response) => reply(response, 503, 'text/plain', 'try later'),
  '/busy': (_request, _body, response) => reply(response, 429, 'text/plain', 'slow down'),
  '/empty-json': (_request, _body, response) => reply(response, 204, 'application/json', ''),
  '/huge': (_request, _body, response) => reply(response, 200, 'text/plain', 'x'.repeat(2 * 1024 * 1024)),
  '/hang': () => undefined,
};

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => routes[new URL(request.url!, 'http://x').pathname](request, Buffer.concat(chunks).toString(), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('http/request', () => {
  it('parses a JSON response', async () => {
    const result = await runStepForTest(requestStep, { url: `${base}/json` });

    expect(result).toMatchObject({
      ok: true,
      outputs: { status: 200, body: { items: [1, 2] }, headers: { 'content-type': 'application/json; charset=utf-8' } },
    });
  });

  it('returns any other response as text', async () => {
    expect(await runStepForTest(requestStep, { url: `${base}/text` })).toMatchObject({ ok: true, outputs: { body: 'plain words' } });
  });

  it('sends a JSON body with its content type, and a string body as-is', async () => {
    const json = await runStepForTest(requestStep, {
      url: `${base}/echo`,
      method: 'POST',
      body: { a: 1 },
      headers: { authorization: 'Bearer t' },
    });
    const text = await runStepForTest(requestStep, {
      url: `${base}/echo`,
      method: 'PUT',
      body: 'raw',
      headers: { 'content-type': 'text/csv' },
    });

    expect(json).toMatchObject({
      ok: true,
      outputs: { status: 201, body: { method: 'POST', contentType: 'application/json', auth: 'Bearer t', body: '{"a":1}' } },
    });
    expect(text).toMatchObject({ ok: true, outputs: { body: { method: 'PUT', contentType: 'text/csv', body: 'raw' } } });
  });

  it('sends credentials from its secret fields: auth.bearer, auth.basic.password and secretHeaders', async () => {
    const bearer = await runStepForTest(requestStep, {
      url: `${base}/echo`,
      auth: { bearer: 'tok-123' },
      secretHeaders: { 'X-Api-Key': 'key-456' },
    });
    const basic = await runStepForTest(requestStep, {
      url: `${base}/echo`,
      auth: { basic: { username: 'etl', password: 'pw' } },
      headers: { authorization: 'overridden' },
    });

    expect(bearer).toMatchObject({ ok: true, outputs: { body: { auth: 'Bearer tok-123', apiKey: 'key-456' } } });
    expect(basic).toMatchObject({ ok: true, outputs: { body: { auth: `Basic ${Buffer.from('etl:pw').toString('base64')}` } } });
    expect(await runStepForTest(requestStep, { url: `${base}/echo`, auth: {} })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
  });

  it('declares its secret fields in the manifest', () => {
    const schema = describePlugin(http).steps[0].inputSchema as {
      properties: Record<string, { properties?: Record<string, object>; additionalProperties?: object }>;
    };

    expect(schema.properties.auth.properties!.bearer).toMatchObject({ writeOnly: true, 'x-baton-secret': true });
    expect(schema.properties.auth.properties!.basic).toMatchObject({ properties: { password: { 'x-baton-secret': true } } });
    expect(schema.properties.secretHeaders.additionalProperties).toMatchObject({ 'x-baton-secret': true });
    expect(schema.properties.headers.additionalProperties).not.toHaveProperty('x-baton-secret');
  });

  it("sends the run's trace context as the traceparent header, unless the pipeline sets one", async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const traced = await runStepForTest(requestStep, { url: `${base}/echo`, method: 'POST' }, { traceparent });
    const own = await runStepForTest(
      requestStep,
      { url: `${base}/echo`, method: 'POST', headers: { traceparent: 'mine' } },
      { traceparent },
    );
    const untraced = await runStepForTest(requestStep, { url: `${base}/echo`, method: 'POST' });

    expect(traced).toMatchObject({ ok: true, outputs: { body: { traceparent } } });
    expect(own).toMatchObject({ ok: true, outputs: { body: { traceparent: 'mine' } } });
    expect(untraced).toMatchObject({ ok: true });
    expect(JSON.stringify(untraced)).not.toContain('traceparent');
  });

  it('fails retryably on 5xx and 429, for good on other 4xx', async () => {
    const unavailable = await runStepForTest(requestStep, { url: `${base}/unavailable?token=secret` });
    const busy = await runStepForTest(requestStep, { url: `${base}/busy` });
    const missing = await runStepForTest(requestStep, { url: `${base}/problem` });

    expect(unavailable).toMatchObject({
      ok: false,
      error: { retryable: true, stepCode: 'http_503', message: `GET ${base}/unavailable responded 503 Service Unavailable: try later` },
    });
    expect(busy).toMatchObject({ ok: false, error: { retryable: true, stepCode: 'http_429' } });
    expect(missing).toMatchObject({ ok: false, error: { retryable: false, stepCode: 'http_404' } });
  });

  it('returns error statuses as data when failOnStatus is off', async () => {
    const result = await runStepForTest(requestStep, { url: `${base}/problem`, failOnStatus: false });

    expect(result).toMatchObject({ ok: true, outputs: { status: 404, body: { title: 'not here' } } });
  });

  it('gives null for an empty JSON body', async () => {
    expect(await runStepForTest(requestStep, { url: `${base}/empty-json` })).toMatchObject({
      ok: true,
      outputs: { status: 204, body: null },
    });
  });

  it('refuses a body over the size limit', async () => {
    expect(await runStepForTest(requestStep, { url: `${base}/huge` })).toMatchObject({
      ok: false,
      error: { retryable: false, stepCode: 'response_too_large' },
    });
  });

  it('times out retryably', async () => {
    expect(await runStepForTest(requestStep, { url: `${base}/hang`, timeoutMs: 100 })).toMatchObject({
      ok: false,
      error: { retryable: true, stepCode: 'timeout', message: `GET ${base}/hang timed out after 100 ms` },
    });
  });

  it('stops when the step is cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    const result = await runStepForTest(requestStep, { url: `${base}/hang` }, { signal: controller.signal });

    expect(result).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^AbortError/) } });
  });

  it('reports a refused connection as a retryable network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    expect(await runStepForTest(requestStep, { url: `http://127.0.0.1:${port}/` })).toMatchObject({
      ok: false,
      error: { retryable: true, stepCode: 'network_error', message: expect.stringContaining('ECONNREFUSED') },
    });
  });

  it.each([
    ['a non-http URL', { url: 'file:///etc/passwd' }],
    ['a body on GET', { url: 'http://example.com', body: 'x' }],
    ['an unknown method', { url: 'http://example.com', method: 'BREW' }],
    ['an unknown field', { url: 'http://example.com', retries: 3 }],
  ])('rejects %s', async (_label, input) => {
    expect(await runStepForTest(requestStep, input)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('belongs to the http plugin', () => {
    expect(describePlugin(http).steps[0]).toMatchObject({ id: 'request', egress: ['*'] });
  });
});

function reply(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType }).end(body);
}
