import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isExecutable } from '../../src/temporal/temporal-cli.js';
import { freePort } from './processes.js';

/** gofakes3 (MIT): an S3-API server in Go, for the whole-stack tests as stripe-mock is for Stripe. */
const VERSION = '1.2.0';
const GO = ['/usr/local/go/bin/go', 'go'];

function cached(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'baton', `gofakes3-${VERSION}`, 'bin', 'gofakes3');
}

/** The binary, built once with Go into the user cache (like the Temporal CLI). */
async function resolveFakeS3(): Promise<string> {
  const binary = cached();
  if (isExecutable(binary)) return binary;
  mkdirSync(join(binary, '..'), { recursive: true });
  const go = GO.find((candidate) => !candidate.includes('/') || isExecutable(candidate))!;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', `github.com/johannesboyne/gofakes3/cmd/gofakes3@v${VERSION}`], { env: { ...process.env, GOBIN: join(binary, '..') }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install of gofakes3 exited with ${code}`))));
  });
  return binary;
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
