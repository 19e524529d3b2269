import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { cancelled, type SandboxOutcome } from './sandbox-outcome.js';
import { SandboxProcess } from './sandbox-process.js';
import type { RunTaskMessage, TaskContext } from './sandbox-protocol.js';
import { runTask, type TaskHooks } from './sandbox-task.js';
import { WarmPool } from './warm-pool.js';

export type { SandboxError, SandboxErrorCode, SandboxOutcome } from './sandbox-outcome.js';
export type { TaskHooks as SandboxHooks } from './sandbox-task.js';

export interface StepSandboxOptions {
  /** The compiled step-runner; defaults to the one beside this file in dist/. */
  runnerPath?: string | URL;
  /** V8 heap limit of each child. */
  memoryMb?: number;
  /** How long a cancelled step may take to wind down before it is killed. */
  cancelGraceMs?: number;
  maxIdlePerKey?: number;
  maxIdleTotal?: number;
  idleTtlMs?: number;
  /** A child is retired after this many tasks, so slow leaks in plugin code cannot pile up. */
  maxTasksPerProcess?: number;
}

export interface SandboxRequest {
  tenantId: string;
  /** Identifies one exact plugin version, e.g. `core@1.0.0`. Children are reused only within tenant + pluginKey. */
  pluginKey: string;
  /** Absolute path of the plugin's JS entry. */
  entry: string;
  /** The plugin's step id, e.g. `echo`. */
  stepId: string;
  input: Record<string, unknown>;
  /** The tenant comes from `tenantId` above, so a context can never name another tenant. */
  ctx: Omit<TaskContext, 'tenantId'>;
  timeoutMs: number;
}

export interface SandboxStats {
  spawned: number;
  alivePids: number[];
  idle: number;
  busy: number;
}

const DEFAULTS = {
  memoryMb: 256,
  cancelGraceMs: 2_000,
  maxIdlePerKey: 2,
  maxIdleTotal: 16,
  idleTtlMs: 30_000,
  maxTasksPerProcess: 100,
};

/** Runs plugin steps in child processes, keeping a few warm per tenant and plugin version. */
export class StepSandbox {
  private readonly settings: typeof DEFAULTS & { runnerPath: string };
  private readonly pool: WarmPool<SandboxProcess>;
  private readonly live = new Set<SandboxProcess>();
  private readonly busy = new Set<SandboxProcess>();
  private readonly shutdown = new AbortController();
  private spawned = 0;

  constructor(options: StepSandboxOptions = {}) {
    const runnerPath = options.runnerPath ?? new URL('./step-runner.js', import.meta.url);
    this.settings = { ...DEFAULTS, ...definedOnly(options), runnerPath: runnerPath instanceof URL ? fileURLToPath(runnerPath) : runnerPath };
    this.pool = new WarmPool(this.settings);
  }

  async run(request: SandboxRequest, hooks: TaskHooks = {}): Promise<SandboxOutcome> {
    if (this.shutdown.signal.aborted) return cancelled('the sandbox is closed');
    if (hooks.signal?.aborted) return cancelled();
    const key = JSON.stringify([request.tenantId, request.pluginKey]);
    const child = this.pool.take(key) ?? this.spawn();
    this.busy.add(child);
    try {
      const { cancelGraceMs, memoryMb } = this.settings;
      const settings = { timeoutMs: request.timeoutMs, cancelGraceMs, memoryMb, shutdown: this.shutdown.signal };
      const { outcome, reusable } = await runTask(child, toRunMessage(request), hooks, settings);
      child.tasksServed++;
      this.release(key, child, reusable);
      return outcome;
    } finally {
      this.busy.delete(child);
    }
  }

  /** Kills every child, busy or idle; busy runs resolve as cancelled. For worker shutdown. */
  async close(): Promise<void> {
    this.shutdown.abort();
    this.pool.drain();
    await Promise.all([...this.live].map((child) => child.terminate()));
  }

  stats(): SandboxStats {
    const alivePids = [...this.live].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
    return { spawned: this.spawned, alivePids, idle: this.pool.size, busy: this.busy.size };
  }

  private spawn(): SandboxProcess {
    const child = SandboxProcess.spawn(this.settings);
    this.spawned++;
    this.live.add(child);
    void child.exited.then(() => {
      this.live.delete(child);
      this.pool.forget(child);
    });
    return child;
  }

  private release(key: string, child: SandboxProcess, reusable: boolean): void {
    const keep = reusable && child.isAlive && !this.shutdown.signal.aborted && child.tasksServed < this.settings.maxTasksPerProcess;
    if (keep) this.pool.put(key, child);
    else void child.terminate();
  }
}

function toRunMessage({ tenantId, entry, stepId, input, ctx }: SandboxRequest): RunTaskMessage {
  return { type: 'run', taskId: randomUUID(), entry, stepId, input, ctx: { ...ctx, tenantId } };
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
