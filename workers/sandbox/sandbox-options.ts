import type { ArtifactRef } from '../../plugins/sdk/src/step-artifacts.js';
import type { ArtifactStore } from '../../src/runtime/artifacts/artifact-store.js';
import type { EgressBroker } from '../../src/runtime/egress/egress-broker.js';
import type { AddressPolicy } from '../../src/runtime/egress/egress-policy.js';
import type { IsolationSettings } from './process-isolation.js';

export interface StepSandboxOptions {
  /** The compiled step-runner; defaults to its bundle beside this file in dist/ (bundle-step-runner.ts). */
  runnerPath?: string | URL;
  /**
   * All the runner may read (Node's permission model), besides the plugin entry it is started for:
   * code and its dependencies, never data or secrets. Defaults to the installation's `dist/`,
   * `node_modules/` and `package.json`, found from `runnerPath`. Nothing may be written.
   */
  allowedReadPaths?: string[];
  /** Read grants on top of `allowedReadPaths` or its default, e.g. a plugins folder outside dist/ (PLUGINS_DIR). */
  extraReadPaths?: string[];
  /** Lets steps start child processes. Only for specs of the process-group kill; never in production. */
  allowChildProcess?: boolean;
  /** V8 heap limit of each child. */
  memoryMb?: number;
  /** How long a cancelled step may take to wind down before it is killed. */
  cancelGraceMs?: number;
  maxIdlePerKey?: number;
  maxIdleTotal?: number;
  idleTtlMs?: number;
  /**
   * A child is retired after this many tasks, so slow leaks in plugin code cannot pile up (its
   * memory limit stops a fast one). Each retirement costs a process start (~100 ms of CPU), so a
   * fan-out of short items must not retire its processes every few runs.
   */
  maxTasksPerProcess?: number;
  /**
   * Processes started ahead of demand (SANDBOX_SPARE_PROCESSES), each for one plugin bundle and
   * loaded with it, bound to no tenant until a step with no warm process of its tenant takes it.
   * 0 (the default): every such step starts its process then.
   */
  spares?: number;
  /** Carries out steps' `ctx.fetch`; without one, every request is refused. */
  broker?: EgressBroker;
  /** Vets the addresses of steps' TCP connections (`ctx.net`); without one, every connection is refused. */
  relayPolicy?: AddressPolicy;
  /** Serves steps' `ctx.artifacts`, in each task's tenant; without one, steps have no artifact store. */
  artifacts?: ArtifactStore;
  /** Records an artifact a step stored with its run and step (the artifacts API lists them). */
  recordArtifact?: (tenantId: string, runId: string, stepId: string, ref: ArtifactRef) => Promise<void>;
  /**
   * OS isolation (a uid and namespaces of its own, limits); off unless given and available. Given
   * with mode `auto` and not available, only first-party plugins run.
   */
  isolation?: IsolationSettings;
  /** Folders plugin bundles are loaded from: checked readable by the sandbox uid when isolation starts. */
  bundleDirs?: string[];
  /**
   * Where the scratch folders of plugins granted `sandbox.scratch` are made, and the bundles' code
   * caches (SANDBOX_SCRATCH_DIR); default: the OS temp folder.
   */
  scratchDir?: string;
  /**
   * Hands each new step process V8's code cache of its bundle, made once per digest by a process
   * that compiles the bundle and runs none of it (code-caches.ts). On by default; benchmarks turn it off to compare.
   */
  codeCaches?: boolean;
  /** Largest file a step process with a scratch folder may write (RLIMIT_FSIZE under OS isolation). */
  scratchFileMb?: number;
  /** The folder `ctx.installed` resolves modules from (its `node_modules`); defaults to the installation's root, found from `runnerPath`. */
  installationRoot?: string;
}

export interface SandboxStats {
  spawned: number;
  /** Bundles (digests) this sandbox has a code cache of. */
  codeCaches: number;
  alivePids: number[];
  idle: number;
  busy: number;
  /** Spare processes waiting for a step; `sparesReady` of them have started and loaded their plugin. */
  spares: number;
  sparesReady: number;
}

/** What StepSandbox does when its options do not say. */
export const SANDBOX_DEFAULTS = {
  memoryMb: 256,
  cancelGraceMs: 2_000,
  maxIdlePerKey: 2,
  maxIdleTotal: 16,
  idleTtlMs: 30_000,
  maxTasksPerProcess: 1_000,
  scratchFileMb: 2048,
  spares: 0,
  codeCaches: true,
};
