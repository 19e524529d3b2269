import { setMaxListeners } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpExchange } from '../../plugins/sdk/src/step-fetch.js';
import { artifactHandler, type ArtifactStore } from '../../src/runtime/artifacts/artifact-store.js';
import type { EgressBroker } from '../../src/runtime/egress/egress-broker.js';
import type { AddressPolicy } from '../../src/runtime/egress/egress-policy.js';
import type { SandboxPosture } from '../../src/runtime/health/sandbox-posture.js';
import { isolate, probeIsolation, UidPool, type IsolationSettings } from './process-isolation.js';
import { installationReadPaths, installationRootOf, permissionFlags } from './node-permissions.js';
import { CodeCaches } from './code-caches.js';
import { readRunnerMessage } from './runner-message.js';
import { cancelled, failure, type SandboxOutcome } from './sandbox-outcome.js';
import { SandboxProcess } from './sandbox-process.js';
import { refusedGrant, toRunMessage, type SandboxRequest } from './sandbox-request.js';
import { runTask, type TaskHooks } from './sandbox-task.js';
import { ScratchFolders } from './scratch-folders.js';
import { SANDBOX_DEFAULTS, type SandboxStats, type StepSandboxOptions } from './sandbox-options.js';
import { SparePool } from './spare-pool.js';
import { WarmPool } from './warm-pool.js';

export type { SandboxError, SandboxErrorCode, SandboxOutcome } from './sandbox-outcome.js';
export type { SandboxRequest } from './sandbox-request.js';
export type { TaskHooks as SandboxHooks } from './sandbox-task.js';
export type { SandboxStats, StepSandboxOptions } from './sandbox-options.js';

/** Compiling the largest bundle takes well under a second; a compile-only process still running after this is stuck. */
const COMPILE_TIMEOUT_MS = 30_000;

/** How a process starts: plain (its first task names the plugin), as a spare that loads its plugin, or compile-only. */
interface ProcessStart {
  preload?: { entry: string; digest?: string };
  compile?: { entry: string; digest: string };
}

/** Runs plugin steps in child processes, keeping a few warm per tenant and plugin version. */
export class StepSandbox {
  private readonly settings: typeof SANDBOX_DEFAULTS & {
    runnerPath: string;
    allowedReadPaths: string[];
    allowChildProcess: boolean;
    installationRoot: string | undefined;
  };
  /** Settings of the OS isolation in effect, or undefined when only the permission model applies. */
  readonly isolation: IsolationSettings | undefined;
  /** Why OS isolation is not in effect, when it is not. */
  readonly isolationGap: string | undefined;
  private readonly broker: EgressBroker | undefined;
  private readonly relayPolicy: AddressPolicy | undefined;
  private readonly artifacts: ArtifactStore | undefined;
  private readonly recordArtifact: StepSandboxOptions['recordArtifact'];
  /** Set when OS isolation was asked for (`auto`) but is not available: only first-party plugins run. */
  private readonly firstPartyOnly: boolean;
  private readonly uids: UidPool | undefined;
  private readonly pool: WarmPool<SandboxProcess>;
  private readonly spares: SparePool<SandboxProcess>;
  private readonly scratch: ScratchFolders;
  private readonly codeCaches: CodeCaches;
  /** The scratch folder of each live process that has one. */
  private readonly scratchOf = new Map<SandboxProcess, string>();
  private readonly live = new Set<SandboxProcess>();
  private readonly busy = new Set<SandboxProcess>();
  private readonly shutdown = new AbortController();
  private spawned = 0;

  constructor(options: StepSandboxOptions = {}) {
    const runnerUrl = options.runnerPath ?? new URL('./step-runner.cjs', import.meta.url);
    const runnerPath = runnerUrl instanceof URL ? fileURLToPath(runnerUrl) : runnerUrl;
    const allowedReadPaths = [...(options.allowedReadPaths ?? installationReadPaths(runnerPath)), ...(options.extraReadPaths ?? [])];
    const allowChildProcess = options.allowChildProcess ?? false;
    // Fails now, not at the first step, if a path cannot be granted safely.
    permissionFlags({ readPaths: allowedReadPaths });
    const installationRoot = options.installationRoot ?? (options.allowedReadPaths ? undefined : installationRootOf(runnerPath));
    this.settings = { ...SANDBOX_DEFAULTS, ...definedOnly(options), runnerPath, allowedReadPaths, allowChildProcess, installationRoot };
    this.pool = new WarmPool(this.settings);
    this.spares = new SparePool({ maxSpares: this.settings.spares, idleTtlMs: this.settings.idleTtlMs });
    const scratchDir = options.scratchDir ?? join(tmpdir(), 'baton-scratch');
    this.scratch = new ScratchFolders(scratchDir);
    this.codeCaches = new CodeCaches(scratchDir, (entry, digest) => this.compileBundle(entry, digest));
    this.broker = options.broker;
    this.relayPolicy = options.relayPolicy;
    this.artifacts = options.artifacts;
    this.recordArtifact = options.recordArtifact;
    const probe = options.isolation
      ? probeIsolation(options.isolation, [runnerPath, ...allowedReadPaths, ...(options.bundleDirs ?? [])])
      : { enabled: false, reason: 'not configured' };
    this.isolation = probe.enabled ? options.isolation : undefined;
    this.isolationGap = probe.reason;
    this.firstPartyOnly = !probe.enabled && options.isolation?.mode === 'auto';
    this.uids = this.isolation && new UidPool(this.isolation.uids);
    // Every running step listens for shutdown: as many listeners as steps at once, not a leak.
    setMaxListeners(0, this.shutdown.signal);
  }

  /** What this sandbox enforces, for the worker's start-up line, its metrics and /readyz. */
  get posture(): SandboxPosture & { level: 'info' | 'warn'; message: string } {
    if (this.isolation) {
      const { first, count } = this.isolation.uids;
      return {
        isolation: 'enforced',
        level: 'info',
        message: `Step processes run isolated: each as a uid of its own (${first}-${first + count - 1}) without capabilities, in process, IPC and network namespaces of its own; network only through the worker (HTTP broker, TCP relay)`,
      };
    }
    const reason = this.isolationGap;
    if (this.firstPartyOnly)
      return {
        isolation: 'first-party-only',
        reason,
        level: 'warn',
        message: `Step processes cannot be OS-isolated (${reason}): only first-party plugins run; others fail with sandbox_unavailable (run the worker as root with util-linux, or set SANDBOX_ISOLATION=off to accept the risk)`,
      };
    return {
      isolation: 'off',
      reason,
      level: 'warn',
      message: `Step processes are not OS-isolated (${reason}): every plugin runs with Node's permission model alone, and a step can signal other steps and the worker's processes of the same uid`,
    };
  }

  async run(request: SandboxRequest, hooks: TaskHooks = {}): Promise<SandboxOutcome> {
    if (this.shutdown.signal.aborted) return cancelled('the sandbox is closed');
    if (hooks.signal?.aborted) return cancelled();
    if (this.firstPartyOnly && !request.firstParty) {
      return failure(
        'sandbox_unavailable',
        `this worker cannot isolate step processes (${this.isolationGap}), so it runs only first-party plugins; run it as root with util-linux, or set SANDBOX_ISOLATION=off to run every plugin with Node's permission model alone`,
        false,
      );
    }
    const refused = refusedGrant(request, this.isolation ? undefined : (this.isolationGap ?? 'not configured'));
    if (refused) return failure('sandbox_unavailable', refused, false);
    // The entry is part of the key because a child may read only the entry it was started for (and has the grants of its plugin).
    const key = JSON.stringify([request.tenantId, request.pluginKey, request.entry, request.grants ?? {}]);
    let child: SandboxProcess;
    const warm = this.pool.take(key);
    try {
      child = warm ?? this.spares.take(spareKey(request)) ?? this.spawn(request);
    } catch (error) {
      return failure(
        'plugin_missing',
        `cannot start a sandbox for ${request.entry}: ${error instanceof Error ? error.message : String(error)}`,
        false,
      );
    }
    this.busy.add(child);
    try {
      const { cancelGraceMs, memoryMb } = this.settings;
      const settings = { timeoutMs: request.timeoutMs, cancelGraceMs, memoryMb, shutdown: this.shutdown.signal };
      const egress = request.egress ?? [];
      // Connections are kept alive per tenant: a server may tie state to a connection.
      const http = this.broker
        ? (exchange: HttpExchange, signal: AbortSignal) => this.broker!.fetch(exchange, egress, signal, request.tenantId)
        : undefined;
      const record = this.recordArtifact;
      const artifacts = this.artifacts
        ? artifactHandler(
            this.artifacts,
            request.tenantId,
            record && ((ref) => record(request.tenantId, request.ctx.runId, request.ctx.stepId, ref)),
          )
        : undefined;
      const tcp = this.relayPolicy && { policy: this.relayPolicy, access: request.network };
      const scratch = this.scratchOf.get(child);
      const message = toRunMessage(request, scratch, this.settings.installationRoot);
      const { outcome, reusable } = await runTask(child, message, { ...hooks, http, artifacts, tcp }, settings);
      child.tasksServed++;
      // What one step left in its scratch folder is gone before the next step of the process starts.
      const emptied =
        scratch === undefined ||
        (await this.scratch.empty(scratch).then(
          () => true,
          () => false,
        ));
      // A process that starts programs is its namespace's init, and Node reaps none of the orphans it
      // adopts (a fork bomb's leave it at its process limit): it serves one step, and its namespace goes with it.
      this.release(key, child, reusable && emptied && !request.grants?.childProcess);
      return outcome;
    } finally {
      this.busy.delete(child);
      // After the step has answered, not beside it: starting a process would slow the step down.
      if (!warm)
        setImmediate(() => {
          if (this.settings.codeCaches) void this.codeCaches.make(request.entry, request.digest);
          this.startSpare(request);
        });
    }
  }

  /** Kills every child, busy or idle; busy runs resolve as cancelled. For worker shutdown. */
  async close(): Promise<void> {
    this.shutdown.abort();
    this.pool.drain();
    this.spares.drain();
    await Promise.all([...this.live].map((child) => child.terminate()));
    this.scratch.close();
    this.codeCaches.close();
  }

  stats(): SandboxStats {
    const alivePids = [...this.live].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
    const sparesReady = this.spares.members().filter((child) => child.isReady).length;
    return {
      spawned: this.spawned,
      codeCaches: this.codeCaches.size,
      alivePids,
      idle: this.pool.size,
      busy: this.busy.size,
      spares: this.spares.size,
      sparesReady,
    };
  }

  /**
   * One more spare for the bundle of a step that found no warm process of its tenant, for the next
   * such step. A spare is keyed by what its process was started with (bundle, digest, grants), never
   * by tenant: whoever takes it is the only tenant it serves.
   */
  private startSpare(request: SandboxRequest): void {
    this.spares.replenish(spareKey(request), () => {
      if (this.shutdown.signal.aborted) return undefined;
      try {
        return this.spawn(request, { preload: { entry: request.entry, digest: request.digest } });
      } catch {
        // No uid free, or no scratch folder: the next step starts its own process, as without spares.
        return undefined;
      }
    });
  }

  /** V8's code cache of a bundle from a process that compiles it and exits; undefined when it cannot be made. Throws when no process can start (no uid free). */
  private compileBundle(entry: string, digest: string): Promise<Buffer | undefined> {
    if (this.shutdown.signal.aborted) return Promise.resolve(undefined);
    const child = this.spawn({ entry, digest }, { compile: { entry, digest } });
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill(), COMPILE_TIMEOUT_MS);
      const stop = child.onMessage((raw) => {
        const message = readRunnerMessage(raw);
        if (message?.type === 'code_cache') resolve(Buffer.from(message.cache.body));
      });
      child.onExit(() => {
        clearTimeout(timer);
        stop();
        resolve(undefined);
      });
    });
  }

  private spawn(
    { entry, digest, grants = {} }: Pick<SandboxRequest, 'entry' | 'digest' | 'grants'>,
    start: ProcessStart = {},
  ): SandboxProcess {
    const { runnerPath, memoryMb, allowedReadPaths, scratchFileMb } = this.settings;
    const uid = this.uids?.take();
    if (this.uids && uid === undefined) throw new Error(`all ${this.isolation!.uids.count} sandbox uids (SANDBOX_UID_RANGE) are in use`);
    let scratch: string | undefined;
    try {
      scratch = grants.scratch ? this.scratch.create(uid) : undefined;
    } catch (error) {
      if (uid !== undefined) this.uids!.give(uid);
      throw error;
    }
    const permissions = {
      readPaths: [...allowedReadPaths, resolve(entry)],
      writePaths: scratch ? [scratch] : [],
      allowChildProcess: this.settings.allowChildProcess || grants.childProcess === true,
      allowAddons: (grants.installed?.length ?? 0) > 0,
    };
    // Memory outside the V8 heap (Buffers) is bounded too: heap cap plus 1 GiB for Node and off-heap data.
    const fileSizeBytes = scratch ? scratchFileMb * 1024 * 1024 : 0;
    const limits = { dataMb: memoryMb + 1024, openFiles: 256, fileSizeBytes };
    const wrap = uid === undefined ? undefined : (argv: string[]) => isolate(argv, { uid, limits });
    const codeCache = start.compile || !this.settings.codeCaches ? undefined : this.codeCaches.find(digest);
    const child = SandboxProcess.spawn({ runnerPath, memoryMb, permissions, wrap, ...start, codeCache });
    if (!start.compile) this.spawned++;
    this.live.add(child);
    if (scratch) this.scratchOf.set(child, scratch);
    void child.exited.then(() => {
      this.live.delete(child);
      this.pool.forget(child);
      this.spares.forget(child);
      if (scratch) {
        this.scratchOf.delete(child);
        this.scratch.remove(scratch);
      }
      // Its namespace's processes died with it: nothing runs as this uid any more.
      if (uid !== undefined) this.uids!.give(uid);
    });
    return child;
  }

  private release(key: string, child: SandboxProcess, reusable: boolean): void {
    const keep = reusable && child.isAlive && !this.shutdown.signal.aborted && child.tasksServed < this.settings.maxTasksPerProcess;
    if (keep) this.pool.put(key, child);
    else void child.terminate();
  }
}

function spareKey({ pluginKey, entry, digest, grants }: SandboxRequest): string {
  return JSON.stringify([pluginKey, entry, digest ?? null, grants ?? {}]);
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
