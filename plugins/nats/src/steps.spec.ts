import { randomUUID } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { errors, type NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { runStepForTest, type StepNet } from '../../sdk/src/index.js';
import { parseConnection } from './connection.js';
import { publishStep } from './publish.step.js';
import { requestStep } from './request.step.js';
import { asStepError, withNats } from './session.js';

describe('nats connection URLs', () => {
  it('reads a user and password, or a token', () => {
    expect(parseConnection('nats://etl:p%40ss@nats.internal:4223')).toEqual({
      host: 'nats.internal',
      port: 4223,
      user: 'etl',
      pass: 'p@ss',
    });
    expect(parseConnection('nats://s3cr3t-token@[::1]')).toEqual({ host: '::1', port: 4222, token: 's3cr3t-token' });
    expect(parseConnection('nats://127.0.0.1:4222')).toEqual({ host: '127.0.0.1', port: 4222 });
  });

  it('refuses TLS, options and anything else, without repeating the URL', () => {
    for (const url of ['tls://u:s3cret@n:4222', 'nats://u:s3cret@n:4222?tls=1', 'nats://u:s3cret@n/x', 'amqp://u:s3cret@n', 's3cret']) {
      expect(() => parseConnection(url)).toThrow(
        expect.objectContaining({ code: 'invalid_connection', message: expect.not.stringContaining('s3cret') }),
      );
    }
  });
});

describe('nats errors', () => {
  it('fails for good on refused credentials and permissions, and retries the rest', () => {
    const refused = new errors.AuthorizationError('Authorization Violation');
    expect(asStepError(new errors.ConnectionError('closed', { cause: refused }))).toMatchObject({
      code: 'nats_authorization',
      retryable: false,
    });
    expect(asStepError(new errors.PermissionViolationError('Permissions Violation for Publish to "x"', 'publish', 'x'))).toMatchObject({
      code: 'nats_permission',
      retryable: false,
    });
    expect(asStepError(new errors.RequestError('no responders', { cause: new errors.NoRespondersError('x') }))).toMatchObject({
      code: 'nats_no_responders',
      retryable: true,
    });
    expect(asStepError(Object.assign(new Error('not approved'), { relayCode: 'network_denied' }))).toMatchObject({
      code: 'network_denied',
      retryable: false,
    });
  });
});

/** The steps against the machine's NATS server with JetStream (127.0.0.1:4222); the test's own client goes straight out. */
describe('nats steps', () => {
  const connection = 'nats://baton:secret-pw@127.0.0.1:4222';
  const networkEndpoints = ['127.0.0.1:4222'];
  const prefix = `baton.spec.${randomUUID().replace(/-/g, '')}`;
  const stream = `BATON_SPEC_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const direct = { connect: (o: { host: string; port: number }) => connect(o), socket: () => new Socket() } as unknown as StepNet;
  const withClient = <T>(work: (nc: NatsConnection) => Promise<T>) =>
    withNats('nats://127.0.0.1:4222', { net: direct, signal: new AbortController().signal }, 64 * 1024 * 1024, work);
  const jsApi = (api: string, body: unknown) =>
    withClient(async (nc) =>
      (await nc.request(`$JS.API.${api}`, JSON.stringify(body), { timeout: 5_000 })).json<Record<string, unknown>>(),
    );

  beforeAll(async () => {
    expect(
      await jsApi(`STREAM.CREATE.${stream}`, { name: stream, subjects: [`${prefix}.js.>`], storage: 'memory', duplicate_window: 60e9 }),
    ).not.toHaveProperty('error');
  });
  afterAll(async () => {
    await jsApi(`STREAM.DELETE.${stream}`, {});
  });

  it('publishes a payload with headers that a subscriber receives', async () => {
    const received = await withClient(async (nc) => {
      const sub = nc.subscribe(`${prefix}.orders`, { max: 1 });
      await nc.flush();
      const published = await runStepForTest(
        publishStep,
        { connection, subject: `${prefix}.orders`, payload: { id: 7 }, headers: { Source: 'spec' } },
        { networkEndpoints },
      );
      expect(published).toMatchObject({ ok: true, outputs: { subject: `${prefix}.orders`, bytes: 8 } });
      for await (const message of sub) return { data: message.json(), source: message.headers?.get('Source') };
    });
    expect(received).toEqual({ data: { id: 7 }, source: 'spec' });
  });

  it('publishes to JetStream once per msgId, and names a subject no stream captures', async () => {
    const input = { connection, subject: `${prefix}.js.orders`, payload: 'one', jetstream: true, msgId: 'order-7' };
    const first = await runStepForTest(publishStep, input, { networkEndpoints });
    expect(first).toMatchObject({ ok: true, outputs: { stream, seq: 1, duplicate: false } });
    const again = await runStepForTest(publishStep, input, { networkEndpoints });
    expect(again).toMatchObject({ ok: true, outputs: { stream, seq: 1, duplicate: true } });
    expect(await jsApi(`STREAM.INFO.${stream}`, {})).toMatchObject({ state: { messages: 1 } });
    const nowhere = await runStepForTest(publishStep, { ...input, subject: `${prefix}.nowhere` }, { networkEndpoints });
    expect(nowhere).toMatchObject({ ok: false, error: { stepCode: 'nats_no_stream', retryable: false } });
  });

  it('sends a request and outputs the reply; no responders and no answer are retried', async () => {
    const result = await withClient(async (nc) => {
      nc.subscribe(`${prefix}.price`, {
        callback: (_error, message) => void message.respond(JSON.stringify({ sku: message.string(), price: 9.5 })),
      });
      nc.subscribe(`${prefix}.silent`, { callback: () => undefined });
      await nc.flush();
      return Promise.all([
        runStepForTest(requestStep, { connection, subject: `${prefix}.price`, payload: 'A-1' }, { networkEndpoints }),
        runStepForTest(requestStep, { connection, subject: `${prefix}.silent`, timeoutMs: 200 }, { networkEndpoints }),
      ]);
    });
    expect(result[0]).toMatchObject({ ok: true, outputs: { data: { sku: 'A-1', price: 9.5 }, encoding: 'json' } });
    expect(result[1]).toMatchObject({ ok: false, error: { stepCode: 'nats_timeout', retryable: true } });
    expect(await runStepForTest(requestStep, { connection, subject: `${prefix}.nobody` }, { networkEndpoints })).toMatchObject({
      ok: false,
      error: { stepCode: 'nats_no_responders', retryable: true },
    });
  });

  it('stops waiting for a reply when cancelled', async () => {
    const controller = new AbortController();
    await withClient(async (nc) => {
      nc.subscribe(`${prefix}.slow`, { callback: () => undefined });
      await nc.flush();
      setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      const result = await runStepForTest(
        requestStep,
        { connection, subject: `${prefix}.slow`, timeoutMs: 600_000 },
        { networkEndpoints, signal: controller.signal },
      );
      expect(result).toMatchObject({ ok: false, error: { stepCode: 'cancelled' } });
      expect(Date.now() - started).toBeLessThan(3_000);
    });
  });

  it('reaches only the endpoints approved', async () => {
    expect(await runStepForTest(publishStep, { connection, subject: 'x' }, { networkEndpoints: [] })).toMatchObject({
      ok: false,
      error: { stepCode: 'nats_connection' },
    });
  });

  describe('against a hostile server', () => {
    let server: TestServer;
    beforeAll(async () => {
      // A server that answers a request with a message announced as 4 MiB, sent for as long as the client reads.
      server = await startTestServer((socket, flood) => {
        socket.write('INFO {"server_id":"x","version":"2.10.0","proto":1,"headers":true,"max_payload":1048576}\r\n');
        socket.on('data', (bytes) => {
          const text = bytes.toString();
          if (text.includes('PING')) socket.write('PONG\r\n');
          const inbox = /SUB (\S+)/.exec(text)?.[1];
          if (inbox) flood(`MSG ${inbox.replace('*', 'x')} 1 4194304\r\n`);
        });
      });
    });
    afterAll(() => server.close());

    it('stops reading at maxBytes', async () => {
      const result = await runStepForTest(
        requestStep,
        { connection: `nats://127.0.0.1:${server.port}`, subject: 'big', maxBytes: 1024 * 1024 },
        { networkEndpoints: [`127.0.0.1:${server.port}`] },
      );
      expect(result).toMatchObject({ ok: false, error: { stepCode: 'reply_too_large', retryable: false } });
      expect(server.flooded()).toBeLessThan(64 * 1024 * 1024);
    });
  });
});
