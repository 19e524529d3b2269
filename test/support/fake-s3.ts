import { startGoTool } from './go-tool.js';

export interface FakeS3 {
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

/** gofakes3 (MIT): an in-memory S3-API server with one bucket, for the whole-stack tests as stripe-mock is for Stripe. */
export async function startFakeS3(bucket: string): Promise<FakeS3> {
  const server = await startGoTool({
    name: 'gofakes3',
    module: 'github.com/johannesboyne/gofakes3/cmd/gofakes3',
    version: '1.2.0',
    args: (port) => ['-backend', 'memory', '-initialbucket', bucket, '-host', `127.0.0.1:${port}`, '-quiet'],
    ready: (url) => fetch(`${url}/${bucket}`),
  });
  return { endpoint: server.url, bucket, stop: server.stop };
}
