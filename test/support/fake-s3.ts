import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { goInstall, isExecutable, toolCacheDir } from '../../src/temporal/temporal-cli.js';
import { freePort } from './processes.js';

/** gofakes3 (MIT): an S3-API server in Go, for the whole-stack tests as stripe-mock is for Stripe. */
const VERSION = '1.2.0';

/** The binary, built once with Go into the user cache (like the Temporal CLI). */
async function resolveFakeS3(): Promise<string> {
  const binDir = join(toolCacheDir(`gofakes3-${VERSION}`), 'bin');
  if (!isExecutable(join(binDir, 'gofakes3'))) await goInstall(`github.com/johannesboyne/gofakes3/cmd/gofakes3@v${VERSION}`, binDir);
  return join(binDir, 'gofakes3');
}

export interface FakeS3 {
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

/** An in-memory S3-compatible server with one bucket, on a free port. */
export async function startFakeS3(bucket: string): Promise<FakeS3> {
  const binary = await resolveFakeS3();
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['-backend', 'memory', '-initialbucket', bucket, '-host', `127.0.0.1:${port}`, '-quiet'], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`gofakes3 exited with ${child.exitCode}`);
    if (await fetch(`${endpoint}/${bucket}`).then(() => true, () => false)) break;
    if (tries > 100) throw new Error('gofakes3 did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    bucket,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    },
  };
}
