import { Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_SERVER_SEARCH_ATTRIBUTE_FLAGS } from './search-attributes.js';

export interface DevServer {
  address: string;
  process: ChildProcess;
  /** Settles when the server process is gone, asked to or not. */
  exited: Promise<unknown>;
  stop: () => Promise<void>;
}

export interface DevServerOptions {
  cliPath: string;
  port: number;
  namespace: string;
  /** SQLite file; omitted = in memory. */
  dbFile?: string;
  uiPort?: number;
  /** Faster SQLite for throwaway test servers. */
  fast?: boolean;
  /** More `KEY=VALUE` dynamic config (test stacks: thresholds reached sooner). */
  dynamicConfig?: string[];
  log?: (line: string) => void;
  /** Written with the pid and command line while the server runs, for the next `baton up` to find a leftover. */
  pidFile?: string;
}

const SETPRIV = '/usr/bin/setpriv';

/**
 * Eager activity execution hands an activity to the worker that completed the workflow task,
 * skipping a matching round trip: measured here, it halves the latency of each sequential step.
 */
const DEV_SERVER_DYNAMIC_CONFIG = ['system.enableActivityEagerExecution=true'];

/** Runs `temporal server start-dev` as a child process and waits until its frontend answers. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    options.namespace,
    '--log-level',
    'error',
    ...DEV_SERVER_SEARCH_ATTRIBUTE_FLAGS,
  ];
  if (options.dbFile) {
    mkdirSync(join(options.dbFile, '..'), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.fast) args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  // WAL: a reader (`baton backup` copying the file) neither waits for the server's writes nor
  // holds them up; in the default rollback journal a busy server starves it with `database is locked`.
  else if (options.dbFile) args.push('--sqlite-pragma', 'journal_mode=WAL');
  args.push(...[...DEV_SERVER_DYNAMIC_CONFIG, ...(options.dynamicConfig ?? [])].flatMap((value) => ['--dynamic-config-value', value]));

  // Its own process group: Ctrl-C reaches Baton alone, which stops the worker before the server.
  // A parent-death signal: a Baton killed with SIGKILL (the OOM killer) takes the server along,
  // which the 'exit' handler below cannot do. setpriv execs, so the pid is the server's.
  const [command, argv] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'KILL', '--', options.cliPath, ...args]]
    : [options.cliPath, args];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  if (options.pidFile && child.pid) {
    mkdirSync(join(options.pidFile, '..'), { recursive: true });
    writeFileSync(options.pidFile, `${child.pid}\n${[options.cliPath, ...args].join(' ')}\n`);
  }
  const tail: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      options.log?.(line);
      tail.push(line);
      if (tail.length > 20) tail.shift();
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => {
    process.removeListener('exit', killOnExit);
    if (options.pidFile) rmSync(options.pidFile, { force: true });
  });

  const address = `127.0.0.1:${options.port}`;
  const ready = waitForFrontend(address, options.namespace, 60_000);
  const outcome = await Promise.race([ready.then(() => 'ready' as const), exited.then((code) => `exit ${code}`)]).catch(
    (error: Error) => error.message,
  );
  if (outcome !== 'ready') {
    child.kill('SIGKILL');
    throw new Error(`temporal server start-dev did not start (${outcome}):\n${tail.join('\n')}`);
  }

  return {
    address,
    process: child,
    exited,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForFrontend(address: string, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
