/**
 * The step process's side of `ctx.net` (runs inside the sandbox, loaded by step-runner.ts). The
 * process has no network: a RelaySocket is a Duplex whose bytes go to the worker over the pipe, and
 * the worker's TcpRelay holds the real connection. Shaped like `net.Socket` for the client libraries.
 */
import { Duplex } from 'node:stream';
import type { StepNet, StepSocket } from '../../plugins/sdk/src/step-net.js';
import { SANDBOX_LIMITS, type RunnerMessage, type TcpHostMessage } from './sandbox-protocol.js';

export interface RelayLink {
  send: (message: RunnerMessage) => void;
  sendData: (connection: number, bytes: Uint8Array) => void;
}

/** The connections of the running task; one per process at a time, like the task itself. */
export class RelaySockets {
  private readonly sockets = new Map<number, RelaySocket>();
  private lastConnection = 0;

  constructor(private readonly link: RelayLink) {}

  /** `ctx.net` for one task. */
  netFor(taskId: string): StepNet {
    const socket = () => new RelaySocket(this, taskId);
    return {
      socket,
      connect: ({ host, port }, listener) => socket().connect({ host, port }, listener),
    };
  }

  onMessage(message: TcpHostMessage): void {
    this.sockets.get(message.connection)?.onHostMessage(message);
  }

  onData(connection: number, bytes: Buffer): void {
    this.sockets.get(connection)?.push(bytes);
  }

  /** A task ended: its connections go with it (the worker closes its side too). */
  closeAll(): void {
    for (const socket of this.sockets.values()) socket.destroy();
  }

  /** @internal */
  register(socket: RelaySocket): number {
    const connection = ++this.lastConnection;
    this.sockets.set(connection, socket);
    return connection;
  }

  /** @internal */
  forget(connection: number): void {
    this.sockets.delete(connection);
  }

  /** @internal */
  get send(): RelayLink['send'] {
    return this.link.send;
  }

  /** @internal */
  get sendData(): RelayLink['sendData'] {
    return this.link.sendData;
  }
}

class RelaySocket extends Duplex implements StepSocket {
  remoteAddress?: string;
  remotePort?: number;
  connecting = false;
  private used = false;
  /** Our number for the connection, until either side closes it. */
  private connection: number | undefined;
  private opened = false;
  /** Bytes sent that the worker has not written to the connection yet. */
  private inFlight = 0;
  /** A write waiting for the window (or the connection) to open: its bytes and callback. */
  private waiting: { bytes: Buffer; callback: (error?: Error | null) => void } | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleMs = 0;

  constructor(
    private readonly relay: RelaySockets,
    private readonly taskId: string,
  ) {
    super({ allowHalfOpen: false });
  }

  connect(portOrOptions: number | { port: number; host?: string }, hostOrListener?: string | (() => void), listener?: () => void): this {
    const [port, host, onConnect] =
      typeof portOrOptions === 'number'
        ? [
            portOrOptions,
            typeof hostOrListener === 'string' ? hostOrListener : 'localhost',
            typeof hostOrListener === 'function' ? hostOrListener : listener,
          ]
        : [portOrOptions.port, portOrOptions.host ?? 'localhost', typeof hostOrListener === 'function' ? hostOrListener : listener];
    if (this.used) throw new Error('a socket connects once');
    this.used = true;
    if (onConnect) this.once('connect', onConnect);
    this.connecting = true;
    this.connection = this.relay.register(this);
    this.relay.send({ type: 'tcp_open', taskId: this.taskId, connection: this.connection, host, port: Number(port) });
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  /** Emits 'timeout' after `ms` without traffic, as net.Socket does (and, as it, does not close the socket). */
  setTimeout(ms: number, callback?: () => void): this {
    this.idleMs = ms;
    if (callback) this.once('timeout', callback);
    this.touch();
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  /** @internal */
  onHostMessage(message: TcpHostMessage): void {
    this.touch();
    switch (message.type) {
      case 'tcp_opened':
        this.opened = true;
        this.connecting = false;
        this.remoteAddress = message.remoteAddress;
        this.remotePort = message.remotePort;
        this.emit('connect');
        this.emit('ready');
        return this.flushWaiting();
      case 'tcp_ack':
        this.inFlight = Math.max(0, this.inFlight - message.bytes);
        return this.flushWaiting();
      case 'tcp_end':
        this.push(null);
        return;
      case 'tcp_closed':
        this.forget();
        this.push(null);
        this.destroy();
        return;
      case 'tcp_error':
        this.forget();
        this.destroy(
          Object.assign(new Error(message.message), {
            code: message.errno ?? (message.code === 'network_denied' ? 'EACCES' : 'ECONNRESET'),
            relayCode: message.code,
          }),
        );
        return;
    }
  }

  override push(chunk: unknown): boolean {
    if (chunk !== null) this.touch();
    return super.push(chunk);
  }

  override _read(): void {
    // Bytes arrive as the worker relays them; the worker stops reading the connection while the pipe is full.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.touch();
    this.waiting = { bytes: chunk, callback };
    this.flushWaiting();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.connection !== undefined && this.opened)
      this.relay.send({ type: 'tcp_end', taskId: this.taskId, connection: this.connection });
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    if (this.connection !== undefined) {
      this.relay.send({ type: 'tcp_close', taskId: this.taskId, connection: this.connection });
      this.forget();
    }
    this.waiting?.callback(error ?? new Error('socket closed'));
    this.waiting = undefined;
    callback(error);
  }

  /** Sends what waits, in chunks the worker accepts, while the window has room. */
  private flushWaiting(): void {
    const waiting = this.waiting;
    if (!waiting || !this.opened || this.connection === undefined) return;
    const { connectionWindowBytes, relayChunkBytes } = SANDBOX_LIMITS;
    let offset = 0;
    while (
      offset < waiting.bytes.length &&
      this.inFlight + Math.min(relayChunkBytes, waiting.bytes.length - offset) <= connectionWindowBytes
    ) {
      const piece = waiting.bytes.subarray(offset, offset + relayChunkBytes);
      this.relay.sendData(this.connection, piece);
      this.inFlight += piece.length;
      offset += piece.length;
    }
    if (offset < waiting.bytes.length) {
      waiting.bytes = waiting.bytes.subarray(offset);
      return;
    }
    this.waiting = undefined;
    waiting.callback();
  }

  private forget(): void {
    if (this.connection !== undefined) this.relay.forget(this.connection);
    this.connection = undefined;
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    if (this.idleMs > 0) this.idleTimer = setTimeout(() => this.emit('timeout'), this.idleMs);
  }
}
