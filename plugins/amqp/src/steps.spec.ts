import { randomUUID } from 'node:crypto';
import { AMQPClient } from '@cloudamqp/amqp-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { consumeStep } from './consume.step.js';
import { publishStep } from './publish.step.js';

/** The steps against the machine's RabbitMQ (127.0.0.1:5672, guest/guest), each test with queues of its own. */
describe('amqp steps', () => {
  const connection = 'amqp://guest:guest@127.0.0.1:5672/';
  const networkEndpoints = ['127.0.0.1:5672'];
  const queue = `baton-spec-${randomUUID()}`;
  const broker = new AMQPClient(connection);
  let channel: Awaited<ReturnType<AMQPClient['channel']>>;

  beforeAll(async () => {
    await broker.connect();
    channel = await broker.channel();
    await channel.queueDeclare(queue, { durable: false, autoDelete: false });
  });
  /** The queue's ready messages, once the broker has requeued what a dropped connection held (it does so shortly after). */
  const depth = async (expected: number) => {
    let count = -1;
    for (let i = 0; i < 40 && count !== expected; i++) {
      if (i) await new Promise((resolve) => setTimeout(resolve, 50));
      count = (await channel.queueDeclare(queue, { passive: true })).messageCount;
    }
    return count;
  };
  afterAll(async () => {
    await channel.queueDelete(queue);
    await broker.close();
  });

  it('publishes to a queue with confirms and takes it back with its body parsed, headers and id', async () => {
    const published = await runStepForTest(
      publishStep,
      { connection, queue, body: { order: 7, items: ['a'] }, headers: { source: 'spec', n: 1 }, messageId: 'm-1' },
      { networkEndpoints },
    );
    expect(published).toMatchObject({ ok: true, outputs: { exchange: '', routingKey: queue, messageId: 'm-1', confirmed: true } });
    await runStepForTest(publishStep, { connection, exchange: '', routingKey: queue, body: 'plain text' }, { networkEndpoints });

    const consumed = await runStepForTest(consumeStep, { connection, queue, max: 5, waitMs: 200 }, { networkEndpoints });
    expect(consumed).toMatchObject({ ok: true, outputs: { count: 2 } });
    const { messages } = (consumed as unknown as { outputs: { messages: Array<Record<string, unknown>> } }).outputs;
    expect(messages[0]).toMatchObject({
      body: { order: 7, items: ['a'] },
      encoding: 'json',
      headers: { source: 'spec', n: 1 },
      messageId: 'm-1',
      contentType: 'application/json',
      routingKey: queue,
      redelivered: false,
    });
    expect(messages[1]).toMatchObject({ body: 'plain text', encoding: 'text' });
    expect(await depth(0)).toBe(0);
  });

  it('acks only the batch it returns, and stops before the message that would pass maxBytes', async () => {
    for (const n of [1, 2, 3]) await channel.basicPublish('', queue, JSON.stringify({ n, pad: 'x'.repeat(600) }));
    const two = await runStepForTest(consumeStep, { connection, queue, max: 2, waitMs: 0 }, { networkEndpoints });
    expect(two).toMatchObject({ ok: true, outputs: { count: 2 } });
    const capped = await runStepForTest(consumeStep, { connection, queue, max: 5, waitMs: 0, maxBytes: 1_024 }, { networkEndpoints });
    expect(capped).toMatchObject({ ok: true, outputs: { count: 1, messages: [{ body: { n: 3 } }] } });
    expect(await depth(0)).toBe(0);
  });

  it('fails on a message larger than maxBytes and leaves it in the queue', async () => {
    await channel.basicPublish('', queue, 'y'.repeat(4_096));
    const refused = await runStepForTest(consumeStep, { connection, queue, waitMs: 0, maxBytes: 1_024 }, { networkEndpoints });
    expect(refused).toMatchObject({ ok: false, error: { stepCode: 'message_too_large', retryable: false } });
    expect(await depth(1)).toBe(1);
    await channel.queuePurge(queue);
  });

  it('hands a large batch on as a dataset', async () => {
    for (let n = 0; n < 40; n++) await channel.basicPublish('', queue, JSON.stringify({ n, pad: 'z'.repeat(8_000) }));
    const result = await runStepForTest(consumeStep, { connection, queue, max: 100, waitMs: 0 }, { networkEndpoints });
    expect(result).toMatchObject({ ok: true, outputs: { count: 40, dataset: { format: 'ndjson', rows: 40 } } });
    const key = (result as unknown as { outputs: { dataset: { artifact: string } } }).outputs.dataset.artifact;
    expect(JSON.parse(result.artifacts[key].toString().split('\n')[39])).toMatchObject({ body: { n: 39 } });
  });

  it('names what the broker refuses: an unknown exchange or queue, an unroutable message, a wrong password', async () => {
    const missing = `no-such-${randomUUID()}`;
    expect(await runStepForTest(publishStep, { connection, exchange: missing, body: 1 }, { networkEndpoints })).toMatchObject({
      ok: false,
      error: { stepCode: 'amqp_404', retryable: false, message: expect.stringContaining(`no exchange '${missing}'`) },
    });
    expect(await runStepForTest(publishStep, { connection, queue: missing, body: 1 }, { networkEndpoints })).toMatchObject({
      ok: false,
      error: { stepCode: 'amqp_unroutable', retryable: false },
    });
    expect(await runStepForTest(consumeStep, { connection, queue: missing }, { networkEndpoints })).toMatchObject({
      ok: false,
      error: { stepCode: 'amqp_404', message: expect.stringContaining(`no queue '${missing}'`) },
    });
    // Without confirms, a round trip still brings the broker's return of an unroutable message.
    expect(await runStepForTest(publishStep, { connection, queue: missing, body: 1, confirm: false }, { networkEndpoints })).toMatchObject({
      ok: false,
      error: { stepCode: 'amqp_unroutable' },
    });
    expect(
      await runStepForTest(publishStep, { connection, queue: missing, body: 1, mandatory: false }, { networkEndpoints }),
    ).toMatchObject({ ok: true, outputs: { confirmed: true } });
    const wrong = await runStepForTest(
      publishStep,
      { connection: 'amqp://guest:not-the-password@127.0.0.1:5672/', queue, body: 1 },
      { networkEndpoints },
    );
    expect(wrong).toMatchObject({
      ok: false,
      error: { stepCode: 'amqp_403', retryable: false, message: expect.stringContaining('ACCESS_REFUSED') },
    });
    expect(JSON.stringify(wrong)).not.toContain('not-the-password');
  });

  it('stops waiting on an empty queue when cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const result = await runStepForTest(
      consumeStep,
      { connection, queue, waitMs: 60_000 },
      { networkEndpoints, signal: controller.signal },
    );
    expect(result).toMatchObject({ ok: false, error: { stepCode: 'cancelled' } });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('reaches only the endpoints approved', async () => {
    expect(await runStepForTest(consumeStep, { connection, queue }, { networkEndpoints: [] })).toMatchObject({
      ok: false,
      error: { stepCode: 'amqp_connection' },
    });
  });
});
