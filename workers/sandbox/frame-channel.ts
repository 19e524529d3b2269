import type { Duplex } from 'node:stream';
import { encodeData, encodeMessage, FrameDecoder, FrameError, type Frame, type FrameLimits } from './frame-codec.js';

export interface FrameHandlers {
  onMessage(message: unknown, body: Buffer | undefined): void;
  onData?(connection: number, bytes: Buffer): void;
  /** The other side broke the format: the channel is closed and nothing more is read from it. */
  onProtocolError?(error: FrameError): void;
  /** The other side closed its end (or the pipe broke). */
  onClose?(): void;
}

export interface ChannelOptions {
  /**
   * How long a frame may stay unfinished once it started arriving. The runner writes each frame at
   * once, so one that stalls is being dribbled on purpose (or the writer is stuck): a protocol error.
   */
  unfinishedFrameMs?: number;
}

/** Frames (frame-codec.ts) over one pipe, in both directions. */
export class FrameChannel {
  private readonly decoder: FrameDecoder;
  private closed = false;
  private stall: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: Duplex,
    limits: FrameLimits,
    private readonly handlers: FrameHandlers,
    private readonly options: ChannelOptions = {},
  ) {
    this.decoder = new FrameDecoder(limits);
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
    stream.on('close', () => this.close());
    // A broken pipe is the other side gone; 'close' follows and says so.
    stream.on('error', () => undefined);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Bytes of a frame that started arriving and has not finished. */
  get unfinishedBytes(): number {
    return this.decoder.pendingBytes;
  }

  /** Returns false when the pipe is backed up; `onDrain` says when it has room again. `onWritten`: once it left this process. */
  send(message: object, body?: Uint8Array, onWritten?: () => void): boolean {
    return this.write(encodeMessage(message, body), onWritten);
  }

  sendData(connection: number, bytes: Uint8Array): boolean {
    return this.write(encodeData(connection, bytes));
  }

  onDrain(handler: () => void): void {
    this.stream.once('drain', handler);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.stall);
    this.stream.destroy();
    this.handlers.onClose?.();
  }

  private fail(error: FrameError): void {
    this.handlers.onProtocolError?.(error);
    this.close();
  }

  /** Starts the clock when a frame is left half-read, stops it once none is. */
  private watchUnfinished(): void {
    const limit = this.options.unfinishedFrameMs;
    if (limit === undefined) return;
    if (this.decoder.pendingBytes === 0) {
      clearTimeout(this.stall);
      this.stall = undefined;
    } else {
      this.stall ??= setTimeout(
        () =>
          this.fail(new FrameError(`a message was left unfinished for ${limit} ms (${this.decoder.pendingBytes} bytes of it received)`)),
        limit,
      );
    }
  }

  private write(frame: Buffer, onWritten?: () => void): boolean {
    if (this.closed || this.stream.destroyed) {
      onWritten?.();
      return true;
    }
    return this.stream.write(frame, () => onWritten?.());
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      return this.fail(error instanceof FrameError ? error : new FrameError(String(error)));
    }
    this.watchUnfinished();
    for (const frame of frames) {
      if (this.closed) return;
      if (frame.kind === 'message') this.handlers.onMessage(frame.message, frame.body);
      else this.handlers.onData?.(frame.connection, frame.bytes);
    }
  }
}
