import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { FrameError } from './frame-codec.js';
import { FrameChannel } from './frame-channel.js';
import { permissionFlags, type RunnerPermissions } from './node-permissions.js';
import { OutputTail } from './output-tail.js';
import type { ProcessExit } from './sandbox-outcome.js';
import { CHANNEL_LIMITS, joinBody, splitBody, type CodeCacheFile, type HostMessage } from './sandbox-protocol.js';

export interface SandboxProcessOptions {
  runnerPath: string;
  memoryMb: number;
  /** Enforced by Node's permission model inside the child. */
  permissions: RunnerPermissions;
  /**
   * Wraps the node command line in OS isolation (process-isolation.ts). The pid is then the
   * wrapper's (unshare, which forks node into the new namespace); node stays in its process group,
   * which `kill` signals.
   */
  wrap?: (argv: string[]) => { command: string; args: string[] };
  /** The plugin a spare loads before it says it is ready (step-runner.ts `--preload`). */
  preload?: { entry: string; digest?: string };
  /** V8's code cache of the bundle for `digest`, which the runner uses if it loads that digest (`--code-cache`). */
  codeCache?: CodeCacheFile;
  /** Compile-only: the runner sends the bundle's code cache and exits, running none of it (`--compile`). */
  compile?: { entry: string; digest: string };
}

/** `vm.SourceTextModule`, which the runner compiles bundles with (bundle-module.ts). */
const VM_MODULES_FLAG = '--experimental-vm-modules';

const OUTPUT_TAIL_BYTES = 8 * 1024;
/** Far longer than writing any frame takes; a step's own timeout may come first. */
const UNFINISHED_FRAME_MS = 30_000;
/** stderr can still be draining when 'exit' fires; the OOM message is in it. */
const STDERR_DRAIN_MS = 100;
const TERMINATE_WAIT_MS = 2_000;

/**
 * One step-runner child in its own process group, spoken to over its own pipe (fd 3). Whatever the
 * child writes there is untrusted: a frame that breaks the format or the limits kills the child, and
 * the task it ran ends with a protocol error; the worker reads on.
 */
export class SandboxProcess {
  readonly pid: number | undefined;
  /** Resolves once the runner listens for tasks; never resolves if it dies first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<ProcessExit>;
  tasksServed = 0;
  /** Set once the runner said it is ready (a spare: with its plugin loaded). */
  isReady = false;
  /** Why the channel was given up, when the child broke the protocol. */
  protocolError: FrameError | undefined;
  private exit: ProcessExit | undefined;
  private readonly exitHandlers = new Set<(exit: ProcessExit) => void>();
  private readonly messageHandlers = new Set<(message: unknown) => void>();
  private readonly dataHandlers = new Set<(connection: number, bytes: Buffer) => void>();
  private readonly stdout = new OutputTail(OUTPUT_TAIL_BYTES);
  private readonly stderr = new OutputTail(OUTPUT_TAIL_BYTES);
  private readonly channel: FrameChannel;

  private constructor(private readonly child: ChildProcess) {
    this.pid = child.pid;
    child.stdout!.on('data', (chunk: Buffer) => this.stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    this.channel = new FrameChannel(
      child.stdio[3] as Duplex,
      CHANNEL_LIMITS,
      {
        onMessage: (message, body) => this.messageHandlers.forEach((handler) => handler(joinBody(message, body))),
        onData: (connection, bytes) => this.dataHandlers.forEach((handler) => handler(connection, bytes)),
        onProtocolError: (error) => {
          this.protocolError = error;
          this.kill();
        },
      },
      { unfinishedFrameMs: UNFINISHED_FRAME_MS },
    );
    this.ready = this.waitUntilReady();
    this.exited = this.waitForExit();
    void this.exited.then((exit) => {
      this.exit = exit;
      this.exitHandlers.forEach((handler) => handler(exit));
    });
  }

  static spawn({ runnerPath, memoryMb, permissions, wrap, preload, codeCache, compile }: SandboxProcessOptions): SandboxProcess {
    const runnerArgs = [
      ...(preload ? ['--preload', preload.entry, preload.digest ?? ''] : []),
      ...(codeCache ? ['--code-cache', codeCache.digest, codeCache.path] : []),
      ...(compile ? ['--compile', compile.entry, compile.digest] : []),
    ];
    const reads = codeCache ? { ...permissions, readPaths: [...permissions.readPaths, codeCache.path] } : permissions;
    // The V8 flags (heap size, vm modules) are the same for every process: a code cache is valid only under the flags it was made with.
    const node = [`--max-old-space-size=${memoryMb}`, VM_MODULES_FLAG];
    const argv = [process.execPath, ...node, ...permissionFlags(reads), runnerPath, ...runnerArgs];
    const { command, args } = wrap ? wrap(argv) : { command: argv[0], args: argv.slice(1) };
    const child = spawn(command, args, {
      detached: true,
      env: {},
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    return new SandboxProcess(child);
  }

  get isAlive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.pid !== undefined;
  }

  /** Bytes of a message the child started sending and has not finished (a stuck or hostile writer). */
  get unfinishedMessageBytes(): number {
    return this.channel.unfinishedBytes;
  }

  /** False when the pipe is backed up (see `onDrain`). A closed channel means the child is dying; the exit is reported through `exited`. */
  send(message: HostMessage): boolean {
    return this.channel.send(...splitBody(message));
  }

  sendData(connection: number, bytes: Uint8Array): boolean {
    return this.channel.sendData(connection, bytes);
  }

  onDrain(handler: () => void): void {
    this.channel.onDrain(handler);
  }

  onMessage(handler: (message: unknown) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  /** Bytes the child sent on one of its relayed TCP connections. */
  onData(handler: (connection: number, bytes: Buffer) => void): () => void {
    this.dataHandlers.add(handler);
    return () => this.dataHandlers.delete(handler);
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
      const stop = this.onMessage((message) => {
        if ((message as { type?: unknown } | null)?.type !== 'ready') return;
        stop();
        this.isReady = true;
        resolve();
      });
    });
  }

  private async waitForExit(): Promise<ProcessExit> {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      this.child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
      this.child.once('error', () => resolve([this.child.exitCode, this.child.signalCode]));
    });
    await Promise.race([once(this.child.stderr!, 'end'), delay(STDERR_DRAIN_MS)]);
    this.channel.close();
    return { code, signal, stderr: this.stderr.toString(), stdout: this.stdout.toString() };
  }
}
