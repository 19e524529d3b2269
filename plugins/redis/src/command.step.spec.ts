import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { runStepForTest } from '../../sdk/src/index.js';
import { commandStep } from './command.step.js';
import { parseConnection } from './connection.js';

describe('redis connection URLs', () => {
  it('reads user, password, host, port and database', () => {
    expect(parseConnection('redis://etl:p%40ss@cache.internal:6380/3')).toEqual({
      host: 'cache.internal',
      port: 6380,
      username: 'etl',
      password: 'p@ss',
      db: 3,
    });
    expect(parseConnection('redis://:pw@127.0.0.1')).toEqual({ host: '127.0.0.1', port: 6379, password: 'pw', db: 0 });
  });

  it('refuses TLS, options and anything else, without repeating the URL', () => {
    for (const url of [
      'rediss://:s3cret@c:6379',
      'redis://:s3cret@c:6379/0?tls=true',
      'redis://:s3cret@c/zero',
      'mysql://:s3cret@c',
      's3cret',
    ]) {
      expect(() => parseConnection(url)).toThrow(
        expect.objectContaining({ code: 'invalid_connection', message: expect.not.stringContaining('s3cret') }),
      );
    }
  });
});

/** The step against the machine's Redis (127.0.0.1:6379), as an ACL user of the test's own. */
describe('redis/command', () => {
  const user = `baton-spec-${randomUUID()}`;
  const password = `pw-${randomUUID()}`;
  const connection = `redis://${user}:${password}@127.0.0.1:6379/0`;
  const networkEndpoints = ['127.0.0.1:6379'];
  const key = `baton-spec:${randomUUID()}`;
  const admin = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });

  beforeAll(async () => {
    await admin.connect();
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~baton-spec:*', '+@all');
  });
  afterAll(async () => {
    await admin.del(key, `${key}:list`);
    await admin.call('ACL', 'DELUSER', user);
    await admin.quit();
  });

  it('runs one command, a pipeline and a transaction, and outputs the replies as JSON', async () => {
    expect(await runStepForTest(commandStep, { connection, command: ['SET', key, 'v1'] }, { networkEndpoints })).toMatchObject({
      ok: true,
      outputs: { replies: ['OK'] },
    });
    const pipeline = await runStepForTest(
      commandStep,
      {
        connection,
        commands: [
          ['get', key],
          ['RPUSH', `${key}:list`, 1, 'two'],
          ['LRANGE', `${key}:list`, 0, -1],
          ['GET', `${key}:none`],
        ],
      },
      { networkEndpoints },
    );
    expect(pipeline).toMatchObject({ ok: true, outputs: { replies: ['v1', 2, ['1', 'two'], null] } });
    const multi = await runStepForTest(
      commandStep,
      {
        connection,
        transaction: true,
        commands: [
          ['INCR', `${key}:n`],
          ['INCRBY', `${key}:n`, 41],
          ['DEL', `${key}:n`],
        ],
      },
      { networkEndpoints },
    );
    expect(multi).toMatchObject({ ok: true, outputs: { replies: [1, 42, 1] } });
    expect(await admin.lrange(`${key}:list`, 0, -1)).toEqual(['1', 'two']);
  });

  it('fails on an error reply, or puts it in place with failOnError: false', async () => {
    const wrongType = await runStepForTest(commandStep, { connection, command: ['INCR', `${key}:list`] }, { networkEndpoints });
    expect(wrongType).toMatchObject({ ok: false, error: { stepCode: 'redis_wrongtype', retryable: false } });
    const kept = await runStepForTest(
      commandStep,
      {
        connection,
        failOnError: false,
        commands: [
          ['INCR', `${key}:list`],
          ['LLEN', `${key}:list`],
        ],
      },
      { networkEndpoints },
    );
    expect(kept).toMatchObject({ ok: true, outputs: { replies: [{ error: expect.stringContaining('WRONGTYPE') }, 2] } });
    const denied = await runStepForTest(commandStep, { connection, command: ['GET', 'other:key'] }, { networkEndpoints });
    expect(denied).toMatchObject({ ok: false, error: { stepCode: 'redis_noperm' } });
  });

  it('refuses a wrong password for good, without showing it', async () => {
    const wrong = await runStepForTest(
      commandStep,
      { connection: connection.replace(password, 'not-the-password'), command: ['PING'] },
      { networkEndpoints },
    );
    expect(wrong).toMatchObject({ ok: false, error: { stepCode: 'redis_wrongpass', retryable: false } });
    expect(JSON.stringify(wrong)).not.toContain('not-the-password');
  });

  it('refuses commands that never end, and stops a blocking one when cancelled', async () => {
    expect(await runStepForTest(commandStep, { connection, command: ['subscribe', 'x'] }, { networkEndpoints })).toMatchObject({
      ok: false,
      error: { stepCode: 'unsupported_command' },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const blocked = await runStepForTest(
      commandStep,
      { connection, command: ['BLPOP', `${key}:empty`, 0] },
      { networkEndpoints, signal: controller.signal },
    );
    expect(blocked).toMatchObject({ ok: false, error: { stepCode: 'cancelled' } });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('reaches only the endpoints approved', async () => {
    expect(await runStepForTest(commandStep, { connection, command: ['PING'] }, { networkEndpoints: [] })).toMatchObject({
      ok: false,
      error: { stepCode: 'redis_connection' },
    });
  });

  describe('against a hostile server', () => {
    let server: TestServer;
    // Answers anything with a bulk string announced as 512 MiB, and sends it for as long as the client reads.
    beforeAll(async () => (server = await startTestServer((socket, flood) => socket.once('data', () => flood('$536870912\r\n')))));
    afterAll(() => server.close());

    it('stops reading at maxBytes', async () => {
      const result = await runStepForTest(
        commandStep,
        { connection: `redis://127.0.0.1:${server.port}/0`, command: ['GET', 'k'], maxBytes: 1024 * 1024 },
        { networkEndpoints: [`127.0.0.1:${server.port}`] },
      );
      expect(result).toMatchObject({ ok: false, error: { stepCode: 'reply_too_large', retryable: false } });
      expect(server.flooded()).toBeLessThan(64 * 1024 * 1024);
    });
  });
});
