import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * OS-level isolation of a step process, on top of Node's permission model: another uid with no
 * supplementary groups and no new privileges, resource limits, and (unless the plugin declared raw
 * network access and the tenant approved it) a network namespace of its own with no interfaces up,
 * so the only way out is the worker's HTTP broker over IPC.
 */
export interface IsolationSettings {
  /** `strict`: refuse to start without it; `auto`: use it where the worker may (root, util-linux); `off`: permission model only. */
  mode: 'strict' | 'auto' | 'off';
  uid: number;
  gid: number;
}

export interface ResourceLimits {
  /**
   * Writable private memory (RLIMIT_DATA): bounds what the V8 heap limit does not, like Buffers.
   * Not the address space (RLIMIT_AS): WebAssembly, which Node's own fetch uses, reserves gigabytes
   * of it up front without ever writing it.
   */
  dataMb: number;
  openFiles: number;
  /** Largest file the process may write (it may write none under the permission model anyway). */
  fileSizeBytes: number;
}

export interface IsolatedCommand {
  command: string;
  args: string[];
}

const TOOLS = { prlimit: '/usr/bin/prlimit', unshare: '/usr/bin/unshare', setpriv: '/usr/bin/setpriv' } as const;

/**
 * What this worker can enforce; probed once, by really starting node isolated, as the sandbox uid,
 * and reading what a step process must read (`mustRead`: the runner, the installation's code).
 */
export function probeIsolation(settings: IsolationSettings, mustRead: readonly string[]): { enabled: boolean; reason?: string } {
  if (settings.mode === 'off') return { enabled: false, reason: 'SANDBOX_ISOLATION=off' };
  const missing = Object.values(TOOLS).filter((tool) => !existsSync(tool));
  const reason = process.getuid?.() !== 0 ? 'the worker does not run as root, so it cannot switch uid or create network namespaces'
    : missing.length ? `missing ${missing.join(', ')} (util-linux)`
    : probeFailure(settings, mustRead);
  if (reason && settings.mode === 'strict') throw new Error(`SANDBOX_ISOLATION=strict, but step processes cannot be isolated: ${reason}`);
  return reason ? { enabled: false, reason } : { enabled: true };
}

function probeFailure(settings: IsolationSettings, mustRead: readonly string[]): string | undefined {
  const check = `for (const p of ${JSON.stringify(mustRead)}) require('fs').accessSync(p, require('fs').constants.R_OK)`;
  const { command, args } = isolate([process.execPath, '-e', check], { settings, limits: { dataMb: 2048, openFiles: 64, fileSizeBytes: 0 }, network: false });
  try {
    execFileSync(command, args, { stdio: 'pipe', timeout: 5_000 });
    return undefined;
  } catch (error) {
    return `a probe failed: ${String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim()}`;
  }
}

/**
 * Wraps `argv` (program first) so it runs limited, as the sandbox uid, and without network unless
 * `network`. Each tool execs the next, so the final process keeps the pid (and process group) the
 * worker spawned.
 */
export function isolate(argv: string[], options: { settings: IsolationSettings; limits: ResourceLimits; network: boolean }): IsolatedCommand {
  const { settings, limits, network } = options;
  const limitArgs = [`--data=${limits.dataMb * 1024 * 1024}`, `--nofile=${limits.openFiles}`, `--fsize=${limits.fileSizeBytes}`, '--core=0', '--'];
  const namespace = network ? [] : [TOOLS.unshare, '--net', '--'];
  const identity = [TOOLS.setpriv, `--reuid=${settings.uid}`, `--regid=${settings.gid}`, '--clear-groups', '--no-new-privs', '--'];
  return { command: TOOLS.prlimit, args: [...limitArgs, ...namespace, ...identity, ...argv] };
}
