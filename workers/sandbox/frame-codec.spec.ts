import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Duplex, PassThrough } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { FrameChannel } from './frame-channel.js';
import { encodeData, encodeMessage, FrameDecoder, FrameError, type Frame } from './frame-codec.js';

const limits = { maxJsonBytes: 1024, maxBodyBytes: 4096, maxDataBytes: 512 };

/** Feeds `bytes` to a decoder in pieces cut at `cuts`, as a pipe may deliver them. */
function decodeInPieces(bytes: Buffer, cuts: number[]): Frame[] {
  const decoder = new FrameDecoder(limits);
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const frames: Frame[] = [];
  let from = 0;
  for (const to of [...points, bytes.length]) {
    frames.push(...decoder.push(bytes.subarray(from, to)));
    from = to;
  }
  expect(decoder.pendingBytes).toBe(0);
  return frames;
}

describe(FrameDecoder.name, () => {
  it('reads back what was encoded, however the bytes are cut', () => {
    const message = fc.record({ type: fc.string({ maxLength: 20 }), n: fc.integer(), text: fc.string({ maxLength: 200 }) });
    const frame = fc.oneof(
      fc.tuple(fc.constant('message' as const), message, fc.option(fc.uint8Array({ minLength: 1, maxLength: 300 }), { nil: undefined })),
      fc.tuple(fc.constant('data' as const), fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 300 })),
    );
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (frames, cuts) => {
        const encoded = Buffer.concat(frames.map((f) => (f[0] === 'message' ? encodeMessage(f[1], f[2]) : encodeData(f[1], f[2]))));
        const decoded = decodeInPieces(encoded, cuts);
        expect(decoded).toEqual(
          frames.map((f) =>
            f[0] === 'message'
              ? { kind: 'message', message: f[1], ...(f[2] && { body: Buffer.from(f[2]) }) }
              : { kind: 'data', connection: f[1], bytes: Buffer.from(f[2]) },
          ),
        );
      }),
    );
  });

  it('refuses a frame over the limits as soon as its header is in, before the rest arrives', () => {
    const header = Buffer.alloc(9);
    header.writeUInt32BE(2 ** 31, 0);
    expect(() => new FrameDecoder(limits).push(header.subarray(0, 5))).toThrow(/over the limit/);

    const json = encodeMessage({ text: 'x'.repeat(2000) }).subarray(0, 9);
    expect(() => new FrameDecoder(limits).push(json)).toThrow(FrameError);

    const data = encodeData(1, Buffer.alloc(600)).subarray(0, 5);
    expect(() => new FrameDecoder(limits).push(data)).toThrow(/data frame of 605 bytes/);
  });

  it('refuses garbage, an unknown kind and JSON that does not parse, and stays failed', () => {
    const decoder = new FrameDecoder(limits);
    expect(() => decoder.push(Buffer.from('this is not a frame\n'))).toThrow(FrameError);
    expect(() => decoder.push(encodeMessage({ ok: true }))).toThrow(/already failed/);

    const kind = encodeMessage({});
    kind.writeUInt8(7, 4);
    expect(() => new FrameDecoder(limits).push(kind)).toThrow(/unknown frame kind 7/);

    const broken = Buffer.from(encodeMessage({ type: 'result' }));
    broken.write('{', broken.length - 1);
    expect(() => new FrameDecoder(limits).push(broken)).toThrow(/not JSON/);

    const lying = encodeMessage({ a: 1 });
    lying.writeUInt32BE(1000, 5);
    expect(() => new FrameDecoder(limits).push(lying)).toThrow(/over the limit of 1024 bytes or its frame/);
  });

  it('never throws anything but a FrameError, whatever arrives', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const decoder = new FrameDecoder(limits);
        try {
          for (const chunk of chunks) decoder.push(Buffer.from(chunk));
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
        }
        expect(decoder.pendingBytes).toBeLessThanOrEqual(5 + 4 + limits.maxJsonBytes + limits.maxBodyBytes);
      }),
    );
  });
});

describe(FrameChannel.name, () => {
  it('fails a channel whose frame stays unfinished past the limit, and not one whose frames complete', async () => {
    const [near, far] = pipePair();
    far.on('error', () => undefined);
    const errors: string[] = [];
    const messages: unknown[] = [];
    new FrameChannel(
      near,
      limits,
      { onMessage: (message) => messages.push(message), onProtocolError: (error) => errors.push(error.message) },
      { unfinishedFrameMs: 100 },
    );

    const whole = encodeMessage({ type: 'log' });
    far.write(whole.subarray(0, 3));
    await delay(50);
    far.write(whole.subarray(3));
    await delay(100);
    expect(messages).toEqual([{ type: 'log' }]);
    expect(errors).toEqual([]);

    far.write(encodeMessage({ text: 'x'.repeat(500) }).subarray(0, 20));
    await delay(200);
    expect(errors).toEqual([expect.stringMatching(/left unfinished for 100 ms \(20 bytes of it received\)/)]);
  });
});

/** Two connected in-memory ends, as a pipe's. */
function pipePair(): [Duplex, Duplex] {
  const a = new PassThrough();
  const b = new PassThrough();
  return [Duplex.from({ readable: a, writable: b }), Duplex.from({ readable: b, writable: a })];
}
