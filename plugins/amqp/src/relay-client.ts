import { AMQPBaseClient, AMQPChannel, AMQPError } from '@cloudamqp/amqp-client';
import { AMQPView } from '@cloudamqp/amqp-client/amqp-view';
import type { StepNet, StepSocket } from '../../sdk/src/index.js';
import type { AmqpTarget } from './connection.js';

/** The largest frame this client offers to take; the server may lower it, never raise it. */
export const FRAME_MAX = 131_072;
const FRAME_HEADER = 7;
const FRAME_CONTENT_HEADER = 2;
const PROTOCOL_HEADER = new Uint8Array([65, 77, 81, 80, 0, 0, 9, 1]);

/** Raised when the server sends more than the step agreed to hold; the connection is dropped with it. */
export class TooLargeError extends Error {
  readonly code = 'message_too_large';
}

/**
 * Splits the bytes a server sends into whole AMQP frames, refusing, before anything is allocated
 * for them, a frame larger than the frame size and a message whose announced body is larger than
 * `maxMessageBytes`: the client would otherwise allocate the body at the size the server names.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly maxMessageBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (this.pending.length - offset >= FRAME_HEADER) {
      const size = this.pending.readUInt32BE(offset + 3) + FRAME_HEADER + 1;
      if (size > FRAME_MAX) throw new AMQPFrameError(`the server sent a frame of ${size} bytes, over the ${FRAME_MAX} agreed`);
      if (this.pending.length - offset < size) break;
      const frame = this.pending.subarray(offset, offset + size);
      if (frame[0] === FRAME_CONTENT_HEADER && size >= FRAME_HEADER + 12) {
        const bodySize = frame.readBigUInt64BE(FRAME_HEADER + 4);
        if (bodySize > BigInt(this.maxMessageBytes))
          throw new TooLargeError(`a message of ${bodySize} bytes is over the limit of ${this.maxMessageBytes} (maxBytes)`);
      }
      this.onFrame(frame);
      offset += size;
    }
    this.pending = this.pending.subarray(offset);
  }
}

class AMQPFrameError extends Error {
  readonly code = 'amqp_protocol';
}

/**
 * amqp-client's protocol engine over a `ctx.net` socket: its own socket client opens TCP itself
 * (`net.connect`), so this one implements the three transport methods its base class leaves open,
 * as its WebSocket client does. No heartbeats: a step's connection lives for seconds.
 */
export class RelayAmqpClient extends AMQPBaseClient {
  private socket: StepSocket | undefined;
  /** Why the connection ended, when it was not the client closing it: reported to whoever waits. */
  failure: Error | undefined;

  constructor(
    private readonly target: AmqpTarget,
    private readonly net: StepNet,
    private readonly maxMessageBytes: number,
  ) {
    super(target.vhost, target.username || 'guest', target.password || 'guest', 'baton-step', undefined, FRAME_MAX, 0, 0, null);
  }

  override connect(): Promise<AMQPBaseClient> {
    this.channels = [new AMQPChannel(this, 0)];
    const reader = new FrameReader(this.maxMessageBytes, (frame) =>
      this.parseFrames(new AMQPView(frame.buffer, frame.byteOffset, frame.byteLength)),
    );
    const socket = this.net.connect({ host: this.target.host, port: this.target.port }, () => socket.write(PROTOCOL_HEADER));
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (error) {
        this.fail(error as Error);
      }
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new AMQPError('The server closed the connection', this)));
    return new Promise((resolve, reject) => (this.connectPromise = [resolve, reject]));
  }

  override send(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.socket || this.socket.destroyed) return reject(this.failure ?? new AMQPError('Socket not connected', this));
      this.socket.write(bytes, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Drops the connection without the closing handshake: on cancel, and after whatever ended. */
  closeNow(): void {
    this.closeSocket();
  }

  protected override closeSocket(): void {
    this.closed = true;
    this.socket?.destroy();
    this.socket = undefined;
  }

  /** The first reason the connection ended goes to the handshake or to every channel still waiting. */
  private fail(error: Error): void {
    if (this.failure || (this.closed && !this.connectPromise)) return this.closeSocket();
    this.failure = error;
    this.channels.forEach((channel) => channel?.setClosed(error));
    const pending = this.connectPromise;
    delete this.connectPromise;
    pending?.[1](error);
    this.closeSocket();
  }
}
