import { AMQPClient, type AMQPChannel } from '@cloudamqp/amqp-client';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { baton } from './support/baton-cli.js';
import { freePort, spawnBaton, waitForHttp } from './support/processes.js';
import { api, newPipeline, newTenant, uniqueName, until, type RunView, type TestTenant } from './support/builders.js';

const RABBIT_URL = 'amqp://guest:guest@127.0.0.1:5672';
const NATS_URL = 'nats://127.0.0.1:4222';
/** Never used to log in (nothing listens on port 1): it must still show nowhere. */
const UNUSED_PASSWORD = `pw-${randomUUID()}`;

/** `baton apply` as a user runs it, in its own process. */
const apply = (tenant: TestTenant, ...args: string[]) =>
  baton(['apply', ...args], { BATON_URL: inject('baseUrl'), BATON_TOKEN: tenant.apiKey });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const patch = (who: TestTenant, id: string, body: unknown) =>
  api(who.baseUrl)
    .patch(`/v1/triggers/${id}`)
    .set('authorization', `Bearer ${who.apiKey}`)
    .send(body as object);

describe('broker triggers', () => {
  let tenant: TestTenant;
  let pipeline: string;
  let rabbit: AMQPClient;
  let channel: AMQPChannel;
  const answers: unknown[] = [];

  const runsOf = async (name: string): Promise<RunView[]> =>
    (await tenant.get(`/v1/runs?pipeline=${name}&limit=100`).expect(200)).body.items;
  const runOf = async (id: string): Promise<RunView> => (await tenant.get(`/v1/runs/${id}`).expect(200)).body;
  const trigger = async (id: string) => {
    const { body } = await tenant.get(`/v1/triggers/${id}`).expect(200);
    answers.push(body);
    return body;
  };
  const deliveries = async (id: string) => (await tenant.get(`/v1/triggers/${id}/deliveries`).expect(200)).body.items;
  const listening = (id: string, state = 'connected') => until(async () => (await trigger(id)).listener.state === state, 20_000);
  /** Secrets are an admin's: the owner's session puts them. */
  /** The queue's counts, declared passively: a missing queue fails rather than being made. */
  const checkQueue = (queue: string) => channel.queueDeclare(queue, { passive: true });
  const putSecret = (name: string, value: string) =>
    api().put(`/v1/secrets/${name}`).set('authorization', `Bearer ${tenant.token}`).send({ value }).expect(201);
  const create = async (body: Record<string, unknown>) => {
    const { body: created } = await tenant.post('/v1/triggers', { pipeline, ...body }).expect(201);
    answers.push(created);
    return created as { id: string };
  };

  beforeAll(async () => {
    tenant = await newTenant();
    pipeline = uniqueName('brokered');
    await tenant
      .put(
        `/v1/pipelines/${pipeline}`,
        newPipeline(
          pipeline,
          { hello: { uses: 'core/echo@^1', with: { order: '${{ inputs.orderId }}' } } },
          {
            inputs: { orderId: { type: 'integer' }, source: { type: 'string' } },
            required: ['orderId'],
          },
        ),
      )
      .expect(201);
    await putSecret('RABBIT_URL', RABBIT_URL);
    await putSecret('NATS_URL', NATS_URL);
    rabbit = new AMQPClient(RABBIT_URL);
    await rabbit.connect();
    channel = await rabbit.channel();
  });

  afterAll(async () => {
    await rabbit?.close();
  });

  describe('amqp', () => {
    let queue: string;
    let id: string;
    const publish = (body: unknown, messageId: string, headers: Record<string, string> = {}) =>
      channel.basicPublish('', queue, typeof body === 'string' ? body : JSON.stringify(body), {
        messageId,
        headers,
        deliveryMode: 2,
      });

    beforeAll(async () => {
      queue = uniqueName('baton-e2e-orders');
      await channel.queueDeclare(queue, { durable: false, autoDelete: false });
      ({ id } = await create({
        type: 'amqp',
        connectionSecret: 'RABBIT_URL',
        queue,
        inputs: '{ "orderId": body.order, "source": headers."x-source" }',
        prefetch: 5,
      }));
      await listening(id);
    });

    it('starts one run per message id with the mapped inputs, however often the message comes', async () => {
      const messageId = randomUUID();
      await publish({ order: 7 }, messageId, { 'x-source': 'shop' });
      await publish({ order: 7 }, messageId, { 'x-source': 'shop' });
      await until(async () => (await runsOf(pipeline)).length === 1, 20_000);
      await publish({ order: 7 }, messageId, { 'x-source': 'shop' });
      await until(async () => (await checkQueue(queue)).messageCount === 0);
      await sleep(1500);
      const runs = await runsOf(pipeline);
      expect(runs).toHaveLength(1);
      expect(await runOf(runs[0].id)).toMatchObject({
        trigger: 'amqp',
        inputs: { orderId: 7, source: 'shop' },
        triggeredBy: { triggerId: id, delivery: messageId, sourceRunId: null },
      });
      expect(await deliveries(id)).toEqual([expect.objectContaining({ id: messageId, outcome: 'started', runId: runs[0].id })]);
    });

    it('acknowledges a message the pipeline refuses, or that is no JSON, and keeps it as a refused delivery', async () => {
      const refused = randomUUID();
      const poison = randomUUID();
      await publish({ order: 'not a number' }, refused);
      await publish('{ not json', poison);
      await until(async () => (await deliveries(id)).filter((d: { outcome: string }) => d.outcome === 'failed').length === 2, 20_000);
      const failed = Object.fromEntries((await deliveries(id)).map((d: { id: string; reason: string }) => [d.id, d.reason]));
      expect(failed[refused]).toMatch(/inputs do not match/);
      expect(failed[poison]).toMatch(/not JSON/);
      await until(async () => (await checkQueue(queue)).messageCount === 0);
    });

    it('disabled, leaves messages in the queue; enabled again, takes them', async () => {
      await patch(tenant, id, { enabled: false }).expect(200);
      await listening(id, 'stopped');
      expect((await checkQueue(queue)).consumerCount).toBe(0);
      const before = (await runsOf(pipeline)).length;
      const messageId = randomUUID();
      await publish({ order: 8 }, messageId);
      await sleep(2500);
      expect((await checkQueue(queue)).messageCount).toBe(1);
      expect(await runsOf(pipeline)).toHaveLength(before);
      await patch(tenant, id, { enabled: true }).expect(200);
      await until(async () => (await runsOf(pipeline)).length === before + 1, 20_000);
      expect((await runOf((await runsOf(pipeline))[0].id)).inputs).toEqual({ orderId: 8 });
      await listening(id);
    });
  });

  it('shows a queue deleted under it as an error, and consumes again once it is back', async () => {
    const queue = uniqueName('baton-e2e-dropped');
    await channel.queueDeclare(queue, { durable: false });
    const { id } = await create({ type: 'amqp', connectionSecret: 'RABBIT_URL', queue, inputs: '{ "orderId": body.order }' });
    await listening(id);
    await channel.queueDelete(queue);
    await listening(id, 'error');
    expect((await trigger(id)).listener.error).toMatch(new RegExp(queue));
    await channel.queueDeclare(queue, { durable: false });
    await listening(id);
    await channel.basicPublish('', queue, JSON.stringify({ order: 5 }), { messageId: 'after-the-drop' });
    await until(async () => (await deliveries(id)).length === 1, 20_000);
    expect((await deliveries(id))[0]).toMatchObject({ id: 'after-the-drop', outcome: 'started' });
    await tenant.delete(`/v1/triggers/${id}`).expect(204);
  });

  it('has one consumer per trigger however many API replicas run', async () => {
    const port = await freePort();
    const second = spawnBaton('api', { ...inject('apiEnv'), PORT: String(port) });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/readyz`, 60_000);
      const queue = uniqueName('baton-e2e-replicas');
      await channel.queueDeclare(queue, { durable: false });
      const { id } = await create({ type: 'amqp', connectionSecret: 'RABBIT_URL', queue, inputs: '{ "orderId": body.order }' });
      await listening(id);
      for (let i = 0; i < 4; i++) {
        expect((await checkQueue(queue)).consumerCount).toBe(1);
        await sleep(1000);
      }
      for (let order = 1; order <= 5; order++)
        await channel.basicPublish('', queue, JSON.stringify({ order }), { messageId: `replicas-${order}` });
      await until(async () => (await deliveries(id)).length === 5, 20_000);
      expect((await deliveries(id)).every((d: { outcome: string }) => d.outcome === 'started')).toBe(true);
      await tenant.delete(`/v1/triggers/${id}`).expect(204);
      await until(async () => (await checkQueue(queue)).consumerCount === 0);
      await channel.queueDelete(queue);
    } finally {
      await second.stop();
    }
  });

  describe('nats', () => {
    let client: NatsConnection;
    const header = (msgId: string) => {
      const h = natsHeaders();
      h.set('Nats-Msg-Id', msgId);
      return h;
    };

    beforeAll(async () => {
      client = await connect({ servers: '127.0.0.1:4222' });
    });
    afterAll(async () => client?.close());

    it('a core NATS subject in a queue group: one run per Nats-Msg-Id', async () => {
      const subject = `${uniqueName('baton-e2e')}.orders`;
      const { id } = await create({
        type: 'nats',
        connectionSecret: 'NATS_URL',
        subject,
        queueGroup: 'baton',
        inputs: '{ "orderId": body.n }',
      });
      await listening(id);
      const msgId = randomUUID();
      for (let i = 0; i < 3; i++) client.publish(subject, JSON.stringify({ n: 41 }), { headers: header(msgId) });
      await until(async () => (await deliveries(id)).length === 1, 20_000);
      await sleep(1500);
      expect(await deliveries(id)).toEqual([expect.objectContaining({ id: msgId, outcome: 'started' })]);
      const [{ runId }] = await deliveries(id);
      expect(await runOf(runId)).toMatchObject({ trigger: 'nats', inputs: { orderId: 41 } });
    });

    it('a JetStream stream through a durable consumer: messages since the trigger was made, once per id or sequence', async () => {
      const stream = uniqueName('BATON_E2E').replace(/-/g, '_');
      const subject = `${stream.toLowerCase()}.events`;
      const jsm = await jetstreamManager(client);
      await jsm.streams.add({ name: stream, subjects: [subject] });
      const js = jetstream(client);
      // Before the trigger: not its business.
      await js.publish(subject, JSON.stringify({ orderId: 1 }));
      await sleep(20);
      const { id } = await create({ type: 'nats', connectionSecret: 'NATS_URL', subject, stream });
      await js.publish(subject, JSON.stringify({ orderId: 2 }), { msgID: 'js-2' });
      await js.publish(subject, JSON.stringify({ orderId: 3 }));
      await listening(id);
      await until(async () => (await deliveries(id)).length === 2, 20_000);
      await sleep(1500);
      const ids = (await deliveries(id)).map((d: { id: string }) => d.id).sort();
      expect(ids).toEqual(['js-2', 'seq:3']);
      await jsm.streams.delete(stream);
    });
  });

  it('shows a broker it cannot reach as an error, naming neither the URL nor its credentials', async () => {
    await putSecret('RABBIT_DOWN', `amqp://guest:${UNUSED_PASSWORD}@127.0.0.1:1`);
    const { id } = await create({ type: 'amqp', connectionSecret: 'RABBIT_DOWN', queue: 'anything' });
    await listening(id, 'error');
    const { listener } = await trigger(id);
    expect(listener).toMatchObject({ state: 'error', error: expect.stringMatching(/ECONNREFUSED/), since: expect.any(String) });
    for (const answer of answers) {
      expect(JSON.stringify(answer)).not.toContain(UNUSED_PASSWORD);
      expect(JSON.stringify(answer)).not.toContain(RABBIT_URL);
    }
    for (const file of inject('logFiles')) {
      expect(readFileSync(file, 'utf8')).not.toContain(UNUSED_PASSWORD);
      expect(readFileSync(file, 'utf8')).not.toContain(RABBIT_URL);
    }
    await tenant.delete(`/v1/triggers/${id}`).expect(204);
  });

  it('refuses a missing queue or subject, an unknown secret and a broker outside the allowed ranges, naming the field', async () => {
    const problem = async (body: Record<string, unknown>, status: number) => {
      const answer = await tenant.post('/v1/triggers', { pipeline, ...body }).expect(status);
      expect(answer.headers['content-type']).toMatch(/application\/problem\+json/);
      return answer.body.errors.map((e: { path: string }) => e.path);
    };
    expect(await problem({ type: 'amqp', connectionSecret: 'RABBIT_URL' }, 400)).toEqual(['queue']);
    expect(await problem({ type: 'nats', connectionSecret: 'NATS_URL' }, 400)).toEqual(['subject']);
    expect(await problem({ type: 'amqp', connectionSecret: 'NOPE', queue: 'q' }, 422)).toEqual(['connectionSecret']);
    expect(await problem({ type: 'nats', connectionSecret: 'NATS_URL', subject: 'a.b', stream: 'S', queueGroup: 'g' }, 422)).toEqual([
      'queueGroup',
    ]);
    await putSecret('RABBIT_ELSEWHERE', 'amqp://guest:guest@127.0.0.2:5672');
    const refused = await tenant
      .post('/v1/triggers', { pipeline, type: 'amqp', connectionSecret: 'RABBIT_ELSEWHERE', queue: 'q' })
      .expect(422);
    expect(refused.body.errors).toEqual([
      { path: 'connectionSecret', message: expect.stringMatching(/127\.0\.0\.2.*loopback.*TRIGGER_BROKER_ALLOW_CIDRS/) },
    ]);
    await putSecret('NOT_A_BROKER', 'https://example.com');
    expect(await problem({ type: 'nats', connectionSecret: 'NOT_A_BROKER', subject: 'a.b' }, 422)).toEqual(['connectionSecret']);
  });

  it("one tenant can neither read, change nor delete another's broker trigger", async () => {
    const { id } = await create({ type: 'amqp', connectionSecret: 'RABBIT_URL', queue: uniqueName('q'), enabled: false });
    const other = await newTenant();
    await other.get(`/v1/triggers/${id}`).expect(404);
    await other.get(`/v1/triggers/${id}/deliveries`).expect(404);
    await patch(other, id, { enabled: true }).expect(404);
    await other.delete(`/v1/triggers/${id}`).expect(404);
    expect((await trigger(id)).enabled).toBe(false);
    // A secret is read from the trigger's own tenant: another's name is unknown.
    expect(
      (await other.post('/v1/triggers', { pipeline, type: 'amqp', connectionSecret: 'RABBIT_URL', queue: 'q' }).expect(422)).body.errors[0]
        .path,
    ).toMatch(/pipeline|connectionSecret/);
  });

  it('`baton apply` round-trips a broker trigger: unchanged when applied again, edited in place', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'baton-brokers-'));
    const name = uniqueName('orders-queue');
    const doc = (prefetch: number) =>
      `apiVersion: baton/v1\nkind: Trigger\nname: ${name}\ntype: amqp\npipeline: ${pipeline}\nconnectionSecret: RABBIT_URL\nqueue: orders\nprefetch: ${prefetch}\nenabled: false\n`;
    try {
      writeFileSync(join(folder, 'trigger.yaml'), doc(4));
      const created = await apply(tenant, folder);
      expect(created.code, created.stderr).toBe(0);
      const [made] = (await tenant.get(`/v1/triggers?name=${name}`).expect(200)).body.items;
      expect(made).toMatchObject({ type: 'amqp', queue: 'orders', prefetch: 4, enabled: false, idHeader: null, inputs: null });
      const again = await apply(tenant, folder, '--dry-run', '--exit-code');
      expect(again.code, again.stdout + again.stderr).toBe(0);
      writeFileSync(join(folder, 'trigger.yaml'), doc(2));
      const edited = await apply(tenant, folder);
      expect(edited.code, edited.stderr).toBe(0);
      expect((await tenant.get(`/v1/triggers/${made.id}`).expect(200)).body).toMatchObject({ prefetch: 2, queue: 'orders' });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
