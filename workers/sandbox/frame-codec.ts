/**
 * The wire format between the worker and a step process, on a pipe of their own (fd 3). Node's
 * IPC channel cannot be used: it parses whatever arrives as JSON lines inside Node, where one line
 * of garbage throws in the worker and one endless line grows its buffer without bound. Here every
 * frame says its kind and length up front, so the reader refuses an oversized frame before reading
 * it, and anything malformed is an error of that one channel.
 *
 *   frame   := length:u32be kind:u8 payload          (length counts kind and payload)
 *   message := jsonLength:u32be json body            (kind 0; body: optional raw bytes, e.g. an artifact)
 *   data    := connection:u32be bytes                (kind 1; bytes of a relayed TCP connection)
 */
export interface FrameLimits {
  /** Largest JSON part of a message. */
  maxJsonBytes: number;
  /** Largest raw body one message may carry. */
  maxBodyBytes: number;
  /** Largest chunk of relayed TCP data in one frame. */
  maxDataBytes: number;
}

export type Frame = { kind: 'message'; message: unknown; body?: Buffer } | { kind: 'data'; connection: number; bytes: Buffer };

export class FrameError extends Error {}

const KIND_MESSAGE = 0;
const KIND_DATA = 1;
const HEADER_BYTES = 5;
const MESSAGE_HEADER_BYTES = 4;
const DATA_HEADER_BYTES = 4;

export function encodeMessage(message: object, body?: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(message));
  const bodyLength = body?.byteLength ?? 0;
  const header = Buffer.allocUnsafe(HEADER_BYTES + MESSAGE_HEADER_BYTES);
  header.writeUInt32BE(1 + MESSAGE_HEADER_BYTES + json.length + bodyLength, 0);
  header.writeUInt8(KIND_MESSAGE, 4);
  header.writeUInt32BE(json.length, HEADER_BYTES);
  return Buffer.concat(body && bodyLength ? [header, json, body] : [header, json]);
}

export function encodeData(connection: number, bytes: Uint8Array): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES + DATA_HEADER_BYTES);
  header.writeUInt32BE(1 + DATA_HEADER_BYTES + bytes.byteLength, 0);
  header.writeUInt8(KIND_DATA, 4);
  header.writeUInt32BE(connection, HEADER_BYTES);
  return Buffer.concat([header, bytes]);
}

/**
 * Reads frames from chunks as they arrive. Throws a FrameError, and is then unusable, on an unknown
 * kind, a length over the limits (as soon as the header is in, before the rest is buffered) or a
 * message whose JSON does not parse.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed = false;

  constructor(private readonly limits: FrameLimits) {}

  push(chunk: Buffer): Frame[] {
    if (this.failed) throw new FrameError('the channel already failed');
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    try {
      for (let frame = this.next(); frame; frame = this.next()) frames.push(frame);
    } catch (error) {
      this.failed = true;
      this.chunks = [];
      throw error;
    }
    return frames;
  }

  /** Bytes received that do not make a whole frame yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  private next(): Frame | undefined {
    if (this.buffered < HEADER_BYTES) return undefined;
    const head = this.peek(HEADER_BYTES + MESSAGE_HEADER_BYTES);
    const length = head.readUInt32BE(0);
    const kind = head.readUInt8(4);
    this.checkLength(kind, length, head);
    if (this.buffered < 4 + length) return undefined;
    const frame = this.take(4 + length).subarray(HEADER_BYTES);
    if (kind === KIND_DATA) return { kind: 'data', connection: frame.readUInt32BE(0), bytes: frame.subarray(DATA_HEADER_BYTES) };
    const jsonLength = frame.readUInt32BE(0);
    const json = frame.subarray(MESSAGE_HEADER_BYTES, MESSAGE_HEADER_BYTES + jsonLength);
    let message: unknown;
    try {
      message = JSON.parse(json.toString('utf8'));
    } catch (error) {
      throw new FrameError(`a message is not JSON (${(error as Error).message})`);
    }
    const body = frame.subarray(MESSAGE_HEADER_BYTES + jsonLength);
    return body.length ? { kind: 'message', message, body } : { kind: 'message', message };
  }

  private checkLength(kind: number, length: number, head: Buffer): void {
    const { maxJsonBytes, maxBodyBytes, maxDataBytes } = this.limits;
    if (kind === KIND_DATA) {
      if (length < 1 + DATA_HEADER_BYTES || length > 1 + DATA_HEADER_BYTES + maxDataBytes)
        throw new FrameError(`a data frame of ${length} bytes is outside 5..${5 + maxDataBytes}`);
      return;
    }
    if (kind !== KIND_MESSAGE) throw new FrameError(`unknown frame kind ${kind}`);
    if (length < 1 + MESSAGE_HEADER_BYTES || length > 1 + MESSAGE_HEADER_BYTES + maxJsonBytes + maxBodyBytes) {
      throw new FrameError(`a message of ${length} bytes is over the limit of ${maxJsonBytes} bytes of JSON and ${maxBodyBytes} of body`);
    }
    if (head.length < HEADER_BYTES + MESSAGE_HEADER_BYTES) return;
    const jsonLength = head.readUInt32BE(HEADER_BYTES);
    if (jsonLength > maxJsonBytes || jsonLength > length - 1 - MESSAGE_HEADER_BYTES) {
      throw new FrameError(`a message's JSON of ${jsonLength} bytes is over the limit of ${maxJsonBytes} bytes or its frame`);
    }
  }

  /** The first `count` bytes (or fewer, if fewer are buffered), without consuming them. */
  private peek(count: number): Buffer {
    const first = this.chunks[0];
    if (first.length >= count || this.chunks.length === 1) return first.subarray(0, count);
    return this.merge().subarray(0, count);
  }

  private take(count: number): Buffer {
    const merged = this.chunks[0].length >= count ? this.chunks[0] : this.merge();
    const frame = merged.subarray(0, count);
    const rest = merged.subarray(count);
    this.chunks = rest.length ? [rest] : [];
    this.buffered -= count;
    return frame;
  }

  private merge(): Buffer {
    const merged = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [merged];
    return merged;
  }
}
