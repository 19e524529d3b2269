import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface BatonProcess {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `baton <command>` (with its options, when an array); its output is kept (the last 20 kB) and, with `logFile`, all of it
 * appended there. `identity`: run it as another user (no supplementary groups), e.g. not root.
 */
export function spawnBaton(
  command: string | string[],
  env: Record<string, string>,
  cwd = process.cwd(),
  logFile?: string,
  identity?: { uid: number; gid: number },
): BatonProcess {
  const child = spawn(process.execPath, ['bin/baton.js', ...[command].flat()], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...identity,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    if (logFile) appendFileSync(logFile, chunk);
    output = (output + chunk.toString()).slice(-20_000);
    if (process.env.BATON_TEST_VERBOSE) process.stderr.write(chunk);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && !child.signalCode) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Resolves once `url` answers 2xx; `alive` (a check, or the process itself, whose last output a failure then quotes) must hold meanwhile. */
export async function waitForHttp(url: string, timeoutMs: number, alive: (() => boolean) | BatonProcess = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (typeof alive === 'function' ? !alive() : alive.child.exitCode !== null || alive.child.signalCode !== null) {
      const output = typeof alive === 'function' ? '' : `; its last output:\n${alive.output().slice(-4_000)}`;
      throw new Error(`process serving ${url} exited${output}`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Whether a process still runs. A zombie counts as gone: PID 1 on these machines does not reap orphans. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .startsWith('Z');
  } catch {
    return false;
  }
}

/** A step process; not one that compiles a bundle's code cache and exits (`--compile`). */
const isStepRunner = (command: string) => /step-runner\.c?js/.test(command) && !command.includes(' --compile ');

/** Pids of step-runner processes (the plugin sandboxes), optionally only those of one parent. */
export function stepRunnerPids(parent?: number): number[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, ...args]) => isStepRunner(args.join(' ')) && (parent === undefined || Number(ppid) === parent))
    .map(([pid]) => Number(pid));
}
