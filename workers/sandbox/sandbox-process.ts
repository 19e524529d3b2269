import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { permissionFlags, type RunnerPermissions } from './node-permissions.js';
import { OutputTail } from './output-tail.js';
import type { ProcessExit } from './sandbox-outcome.js';
import type { HostMessage } from './sandbox-protocol.js';

export interface SandboxProcessOptions {
  runnerPath: string;
  memoryMb: number;
  /** Enforced by Node's permission model inside the child. */
  permissions: RunnerPermissions;
  /** Wraps the node command line in OS isolation (process-isolation.ts); the pid stays node's. */
  wrap?: (argv: string[]) => { command: string; args: string[] };
}

const OUTPUT_TAIL_BYTES = 8 * 1024;
/** stderr can still be draining when 'exit' fires; the OOM message is in it. */
const STDERR_DRAIN_MS = 100;
const TERMINATE_WAIT_MS = 2_000;

/** One step-runner child in its own process group. */
export class SandboxProcess {
  readonly pid: number | undefined;
  /** Resolves once the runner listens for tasks; never resolves if it dies first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<ProcessExit>;
  tasksServed = 0;
  private exit: ProcessExit | undefined;
  private readonly exitHandlers = new Set<(exit: ProcessExit) => void>();
  private readonly stdout = new OutputTail(OUTPUT_TAIL_BYTES);
  private readonly stderr = new OutputTail(OUTPUT_TAIL_BYTES);

  private constructor(private readonly child: ChildProcess) {
    this.pid = child.pid;
    child.stdout!.on('data', (chunk: Buffer) => this.stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    this.ready = this.waitUntilReady();
    this.exited = this.waitForExit();
    void this.exited.then((exit) => {
      this.exit = exit;
      this.exitHandlers.forEach((handler) => handler(exit));
    });
  }

  static spawn({ runnerPath, memoryMb, permissions, wrap }: SandboxProcessOptions): SandboxProcess {
    const argv = [process.execPath, `--max-old-space-size=${memoryMb}`, ...permissionFlags(permissions), runnerPath];
    const { command, args } = wrap ? wrap(argv) : { command: argv[0]!, args: argv.slice(1) };
    const child = spawn(command, args, {
      detached: true,
      env: {},
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    return new SandboxProcess(child);
  }

  get isAlive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.pid !== undefined;
  }

  send(message: HostMessage): void {
    // A closed channel means the child is dying; the exit is reported through `exited`.
    if (this.child.connected) this.child.send(message, () => undefined);
  }

  onMessage(handler: (message: unknown) => void): () => void {
    this.child.on('message', handler);
    return () => this.child.off('message', handler);
  }

  /** Like `exited.then`, but unsubscribable: a warm child outlives many tasks that watch it. */
  onExit(handler: (exit: ProcessExit) => void): () => void {
    if (this.exit) {
      handler(this.exit);
      return () => undefined;
    }
    this.exitHandlers.add(handler);
    return () => this.exitHandlers.delete(handler);
  }

  /** Kills the whole process group, so whatever the step spawned goes too. */
  kill(): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  async terminate(): Promise<void> {
    this.kill();
    await Promise.race([this.exited, delay(TERMINATE_WAIT_MS)]);
  }

  private waitUntilReady(): Promise<void> {
    return new Promise((resolve) => {
      const onMessage = (message: unknown) => {
        if ((message as { type?: unknown } | null)?.type !== 'ready') return;
        this.child.off('message', onMessage);
        resolve();
      };
      this.child.on('message', onMessage);
    });
  }

  private async waitForExit(): Promise<ProcessExit> {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      this.child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
      this.child.once('error', () => resolve([this.child.exitCode, this.child.signalCode]));
    });
    await Promise.race([once(this.child.stderr!, 'end'), delay(STDERR_DRAIN_MS)]);
    return { code, signal, stderr: this.stderr.toString(), stdout: this.stdout.toString() };
  }
}
