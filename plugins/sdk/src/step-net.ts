import type { Duplex } from 'node:stream';
import { StepError } from './step-error.js';

/**
 * A TCP connection of a plugin with raw network access, shaped like `net.Socket` so that database
 * and queue clients take it where they take a socket or a stream factory (pg's `stream`, mysql2's
 * `stream`, kafkajs' `socketFactory`…). TLS goes on top with `tls.connect({ socket })`, in the step.
 */
export interface StepSocket extends Duplex {
  /** Starts connecting; `'connect'` follows, or `'error'` when the worker refuses or cannot reach it. */
  connect(port: number, host?: string): this;
  connect(options: { port: number; host?: string }, listener?: () => void): this;
  setNoDelay(noDelay?: boolean): this;
  setKeepAlive(enable?: boolean, initialDelay?: number): this;
  setTimeout(timeout: number, callback?: () => void): this;
  ref(): this;
  unref(): this;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
}

/**
 * `ctx.net`: TCP for plugins that declare `network` endpoints (`host:port` patterns) in their
 * manifest. The step process has no network: the worker opens the connection, to an endpoint the
 * tenant approved for the plugin, at an address it checked, and relays the bytes.
 */
export interface StepNet {
  /** A socket not connected yet: `socket().connect(port, host)`, as with `new net.Socket()`. */
  socket(): StepSocket;
  /** A socket already connecting, as `net.connect({ host, port })`. */
  connect(options: { host: string; port: number }, listener?: () => void): StepSocket;
}

export const NO_NET: StepNet = {
  socket: () => refuse(),
  connect: () => refuse(),
};

function refuse(): never {
  throw new StepError('this plugin has no raw network access: declare `network` endpoints in definePlugin, or use ctx.fetch', {
    retryable: false,
    code: 'network_denied',
  });
}
