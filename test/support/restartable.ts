import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  startEmbeddedPostgres,
  type EmbeddedDatabase,
  type EmbeddedDatabaseSecrets,
} from '../../src/runtime/database/embedded-postgres.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { isAlive, spawnBaton, waitForHttp, type BatonProcess } from './processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still alive after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** One part of a stack that a fault test kills and starts again: same port, same data. */
export interface RestartablePart {
  /** The process id while it runs, else null. */
  pid(): number | null;
  /** Sends `signal` to the running process and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  /** A clean stop, for the teardown. */
  stop(): Promise<void>;
}

export interface RestartablePostgres extends RestartablePart {
  url: string;
  adminUrl: string;
}

/** The postmaster's pid, from the first line of postmaster.pid: the process the embedded-postgres package spawned. */
function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/**
 * An embedded PostgreSQL on `dataDir` and `port` that survives being killed: `start` again runs crash
 * recovery on the same data folder. After a SIGKILL of the postmaster its backends exit on their own
 * within a moment; until then PostgreSQL refuses to start ("shared memory block is still in use"), so
 * `start` retries.
 */
export async function restartablePostgres(dataDir: string, port: number, secrets: EmbeddedDatabaseSecrets): Promise<RestartablePostgres> {
  let current: EmbeddedDatabase | null = await startEmbeddedPostgres(dataDir, port, secrets);
  const part: RestartablePostgres = {
    url: current.url,
    adminUrl: current.adminUrl,
    pid: () => postmasterPid(dataDir),
    async kill(signal = 'SIGKILL') {
      const pid = postmasterPid(dataDir);
      current = null;
      if (pid === null) return;
      process.kill(pid, signal);
      await waitGone(pid, 30_000);
    },
    async start() {
      if (postmasterPid(dataDir) !== null) return;
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          current = await startEmbeddedPostgres(dataDir, port, secrets);
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await sleep(500);
        }
      }
    },
    async stop() {
      const running = current;
      current = null;
      if (running) await running.stop();
      else if (postmasterPid(dataDir) !== null) await part.kill('SIGINT');
    },
  };
  return part;
}

/** The Temporal dev server on a fixed port with its SQLite file, so a restart keeps every workflow. */
export async function restartableTemporal(cliPath: string, port: number, dbFile: string): Promise<RestartablePart & { address: string }> {
  const options = { cliPath, port, namespace: 'default', dbFile, fast: true };
  let current: DevServer | null = await startDevServer(options);
  return {
    address: current.address,
    pid: () => (current && current.process.exitCode === null && !current.process.signalCode ? (current.process.pid ?? null) : null),
    async kill(signal = 'SIGKILL') {
      const running = current;
      current = null;
      if (!running || running.process.exitCode !== null || running.process.signalCode) return;
      const exited = new Promise((resolve) => running.process.once('exit', resolve));
      running.process.kill(signal);
      // A server that ignores a gentler signal is killed after 15 s, as `stop` does.
      const timer = setTimeout(() => running.process.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    async start() {
      if (current) return;
      current = await startDevServer(options);
    },
    async stop() {
      const running = current;
      current = null;
      await running?.stop();
    },
  };
}

/** A `baton api` or `baton worker` that can be killed and spawned again with the same environment. */
export function restartableBaton(
  command: 'api' | 'worker',
  env: Record<string, string>,
  logFile: string,
  readyUrl: string,
): RestartablePart & { process(): BatonProcess } {
  let current = spawnBaton(command, env, undefined, logFile);
  const running = () => current.child.exitCode === null && !current.child.signalCode;
  return {
    process: () => current,
    pid: () => (running() ? (current.child.pid ?? null) : null),
    async kill(signal = 'SIGKILL') {
      if (running()) await current.stop(signal);
    },
    async start() {
      if (running()) return;
      current = spawnBaton(command, env, undefined, logFile);
      const spawned = current;
      await waitForHttp(readyUrl, 60_000, () => spawned.child.exitCode === null);
    },
    async stop() {
      await current.stop();
    },
  };
}

/**
 * A control server on 127.0.0.1 for tests, which run in vitest workers and cannot reach the
 * globalSetup's process: `POST /<part>/<action>` with part one of `parts`' names and action
 * `kill` (`?signal=`, SIGKILL unless told), `stop` (an alias of kill), `start` or `restart`;
 * `GET /status` the pids. Calls run one at a time.
 */
export async function startControlServer(parts: Record<string, RestartablePart>): Promise<{ url: string; close(): Promise<void> }> {
  let queue: Promise<unknown> = Promise.resolve();
  const handle = async (request: IncomingMessage): Promise<[number, unknown]> => {
    const url = new URL(request.url ?? '/', 'http://control');
    if (request.method === 'GET' && url.pathname === '/status') {
      return [200, Object.fromEntries(Object.entries(parts).map(([name, part]) => [name, { pid: part.pid() }]))];
    }
    const [, name, action] = url.pathname.split('/');
    const part = parts[name ?? ''];
    if (request.method !== 'POST' || !part || !['kill', 'stop', 'start', 'restart'].includes(action ?? ''))
      return [404, { error: `no ${request.method} ${url.pathname}` }];
    const signal = (url.searchParams.get('signal') ?? 'SIGKILL') as NodeJS.Signals;
    const before = part.pid();
    if (action === 'kill' || action === 'stop' || action === 'restart') await part.kill(signal);
    if (action === 'start' || action === 'restart') await part.start();
    return [200, { part: name, action, killed: action === 'start' ? null : before, pid: part.pid() }];
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const done = queue.then(() => handle(request));
    queue = done.catch(() => undefined);
    done.then(
      ([status, body]) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      (error: Error) => response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** For tests: asks the stack's control server to act on one of its parts; throws unless it answered 200. */
export async function controlStack(
  controlUrl: string,
  part: string,
  action: 'kill' | 'stop' | 'start' | 'restart',
  signal?: NodeJS.Signals,
): Promise<{ killed: number | null; pid: number | null }> {
  const response = await fetch(`${controlUrl}/${part}/${action}${signal ? `?signal=${signal}` : ''}`, { method: 'POST' });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`${part}/${action}: ${response.status} ${JSON.stringify(body)}`);
  return body as { killed: number | null; pid: number | null };
}

/** For tests: the pids of the stack's parts now (null: not running). */
export async function stackStatus(controlUrl: string): Promise<Record<string, { pid: number | null }>> {
  return (await (await fetch(`${controlUrl}/status`)).json()) as Record<string, { pid: number | null }>;
}
