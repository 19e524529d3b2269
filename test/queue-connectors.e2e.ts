import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createConnection } from 'node:net';
import { AMQPClient, type AMQPChannel } from '@cloudamqp/amqp-client';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withNats } from '../plugins/nats/src/session.js';
import type { StepNet } from '../plugins/sdk/src/index.js';
import { approveEndpoints } from './support/plugin-packages.js';
import { expectSecretNowhere } from './support/secret-leaks.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import {
  api,
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  stepOf,
  uniqueName,
  waitForRun,
  type TestTenant,
} from './support/builders.js';

/**
 * The amqp, nats, mqtt and redis connectors against the machine's RabbitMQ, NATS (JetStream),
 * Mosquitto and Redis on loopback (reachable through the stack's SANDBOX_ALLOW_CIDRS), each URL a
 * tenant secret with a password of the test's own: a RabbitMQ user and a Redis ACL user made for
 * the test, and credentials NATS and Mosquitto (no auth configured) take and ignore. The test's own
 * clients check on the service side what the steps did.
 */
describe('queue connectors', () => {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
  const passwords = {
    amqp: `amqp-${randomUUID()}`,
    nats: `nats-${randomUUID()}`,
    mqtt: `mqtt-${randomUUID()}`,
    redis: `redis-${randomUUID()}`,
  };
  const user = `baton_${suffix}`;
  const urls = {
    amqp: `amqp://${user}:${passwords.amqp}@127.0.0.1:5672/`,
    nats: `nats://${user}:${passwords.nats}@127.0.0.1:4222`,
    mqtt: `mqtt://${user}:${passwords.mqtt}@127.0.0.1:1883`,
    redis: `redis://${user}:${passwords.redis}@127.0.0.1:6379/0`,
  };
  const connection = {
    amqp: '${{ secrets.AMQP_URL }}',
    nats: '${{ secrets.NATS_URL }}',
    mqtt: '${{ secrets.MQTT_URL }}',
    redis: '${{ secrets.REDIS_URL }}',
  };
  const queue = `baton-e2e-${suffix}`;
  const subject = `baton.e2e.${suffix}`;
  const topic = `baton/e2e/${suffix}`;
  const key = `baton-e2e:${suffix}`;
  const stream = `BATON_E2E_${suffix.toUpperCase()}`;
  let tenant: TestTenant;
  let rabbit: AMQPClient;
  let channel: AMQPChannel;
  let redis: Redis;
  /** A TCP server that accepts and never answers (a broker that hangs) and one that floods (a hostile one). */
  let silent: TestServer;
  let flood: TestServer;

  const putSecret = (owner: TestTenant, name: string, value: string) =>
    api().put(`/v1/secrets/${name}`).set('authorization', `Bearer ${owner.token}`).send({ value }).expect(201);
  const rabbitmqctl = (...args: string[]) => execFileSync('rabbitmqctl', args, { stdio: 'pipe' });
  const depth = async (expected: number) => {
    let count = -1;
    for (let i = 0; i < 60 && count !== expected; i++) {
      if (i) await new Promise((resolve) => setTimeout(resolve, 50));
      count = (await channel.queueDeclare(queue, { passive: true })).messageCount;
    }
    return count;
  };
  /** The test's own NATS client, straight to the server. */
  const withNatsClient = <T>(work: Parameters<typeof withNats<T>>[3]) =>
    withNats('nats://127.0.0.1:4222', { net: directNet, signal: new AbortController().signal }, 64 * 1024 * 1024, work);

  beforeAll(async () => {
    rabbitmqctl('add_user', user, passwords.amqp);
    rabbitmqctl('set_permissions', '-p', '/', user, '.*', '.*', '.*');
    rabbit = new AMQPClient('amqp://guest:guest@127.0.0.1:5672/');
    await rabbit.connect();
    channel = await rabbit.channel();
    await channel.queueDeclare(queue, { durable: false });
    await channel.exchangeDeclare(`${queue}-x`, 'direct', { durable: false, autoDelete: false });
    await channel.queueBind(queue, `${queue}-x`, 'orders');
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
    await redis.connect();
    await redis.call('ACL', 'SETUSER', user, 'on', `>${passwords.redis}`, `~${key}*`, '+@all');
    await withNatsClient((nc) =>
      nc.request(`$JS.API.STREAM.CREATE.${stream}`, JSON.stringify({ name: stream, subjects: [`${subject}.js.>`], storage: 'memory' })),
    );
    silent = await startTestServer(() => undefined);
    flood = await startTestServer((socket, pour) => socket.once('data', () => pour('$536870912\r\n')));

    tenant = await newTenant();
    for (const [name, value] of Object.entries(urls)) await putSecret(tenant, `${name.toUpperCase()}_URL`, value);
    await putSecret(tenant, 'HANGING_MQTT_URL', `mqtt://${user}:${passwords.mqtt}@127.0.0.1:${silent.port}`);
    await putSecret(tenant, 'FLOOD_REDIS_URL', `redis://:${passwords.redis}@127.0.0.1:${flood.port}/0`);
    await putSecret(tenant, 'WRONG_AMQP_URL', urls.amqp.replace(passwords.amqp, `wrong-${suffix}`));
    await putSecret(tenant, 'WRONG_REDIS_URL', urls.redis.replace(passwords.redis, `wrong-${suffix}`));
    await approveEndpoints(tenant, 'amqp', [urls.amqp]);
    await approveEndpoints(tenant, 'nats', [urls.nats]);
    await approveEndpoints(tenant, 'mqtt', [urls.mqtt, `mqtt://127.0.0.1:${silent.port}`]);
    await approveEndpoints(tenant, 'redis', [urls.redis, `redis://127.0.0.1:${flood.port}`]);
  });
  afterAll(async () => {
    await channel?.queueDelete(queue).catch(() => undefined);
    await channel?.exchangeDelete(`${queue}-x`).catch(() => undefined);
    await rabbit?.close().catch(() => undefined);
    rabbitmqctl('delete_user', user);
    await redis?.del(key, `${key}:list`);
    await redis?.call('ACL', 'DELUSER', user);
    await redis?.quit();
    await withNatsClient((nc) => nc.request(`$JS.API.STREAM.DELETE.${stream}`, '{}')).catch(() => undefined);
    await silent?.close();
    await flood?.close();
  });

  it('amqp: publishes to a queue and through an exchange with confirms, and consumes a batch, acking only what it returns', async () => {
    const published = await runToEnd(
      tenant,
      newPipeline(uniqueName('amqp-pub'), {
        direct: {
          uses: 'amqp/publish@^1',
          with: { connection: connection.amqp, queue, body: { order: 1 }, headers: { source: 'e2e' }, messageId: `m-${suffix}` },
        },
        routed: {
          uses: 'amqp/publish@^1',
          needs: ['direct'],
          with: { connection: connection.amqp, exchange: `${queue}-x`, routingKey: 'orders', body: 'second' },
        },
      }),
    );
    expect(published.status, JSON.stringify(published)).toBe('succeeded');
    expect(stepOf(published, 'direct').outputs).toEqual({
      exchange: '',
      routingKey: queue,
      messageId: `m-${suffix}`,
      bytes: 11,
      confirmed: true,
    });
    const first = await channel.basicGet(queue, { noAck: true });
    expect(first).toMatchObject({ properties: { messageId: `m-${suffix}`, headers: { source: 'e2e' }, contentType: 'application/json' } });
    expect(first?.bodyString()).toBe('{"order":1}');
    expect((await channel.basicGet(queue, { noAck: true }))?.bodyString()).toBe('second');

    for (const n of [1, 2, 3])
      await channel.basicPublish('', queue, JSON.stringify({ n }), { contentType: 'application/json', messageId: `in-${n}` });
    const consumed = await runToEnd(
      tenant,
      newPipeline(uniqueName('amqp-consume'), {
        take: { uses: 'amqp/consume@^1', with: { connection: connection.amqp, queue, max: 2, waitMs: 500 } },
      }),
    );
    expect(consumed.status, JSON.stringify(consumed)).toBe('succeeded');
    expect(stepOf(consumed, 'take').outputs).toMatchObject({
      count: 2,
      messages: [
        { body: { n: 1 }, encoding: 'json', messageId: 'in-1', routingKey: queue, redelivered: false },
        { body: { n: 2 }, messageId: 'in-2' },
      ],
    });
    expect(await depth(1)).toBe(1);
    expect(JSON.parse((await channel.basicGet(queue, { noAck: true }))!.bodyString()!)).toEqual({ n: 3 });
  });

  it('nats: publishes to a subscriber and to JetStream once per msgId, and sends a request to a responder', async () => {
    const once = {
      connection: connection.nats,
      subject: `${subject}.js.orders`,
      payload: 'once',
      jetstream: true,
      msgId: `order-${suffix}`,
    };
    const [run, received] = await withNatsClient(async (nc) => {
      const sub = nc.subscribe(`${subject}.orders`, { max: 1 });
      nc.subscribe(`${subject}.price`, {
        callback: (_error, message) => void message.respond(JSON.stringify({ sku: message.string(), price: 9.5 })),
      });
      await nc.flush();
      const arrived = (async () => {
        for await (const message of sub) return { data: message.json(), source: message.headers?.get('Source') };
      })();
      const result = await runToEnd(
        tenant,
        newPipeline(uniqueName('nats-trip'), {
          pub: {
            uses: 'nats/publish@^1',
            with: { connection: connection.nats, subject: `${subject}.orders`, payload: { id: 7 }, headers: { Source: 'e2e' } },
          },
          js: { uses: 'nats/publish@^1', with: once },
          again: { uses: 'nats/publish@^1', needs: ['js'], with: once },
          ask: { uses: 'nats/request@^1', with: { connection: connection.nats, subject: `${subject}.price`, payload: 'A-1' } },
        }),
      );
      return [result, await arrived] as const;
    });
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(received).toEqual({ data: { id: 7 }, source: 'e2e' });
    expect(stepOf(run, 'js').outputs).toEqual({ subject: `${subject}.js.orders`, bytes: 4, stream, seq: 1, duplicate: false });
    expect(stepOf(run, 'again').outputs).toMatchObject({ stream, seq: 1, duplicate: true });
    expect(stepOf(run, 'ask').outputs).toMatchObject({ data: { sku: 'A-1', price: 9.5 }, encoding: 'json' });
    const info = await withNatsClient(async (nc) =>
      (await nc.request(`$JS.API.STREAM.INFO.${stream}`, '{}')).json<{ state: { messages: number } }>(),
    );
    expect(info.state.messages).toBe(1);
  });

  it('mqtt: publishes at QoS 1 and 2 and retains, and a subscriber gets them', async () => {
    const subscriber = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { reconnectPeriod: 0 });
    const received: string[] = [];
    subscriber.on('message', (t, payload) => received.push(`${t.slice(topic.length)} ${payload.toString()}`));
    await subscriber.subscribeAsync(`${topic}/#`, { qos: 2 });
    try {
      const run = await runToEnd(
        tenant,
        newPipeline(uniqueName('mqtt-pub'), {
          one: { uses: 'mqtt/publish@^1', with: { connection: connection.mqtt, topic: `${topic}/one`, payload: { n: 1 }, qos: 1 } },
          two: {
            uses: 'mqtt/publish@^1',
            with: { connection: connection.mqtt, topic: `${topic}/two`, payload: 'two', qos: 2, retain: true },
          },
        }),
      );
      expect(run.status, JSON.stringify(run)).toBe('succeeded');
      expect(stepOf(run, 'two').outputs).toEqual({ topic: `${topic}/two`, bytes: 3, qos: 2, retain: true });
      for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(received.sort()).toEqual(['/one {"n":1}', '/two two']);
    } finally {
      await subscriber.publishAsync(`${topic}/two`, '', { retain: true, qos: 1 });
      await subscriber.endAsync();
    }
  });

  it('redis: runs a command, a pipeline and a transaction, and the keys are there', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('redis-cmd'), {
        set: { uses: 'redis/command@^1', with: { connection: connection.redis, command: ['SET', key, 'v1'] } },
        batch: {
          uses: 'redis/command@^1',
          needs: ['set'],
          with: {
            connection: connection.redis,
            commands: [
              ['GET', key],
              ['RPUSH', `${key}:list`, 'a', 'b'],
              ['LRANGE', `${key}:list`, 0, -1],
            ],
          },
        },
        multi: {
          uses: 'redis/command@^1',
          needs: ['batch'],
          with: {
            connection: connection.redis,
            transaction: true,
            commands: [
              ['APPEND', key, '-more'],
              ['STRLEN', key],
            ],
          },
        },
      }),
    );
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(stepOf(run, 'set').outputs).toEqual({ replies: ['OK'] });
    expect(stepOf(run, 'batch').outputs).toEqual({ replies: ['v1', 2, ['a', 'b']] });
    expect(stepOf(run, 'multi').outputs).toEqual({ replies: [7, 7] });
    expect(await redis.get(key)).toBe('v1-more');
    expect(await redis.lrange(`${key}:list`, 0, -1)).toEqual(['a', 'b']);
  });

  it('refuses bad input when the pipeline is saved', async () => {
    const response = await tenant.put(
      '/v1/pipelines/queues-bad-input',
      newPipeline('queues-bad-input', {
        a: { uses: 'amqp/consume@^1', with: { connection: 'http://mq:5672', queue, max: 0 } },
        n: { uses: 'nats/publish@^1', with: { connection: connection.nats, subject: 'orders.*' } },
        m: { uses: 'mqtt/publish@^1', with: { connection: connection.mqtt, topic: 'a/#', qos: 3 } },
        r: { uses: 'redis/command@^1', with: { connection: connection.redis, command: [] } },
      }),
    );
    expect(response.status).toBe(422);
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'steps.a.with.connection',
      'steps.a.with.max',
      'steps.m.with.qos',
      'steps.m.with.topic',
      'steps.n.with.subject',
      'steps.r.with.command',
    ]);
  });

  it('fails at once, for good, on what the services refuse, and on a message or reply over the cap', async () => {
    await channel.basicPublish('', queue, 'y'.repeat(4_096));
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('queues-refused'), {
        exchange: {
          uses: 'amqp/publish@^1',
          continueOnError: true,
          with: { connection: connection.amqp, exchange: `none-${suffix}`, body: 1 },
        },
        password: { uses: 'amqp/consume@^1', continueOnError: true, with: { connection: '${{ secrets.WRONG_AMQP_URL }}', queue } },
        big: { uses: 'amqp/consume@^1', continueOnError: true, with: { connection: connection.amqp, queue, maxBytes: 1_024, waitMs: 0 } },
        stream: {
          uses: 'nats/publish@^1',
          continueOnError: true,
          with: { connection: connection.nats, subject: `${subject}.nowhere`, jetstream: true },
        },
        sys: { uses: 'mqtt/publish@^1', continueOnError: true, with: { connection: connection.mqtt, topic: '$SYS/baton', payload: 'x' } },
        wrongpass: {
          uses: 'redis/command@^1',
          continueOnError: true,
          with: { connection: '${{ secrets.WRONG_REDIS_URL }}', command: ['PING'] },
        },
        wrongtype: {
          uses: 'redis/command@^1',
          continueOnError: true,
          with: { connection: connection.redis, command: ['INCR', `${key}:list`] },
        },
        flood: {
          uses: 'redis/command@^1',
          continueOnError: true,
          with: { connection: '${{ secrets.FLOOD_REDIS_URL }}', command: ['GET', 'k'], maxBytes: 1_048_576 },
        },
      }),
    );
    const failed = (id: string, stepCode: string, message?: string) =>
      expect(stepOf(run, id), id).toMatchObject({
        status: 'failed',
        attempt: 1,
        error: { stepCode, ...(message && { message: expect.stringContaining(message) }) },
      });
    failed('exchange', 'amqp_404', `no exchange 'none-${suffix}'`);
    failed('password', 'amqp_403', 'ACCESS_REFUSED');
    failed('big', 'message_too_large', 'maxBytes');
    failed('stream', 'nats_no_stream', `No JetStream stream captures subject ${subject}.nowhere`);
    failed('sys', 'mqtt_135', 'Not authorized');
    failed('wrongpass', 'redis_wrongpass', 'WRONGPASS');
    failed('wrongtype', 'redis_wrongtype', 'WRONGTYPE');
    failed('flood', 'reply_too_large', '1048576 bytes');
    // The message over the cap is still in the queue, not acked away.
    expect(await depth(1)).toBe(1);
    await channel.queuePurge(queue);
  });

  it('cancels steps waiting on the network: the run ends cancelled at once', async () => {
    const name = uniqueName('queues-cancel');
    await withNatsClient(async (nc) => {
      nc.subscribe(`${subject}.slow`, { callback: () => undefined });
      await nc.flush();
      await savePipeline(
        tenant,
        newPipeline(name, {
          consume: { uses: 'amqp/consume@^1', with: { connection: connection.amqp, queue, waitMs: 120_000 } },
          ask: { uses: 'nats/request@^1', with: { connection: connection.nats, subject: `${subject}.slow`, timeoutMs: 120_000 } },
          hang: { uses: 'mqtt/publish@^1', with: { connection: '${{ secrets.HANGING_MQTT_URL }}', topic } },
          pop: { uses: 'redis/command@^1', with: { connection: connection.redis, command: ['BLPOP', `${key}:empty`, 0] } },
        }),
      );
      const id = await startRun(tenant, name);
      await waitForRun(tenant, id, (r) => r.steps.length === 4 && r.steps.every((s) => s.status === 'running'), 30_000);
      // Time for each step to be connected and waiting on its service.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const cancelledAt = Date.now();
      await tenant.post(`/v1/runs/${id}/cancel`).expect(202);
      const cancelled = await waitForRun(tenant, id, undefined, 20_000);
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.steps.map((s) => [s.id, s.status]).sort()).toEqual([
        ['ask', 'cancelled'],
        ['consume', 'cancelled'],
        ['hang', 'cancelled'],
        ['pop', 'cancelled'],
      ]);
      expect(Date.now() - cancelledAt).toBeLessThan(8_000);
    });
    // The hanging broker's connection is closed with the step.
    for (let i = 0; i < 60 && silent.open(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(silent.open()).toBe(0);
    // The BLPOP's connection is gone: a push stays in the list.
    for (let i = 0; i < 40 && Number((await redis.info('clients')).match(/blocked_clients:(\d+)/)?.[1]); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await redis.rpush(`${key}:empty`, 'x');
    expect(await redis.lpop(`${key}:empty`)).toBe('x');
  });

  it('reaches only endpoints the tenant approved: another tenant with the same URLs is refused', async () => {
    const other = await newTenant();
    for (const [name, value] of Object.entries(urls)) await putSecret(other, `${name.toUpperCase()}_URL`, value);
    const run = await runToEnd(
      other,
      newPipeline(uniqueName('queues-denied'), {
        a: { uses: 'amqp/publish@^1', continueOnError: true, with: { connection: connection.amqp, queue, body: 1 } },
        n: { uses: 'nats/publish@^1', continueOnError: true, with: { connection: connection.nats, subject } },
        m: { uses: 'mqtt/publish@^1', continueOnError: true, with: { connection: connection.mqtt, topic } },
        r: { uses: 'redis/command@^1', continueOnError: true, with: { connection: connection.redis, command: ['PING'] } },
      }),
    );
    for (const [id, plugin, port] of [
      ['a', 'amqp', 5672],
      ['n', 'nats', 4222],
      ['m', 'mqtt', 1883],
      ['r', 'redis', 6379],
    ] as const) {
      expect(stepOf(run, id), id).toMatchObject({
        attempt: 1,
        error: {
          stepCode: 'network_denied',
          message: expect.stringMatching(
            new RegExp(`127\\.0\\.0\\.1:${port} is not an endpoint this tenant approved .*PUT /v1/plugins/${plugin}/network`),
          ),
        },
      });
    }
  });

  it('never shows a password: not in outputs, events, logs or the processes’ logs', async () => {
    for (const password of Object.values(passwords)) await expectSecretNowhere(tenant, password, 7);
  });
});

/** Sockets of the test process itself, for its own NATS client (through the plugin's transport). */
const directNet: StepNet = {
  socket: () => {
    throw new Error('the test connects with connect()');
  },
  connect: ({ host, port }) => createConnection({ host, port }),
};
