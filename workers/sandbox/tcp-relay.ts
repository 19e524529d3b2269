import { connect, type Socket } from 'node:net';
import type { AddressPolicy } from '../../src/runtime/egress/egress-policy.js';
import { endpointAllowed, formatEndpoint, parseEndpoint } from '../../plugins/sdk/src/network-endpoints.js';
import { SANDBOX_LIMITS, type TcpHostMessage } from './sandbox-protocol.js';

/** What a task's connections may reach: decided by the worker from the signed manifest and the tenant's approvals, never by the child. */
export interface TcpAccess {
  /** The plugin version's `network` patterns. */
  patterns: readonly string[];
  /** The concrete `host:port` endpoints the tenant approved for the plugin. */
  endpoints: readonly string[];
  /** Tells an admin where to approve one (`PUT /v1/plugins/postgres/network`). */
  approveHint: string;
}

/** The relay's side of the child's pipe. */
export interface RelayPipe {
  send(message: TcpHostMessage): boolean;
  sendData(connection: number, bytes: Uint8Array): boolean;
  onDrain(handler: () => void): void;
}

interface Connection {
  socket?: Socket;
  /** Bytes written to the socket whose write has not completed yet: the child's window. */
  unacknowledged: number;
}

/**
 * The host side of `ctx.net`: the step process has no network of its own, so the worker opens
 * each TCP connection for it, to an endpoint the tenant approved, at an address the policy vetted
 * (resolved once, then connected to by address), and relays the bytes over the pipe both ways.
 * One relay serves one task; `closeAll` ends its connections when the task settles.
 */
export class TcpRelay {
  private readonly connections = new Map<number, Connection>();
  private opened = 0;
  private pausedForPipe = false;
  private closed = false;

  constructor(
    private readonly taskId: string,
    private readonly pipe: RelayPipe,
    private readonly policy: AddressPolicy | undefined,
    private readonly access: TcpAccess | undefined,
  ) {}

  async open(connection: number, host: string, port: number): Promise<void> {
    if (this.connections.has(connection)) return this.refuse(connection, `connection ${connection} is already open`);
    if (this.connections.size >= SANDBOX_LIMITS.maxOpenConnections)
      return this.refuse(connection, `more than ${SANDBOX_LIMITS.maxOpenConnections} connections open at once`);
    if (++this.opened > SANDBOX_LIMITS.maxConnectionsPerTask)
      return this.refuse(connection, `more than ${SANDBOX_LIMITS.maxConnectionsPerTask} connections in one step`);
    const state: Connection = { unacknowledged: 0 };
    this.connections.set(connection, state);
    const refusal = await this.refusal(host, port);
    if (this.closed || this.connections.get(connection) !== state) return;
    if (typeof refusal === 'string') return this.fail(connection, 'network_denied', refusal);
    const socket = connect({
      host: refusal.address,
      port,
      family: refusal.family,
      timeout: SANDBOX_LIMITS.connectTimeoutMs,
      noDelay: true,
    });
    state.socket = socket;
    socket.once('connect', () => {
      socket.setTimeout(0);
      this.send({ type: 'tcp_opened', taskId: this.taskId, connection, remoteAddress: refusal.address, remotePort: port });
    });
    socket.once('timeout', () =>
      socket.destroy(Object.assign(new Error(`connecting to ${host}:${port} timed out`), { code: 'ETIMEDOUT' })),
    );
    socket.on('data', (bytes: Buffer) => this.forward(connection, bytes));
    socket.once('end', () => this.send({ type: 'tcp_end', taskId: this.taskId, connection }));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = socket.connecting || !socket.remoteAddress ? 'connect_failed' : 'connection_lost';
      this.fail(connection, code, `${host}:${port}: ${error.message}`, error.code);
    });
    socket.once('close', () => {
      if (this.connections.get(connection) !== state) return;
      this.connections.delete(connection);
      this.send({ type: 'tcp_closed', taskId: this.taskId, connection });
    });
    if (this.pausedForPipe) socket.pause();
  }

  /** Bytes the step sent; acknowledged once written, so the step never has more than a window unwritten. */
  write(connection: number, bytes: Buffer): void {
    const state = this.connections.get(connection);
    if (!state?.socket) return;
    state.unacknowledged += bytes.length;
    if (state.unacknowledged > SANDBOX_LIMITS.connectionWindowBytes) {
      return this.fail(
        connection,
        'connection_lost',
        `the step sent more than ${SANDBOX_LIMITS.connectionWindowBytes} bytes ahead of the connection`,
      );
    }
    state.socket.write(bytes, () => {
      state.unacknowledged -= bytes.length;
      this.send({ type: 'tcp_ack', taskId: this.taskId, connection, bytes: bytes.length });
    });
  }

  end(connection: number): void {
    this.connections.get(connection)?.socket?.end();
  }

  close(connection: number): void {
    const state = this.connections.get(connection);
    this.connections.delete(connection);
    state?.socket?.destroy();
  }

  closeAll(): void {
    this.closed = true;
    for (const connection of [...this.connections.keys()]) this.close(connection);
  }

  /** The vetted address to connect to, or why the step may not. */
  private async refusal(host: string, port: number) {
    const endpoint = parseEndpoint(`${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`);
    if (typeof endpoint === 'string') return endpoint;
    const named = formatEndpoint(endpoint);
    if (!this.access || !this.policy) return `${named}: this plugin has no raw network access`;
    const { patterns, endpoints, approveHint } = this.access;
    if (!endpointAllowed(endpoint, patterns)) return `${named} is outside the plugin's network patterns (${patterns.join(', ') || 'none'})`;
    if (!endpoints.includes(named))
      return `${named} is not an endpoint this tenant approved for the plugin (approved: ${endpoints.join(', ') || 'none'}); a tenant admin approves it with ${approveHint}`;
    const addresses = await this.policy.vet(endpoint.host, endpoint.port);
    return typeof addresses === 'string' ? addresses : addresses[0];
  }

  /** Socket → pipe; a backed-up pipe pauses every socket of the task until it drains. */
  private forward(connection: number, bytes: Buffer): void {
    for (let offset = 0; offset < bytes.length; offset += SANDBOX_LIMITS.relayChunkBytes) {
      if (!this.pipe.sendData(connection, bytes.subarray(offset, offset + SANDBOX_LIMITS.relayChunkBytes)) && !this.pausedForPipe) {
        this.pausedForPipe = true;
        this.connections.forEach((state) => state.socket?.pause());
        this.pipe.onDrain(() => {
          this.pausedForPipe = false;
          if (!this.closed) this.connections.forEach((state) => state.socket?.resume());
        });
      }
    }
  }

  private fail(connection: number, code: Extract<TcpHostMessage, { type: 'tcp_error' }>['code'], message: string, errno?: string): void {
    if (!this.connections.has(connection)) return;
    this.close(connection);
    this.send({ type: 'tcp_error', taskId: this.taskId, connection, code, message, ...(errno && { errno }) });
  }

  /** Refuses an open that never got a connection of its own (a number in use, too many). */
  private refuse(connection: number, message: string): void {
    this.send({ type: 'tcp_error', taskId: this.taskId, connection, code: 'network_denied', message });
  }

  private send(message: TcpHostMessage): void {
    if (!this.closed) this.pipe.send(message);
  }
}
