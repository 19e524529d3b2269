import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerTarget } from '../broker-addresses.js';
import { consumeAmqp } from './amqp-connection.js';

/** A "broker" on loopback that answers the protocol header with whatever `reply` writes. */
async function fakeBroker(reply: (socket: Socket) => void): Promise<{ server: Server; target: BrokerTarget }> {
  const server = createServer((socket) => socket.once('data', () => reply(socket)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = new URL(`amqp://user:hunter2@broker.example:${port}`);
  return { server, target: { url, address: '127.0.0.1', port, servername: 'broker.example', hide: (text) => text } };
}

const consume = (target: BrokerTarget) =>
  consumeAmqp({
    triggerId: 't',
    createdAt: new Date(),
    target,
    broker: { connectionSecret: 'BROKER', queue: 'orders', prefetch: 1 },
    handle: async () => 'ack',
    retryDelayMs: 10,
  });

describe(consumeAmqp.name, () => {
  let server: Server | undefined;
  afterEach(() => void server?.close());

  it('ends the connection, not the process, on a frame larger than the client can hold', async () => {
    const broker = await fakeBroker((socket) => {
      // A method frame announcing 100,000 bytes, sent in two parts: past amqp-client's frame buffer.
      socket.write(Buffer.concat([Buffer.from([1, 0, 0, 0, 1, 0x86, 0xa0]), Buffer.alloc(20_000)]));
      setTimeout(() => socket.write(Buffer.alloc(20_000)), 20);
    });
    server = broker.server;
    await expect(consume(broker.target)).rejects.toThrow(/The broker sent what the client cannot read/);
  });

  it('connects to the vetted address, never to the host name in the URL', async () => {
    let reached = 0;
    const broker = await fakeBroker((socket) => {
      reached++;
      socket.destroy();
    });
    server = broker.server;
    // broker.example does not resolve: the fake broker hears from the listener only through the address.
    await expect(consume(broker.target)).rejects.toThrow(/Connection ended|Socket closed|ECONNRESET/);
    expect(reached).toBe(1);
  });
});
