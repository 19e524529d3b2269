import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { runStepForTest } from '../../sdk/src/index.js';
import { parseConnection } from './connection.js';
import { publishStep } from './publish.step.js';

describe('mqtt connection URLs', () => {
  it('reads user, password, host and port', () => {
    expect(parseConnection('mqtt://etl:p%40ss@broker.internal:1884')).toEqual({
      host: 'broker.internal',
      port: 1884,
      username: 'etl',
      password: 'p@ss',
    });
    expect(parseConnection('mqtt://127.0.0.1')).toEqual({ host: '127.0.0.1', port: 1883 });
  });

  it('refuses TLS, options and anything else, without repeating the URL', () => {
    for (const url of ['mqtts://u:s3cret@b:8883', 'mqtt://u:s3cret@b:1883?tls=1', 'mqtt://u:s3cret@b/x', 'ws://u:s3cret@b', 's3cret']) {
      expect(() => parseConnection(url)).toThrow(
        expect.objectContaining({ code: 'invalid_connection', message: expect.not.stringContaining('s3cret') }),
      );
    }
  });
});

/** The step against the machine's Mosquitto (127.0.0.1:1883), a subscriber of the test's own checking what arrives. */
describe('mqtt/publish', () => {
  const connection = 'mqtt://baton:secret-pw@127.0.0.1:1883';
  const networkEndpoints = ['127.0.0.1:1883'];
  const topic = `baton/spec/${randomUUID()}`;
  let subscriber: mqtt.MqttClient;
  const received: Array<{ topic: string; payload: string; retain: boolean; qos: number }> = [];

  beforeAll(async () => {
    subscriber = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { protocolVersion: 5, reconnectPeriod: 0 });
    subscriber.on('message', (t, payload, packet) =>
      received.push({ topic: t, payload: payload.toString(), retain: packet.retain, qos: packet.qos }),
    );
    await subscriber.subscribeAsync(`${topic}/#`, { qos: 2 });
  });
  afterAll(async () => {
    // A retained message stays on the broker until an empty one replaces it.
    await subscriber.publishAsync(`${topic}/retained`, '', { retain: true, qos: 1 });
    await subscriber.endAsync();
  });

  it('publishes at QoS 0, 1 and 2, waits for the acks, and retains', async () => {
    for (const qos of [0, 1, 2] as const) {
      const result = await runStepForTest(
        publishStep,
        { connection, topic: `${topic}/q${qos}`, payload: { qos }, qos },
        { networkEndpoints },
      );
      expect(result).toMatchObject({ ok: true, outputs: { topic: `${topic}/q${qos}`, bytes: 9, qos, retain: false } });
    }
    expect(
      await runStepForTest(
        publishStep,
        { connection, topic: `${topic}/retained`, payload: 'last', retain: true, protocolVersion: 4 },
        { networkEndpoints },
      ),
    ).toMatchObject({ ok: true });
    for (let i = 0; i < 50 && received.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    // QoS 2 reaches a subscriber after its own handshake: the order of arrival is not the order of publishing.
    expect(received.map(({ topic: t, payload }) => [t.slice(topic.length), payload]).sort()).toEqual([
      ['/q0', '{"qos":0}'],
      ['/q1', '{"qos":1}'],
      ['/q2', '{"qos":2}'],
      ['/retained', 'last'],
    ]);
    const late = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { reconnectPeriod: 0 });
    const retained = new Promise<string>((resolve) => late.on('message', (_t, payload) => resolve(payload.toString())));
    await late.subscribeAsync(`${topic}/retained`);
    expect(await retained).toBe('last');
    await late.endAsync();
  });

  it("fails for good with the broker's reason when it refuses a publish", async () => {
    expect(await runStepForTest(publishStep, { connection, topic: '$SYS/baton', payload: 'x' }, { networkEndpoints })).toMatchObject({
      ok: false,
      error: { stepCode: 'mqtt_135', retryable: false, message: expect.stringContaining('Not authorized') },
    });
  });

  it('reaches only the endpoints approved', async () => {
    expect(await runStepForTest(publishStep, { connection, topic }, { networkEndpoints: [] })).toMatchObject({
      ok: false,
      error: { stepCode: 'mqtt_connection' },
    });
  });

  describe('against a broker that never answers, or never stops', () => {
    let server: TestServer;
    // On client id `...flood...`: a CONNACK, then a PUBLISH announced as 256 MiB for as long as the client reads; otherwise silence.
    beforeAll(async () => {
      server = await startTestServer((socket, flood) =>
        socket.once('data', (bytes) => {
          if (bytes.includes('flood')) flood(Buffer.from([0x20, 0x02, 0x00, 0x00, 0x30, 0xff, 0xff, 0xff, 0x7f]));
        }),
      );
    });
    afterAll(() => server.close());

    it('stops waiting for the CONNACK when cancelled', async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      const result = await runStepForTest(
        publishStep,
        { connection: `mqtt://127.0.0.1:${server.port}`, topic: 'a' },
        { networkEndpoints: [`127.0.0.1:${server.port}`], signal: controller.signal },
      );
      expect(result).toMatchObject({ ok: false, error: { stepCode: 'cancelled' } });
      expect(Date.now() - started).toBeLessThan(3_000);
      for (let i = 0; i < 20 && server.open(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.open(), 'the connection is closed with the step').toBe(0);
    });

    it('stops reading a flood at 1 MiB', async () => {
      const result = await runStepForTest(
        publishStep,
        { connection: `mqtt://flood:flood@127.0.0.1:${server.port}`, topic: 'a', protocolVersion: 4 },
        { networkEndpoints: [`127.0.0.1:${server.port}`] },
      );
      expect(result).toMatchObject({ ok: false, error: { stepCode: 'reply_too_large', retryable: false } });
      expect(server.flooded()).toBeLessThan(64 * 1024 * 1024);
    });
  });
});
