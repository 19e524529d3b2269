import { describe, expect, it } from 'vitest';
import { parseConnection } from './connection.js';
import { asStepError } from './errors.js';
import { FRAME_MAX, FrameReader } from './relay-client.js';

describe('amqp connection URLs', () => {
  it('reads user, password, host, port and vhost, decoded', () => {
    expect(parseConnection('amqp://etl:p%40ss@mq.internal:5673/sales%2Feu')).toEqual({
      host: 'mq.internal',
      port: 5673,
      username: 'etl',
      password: 'p@ss',
      vhost: 'sales/eu',
    });
    expect(parseConnection('amqp://[::1]')).toEqual({ host: '::1', port: 5672, username: '', password: '', vhost: '/' });
  });

  it('refuses what it cannot honour, TLS included, without repeating the URL', () => {
    for (const url of [
      'amqps://u:s3cret@mq/x',
      'amqp://u:s3cret@mq/x?heartbeat=10',
      'redis://u:s3cret@mq',
      'amqp://u:s3cret%zz@mq',
      's3cret',
    ]) {
      let error: unknown;
      try {
        parseConnection(url);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ name: 'StepError', retryable: false, code: 'invalid_connection' });
      expect((error as Error).message).not.toContain('s3cret');
    }
  });
});

describe('amqp errors', () => {
  it('names the reply code, and retries only what a retry can fix', () => {
    expect(asStepError(new Error("channel 1 closed: NOT_FOUND - no exchange 'x' in vhost '/' (404)"))).toMatchObject({
      code: 'amqp_404',
      retryable: false,
      message: "AMQP error 404: NOT_FOUND - no exchange 'x' in vhost '/'",
    });
    expect(asStepError(new Error('connection closed: CONNECTION_FORCED - broker forced connection closure (320)'))).toMatchObject({
      code: 'amqp_320',
      retryable: true,
    });
    expect(asStepError(Object.assign(new Error('not approved'), { relayCode: 'network_denied' }))).toMatchObject({
      code: 'network_denied',
      retryable: false,
    });
    expect(asStepError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toMatchObject({
      code: 'amqp_connection',
      retryable: true,
    });
  });
});

describe(FrameReader.name, () => {
  const frame = (type: number, payload: Buffer) => {
    const head = Buffer.alloc(7);
    head.writeUInt8(type, 0);
    head.writeUInt16BE(1, 1);
    head.writeUInt32BE(payload.length, 3);
    return Buffer.concat([head, payload, Buffer.from([0xce])]);
  };
  const contentHeader = (bodySize: bigint) => {
    const payload = Buffer.alloc(14);
    payload.writeUInt16BE(60, 0);
    payload.writeBigUInt64BE(bodySize, 4);
    return frame(2, payload);
  };

  it('hands on whole frames however the bytes are split', () => {
    const frames: Buffer[] = [];
    const reader = new FrameReader(1_000, (f) => frames.push(Buffer.from(f)));
    const bytes = Buffer.concat([frame(1, Buffer.from('abc')), contentHeader(10n), frame(3, Buffer.from('0123456789'))]);
    for (let i = 0; i < bytes.length; i += 5) reader.push(bytes.subarray(i, i + 5));
    expect(frames.map((f) => f[0])).toEqual([1, 2, 3]);
  });

  it('refuses a message announced larger than the limit before anything is allocated for it, and an oversized frame', () => {
    const reader = new FrameReader(1_000, () => undefined);
    expect(() => reader.push(contentHeader(2n ** 62n))).toThrow(expect.objectContaining({ code: 'message_too_large' }));
    const head = Buffer.alloc(7);
    head.writeUInt32BE(FRAME_MAX * 100, 3);
    expect(() => new FrameReader(1_000, () => undefined).push(head)).toThrow(expect.objectContaining({ code: 'amqp_protocol' }));
  });
});
