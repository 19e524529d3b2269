import {
  checkOptions,
  deferred,
  errors,
  extractProtocolMessage,
  INFO,
  type ConnectionOptions,
  type Deferred,
  type Server,
  type ServerInfo,
  type Transport,
} from '@nats-io/nats-core/internal';
import type { StepNet, StepSocket } from '../../sdk/src/index.js';

/** An INFO line longer than this is no NATS server's. */
const INFO_MAX_BYTES = 64 * 1024;

/**
 * nats.js's transport for Node dials with `net.createConnection`; nats-core takes any transport
 * through `setTransportFactory`, so this one is a socket of the worker's relay (`ctx.net`). It
 * reads the server's INFO, refuses TLS, hands every byte on to the client's parser, and ends the
 * connection once the server has sent more than `maxBytes` in all.
 */
export class RelayTransport implements Transport {
  readonly lang = 'nats.js';
  readonly version = '3';
  closeError?: Error;
  private socket: StepSocket | undefined;
  private chunks: Uint8Array[] = [];
  private signal: Deferred<void> = deferred<void>();
  private readonly closedNotification: Deferred<void | Error> = deferred<void | Error>();
  private connected = false;
  private done = false;
  private received = 0;

  constructor(
    private readonly net: StepNet,
    private readonly maxBytes: number,
    private readonly onTooMuch: (error: Error) => void,
  ) {}

  get isClosed(): boolean {
    return this.done;
  }

  async connect(server: Server, options: ConnectionOptions): Promise<void> {
    const socket = this.net.connect({ host: server.hostname, port: server.port });
    this.socket = socket;
    try {
      const info = await this.readInfo(socket);
      checkOptions(info, options);
      if (info.tls_required) throw new errors.ConnectionError('the server requires TLS, which the nats plugin does not support yet');
    } catch (error) {
      socket.destroy();
      throw error;
    }
    this.connected = true;
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    socket.on('error', (error) => void this.closeWith(error));
    socket.on('close', () => void this.closeWith(undefined));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this.iterate();
  }

  async *iterate(): AsyncIterableIterator<Uint8Array> {
    while (true) {
      if (this.chunks.length === 0) await this.signal;
      const chunks = this.chunks;
      this.chunks = [];
      yield* chunks;
      if (this.done && this.chunks.length === 0) break;
      if (this.chunks.length === 0) this.signal = deferred<void>();
    }
  }

  isEncrypted(): boolean {
    return false;
  }

  send(frame: Uint8Array): void {
    if (!this.done) this.socket?.write(frame);
  }

  close(error?: Error): Promise<void> {
    return this.closeWith(error);
  }

  disconnect(): void {
    void this.closeWith(undefined);
  }

  closed(): Promise<void | Error> {
    return this.closedNotification;
  }

  discard(): void {
    this.done = true;
    this.socket?.destroy();
  }

  private take(chunk: Uint8Array): void {
    this.received += chunk.length;
    if (this.received > this.maxBytes) {
      const error = new Error(`The server sent more than ${this.maxBytes} bytes (maxBytes)`);
      this.onTooMuch(error);
      void this.closeWith(error);
      return;
    }
    this.chunks.push(chunk);
    this.signal.resolve();
  }

  private async closeWith(error: Error | undefined): Promise<void> {
    if (!this.connected || this.done) return;
    this.done = true;
    this.closeError = error;
    this.socket?.destroy();
    this.signal.resolve();
    this.closedNotification.resolve(error);
  }

  /** The server speaks first: `INFO {…}\r\n`. Its bytes stay queued for the client's parser, which reads INFO too. */
  private readInfo(socket: StepSocket): Promise<ServerInfo> {
    return new Promise((resolve, reject) => {
      const seen: Buffer[] = [];
      const done = (error?: Error, info?: ServerInfo) => {
        socket.off('data', onData).off('error', onError).off('close', onClose);
        if (error) reject(error);
        else resolve(info!);
      };
      const onData = (chunk: Buffer) => {
        seen.push(chunk);
        this.chunks.push(chunk);
        this.received += chunk.length;
        const line = extractProtocolMessage(Buffer.concat(seen));
        if (!line) {
          if (this.received > INFO_MAX_BYTES) done(new errors.ConnectionError('the server sent no INFO: is it a NATS server?'));
          return;
        }
        const match = INFO.exec(line);
        try {
          if (!match) throw new Error('unexpected response from the server: is it a NATS server?');
          done(undefined, JSON.parse(match[1]) as ServerInfo);
        } catch (error) {
          done(new errors.ConnectionError((error as Error).message));
        }
      };
      const onError = (error: Error) => done(error);
      const onClose = () => done(new errors.ConnectionError('the server closed the connection'));
      socket.on('data', onData).on('error', onError).on('close', onClose);
    });
  }
}
