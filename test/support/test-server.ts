import { createServer, type Socket } from 'node:net';

export interface TestServer {
  port: number;
  /** The bytes `flood` has written so far, on every connection. */
  flooded(): number;
  /** The connections the client side has not closed yet. */
  open(): number;
  /** Stops listening and drops the connections still open. */
  close(): Promise<void>;
}

/**
 * A TCP server of the test process on 127.0.0.1, standing in for a broken or hostile one: each
 * connection goes to `onConnection`, which may stay silent (a server that hangs) or `flood` it:
 * write `head` (a header announcing a huge message, say), then bytes for as long as the client reads.
 */
export async function startTestServer(onConnection: (socket: Socket, flood: (head: string | Buffer) => void) => void): Promise<TestServer> {
  let flooded = 0;
  const chunk = Buffer.alloc(64 * 1024, 120);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket, (head) => {
      socket.write(head);
      const pump = () => {
        while (!socket.destroyed && socket.write(chunk)) flooded += chunk.length;
      };
      socket.on('drain', pump);
      pump();
    });
    // Read what the client sends even when silent: a socket never read never sees the client close it.
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    flooded: () => flooded,
    open: () => sockets.size,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
