import { createServer, type Socket } from 'node:net';

export interface TestServer {
  port: number;
  /** The bytes `flood` has written so far, on every connection. */
  flooded(): number;
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
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    onConnection(socket, (head) => {
      socket.write(head);
      const pump = () => {
        while (!socket.destroyed && socket.write(chunk)) flooded += chunk.length;
      };
      socket.on('drain', pump);
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    flooded: () => flooded,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
