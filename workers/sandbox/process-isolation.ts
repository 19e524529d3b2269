import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * OS-level isolation of a step process, on top of Node's permission model: a uid of its own (no
 * other live step process has it) with no supplementary groups, no capabilities and no new
 * privileges; namespaces of its own for processes (it sees and can signal nothing outside; /proc
 * shows only its own), IPC and network, the last with loopback alone up, so its only way out is the
 * worker's pipe (HTTP broker, TCP relay); and resource limits.
 */
export interface IsolationSettings {
  /** `strict`: refuse to start without it; `auto`: use it where the worker can (root, util-linux); `off`: permission model only. */
  mode: 'strict' | 'auto' | 'off';
  /** The uids step processes run as, one per live process (SANDBOX_UID_RANGE); each also its gid. */
  uids: { first: number; count: number };
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
  /**
   * Processes and threads of the step's uid (RLIMIT_NPROC), which no other process has: what stops a
   * fork bomb of a plugin that may start child processes (scripts). Node itself needs about a dozen threads.
   */
  processes?: number;
}

export interface IsolatedCommand {
  command: string;
  args: string[];
}

const TOOLS = {
  prlimit: '/usr/bin/prlimit',
  unshare: '/usr/bin/unshare',
  setpriv: '/usr/bin/setpriv',
  ip: '/sbin/ip',
  sh: '/bin/sh',
} as const;
const DEFAULT_PROCESSES = 256;

/**
 * What this worker can enforce; probed once, by really starting node isolated, as the sandbox uid,
 * and reading what a step process must read (`mustRead`: the runner, the installation's code).
 */
export function probeIsolation(settings: IsolationSettings, mustRead: readonly string[]): { enabled: boolean; reason?: string } {
  if (settings.mode === 'off') return { enabled: false, reason: 'SANDBOX_ISOLATION=off' };
  const missing = Object.values(TOOLS).filter((tool) => !existsSync(tool));
  const reason =
    process.getuid?.() !== 0
      ? 'the worker does not run as root, so it cannot switch uid or create network namespaces'
      : missing.length
        ? `missing ${missing.join(', ')} (util-linux, iproute2)`
        : probeFailure(settings, mustRead);
  if (reason && settings.mode === 'strict') throw new Error(`SANDBOX_ISOLATION=strict, but step processes cannot be isolated: ${reason}`);
  return reason ? { enabled: false, reason } : { enabled: true };
}

function probeFailure(settings: IsolationSettings, mustRead: readonly string[]): string | undefined {
  const check = `for (const p of ${JSON.stringify(mustRead)}) require('fs').accessSync(p, require('fs').constants.R_OK)`;
  const { command, args } = isolate([process.execPath, '-e', check], {
    uid: settings.uids.first,
    limits: { dataMb: 2048, openFiles: 64, fileSizeBytes: 0 },
  });
  try {
    execFileSync(command, args, { stdio: 'pipe', timeout: 5_000 });
    return undefined;
  } catch (error) {
    return `a probe failed: ${String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim()}`;
  }
}

/**
 * Wraps `argv` (program first) so it runs limited, as `uid`, in namespaces of its own. prlimit and
 * unshare exec each other, so the worker's child keeps its pid and process group; unshare forks the
 * program into the new process namespace, waits for it and exits as it did, and `--kill-child`
 * takes the program down if unshare is killed (with the namespace's init, everything in it dies).
 * In the new namespaces, still root, a shell brings loopback up (a step's own servers, such as the
 * script plugin's egress proxy, listen there; nothing outside can reach it) and execs setpriv;
 * `--mount-proc` gives the namespace a /proc of its own, so no host process can even be listed.
 */
export function isolate(argv: string[], options: { uid: number; limits: ResourceLimits }): IsolatedCommand {
  const { uid, limits } = options;
  const limitArgs = [
    `--data=${limits.dataMb * 1024 * 1024}`,
    `--nofile=${limits.openFiles}`,
    `--fsize=${limits.fileSizeBytes}`,
    `--nproc=${limits.processes ?? DEFAULT_PROCESSES}`,
    '--core=0',
    '--',
  ];
  const namespaces = [TOOLS.unshare, '--net', '--pid', '--ipc', '--uts', '--mount-proc', '--fork', '--kill-child', '--'];
  // The program's argv goes as the shell's positional parameters, never into the command text; the
  // shell's own PWD would be the program's only environment variable.
  const loopback = [TOOLS.sh, '-c', `${TOOLS.ip} link set lo up && unset PWD && exec "$@"`, 'sh'];
  const identity = [
    TOOLS.setpriv,
    `--reuid=${uid}`,
    `--regid=${uid}`,
    '--clear-groups',
    '--no-new-privs',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--',
  ];
  return { command: TOOLS.prlimit, args: [...limitArgs, ...namespaces, ...loopback, ...identity, ...argv] };
}

/**
 * Hands out the sandbox uids, one per live step process: two processes never share one, so one
 * cannot signal, trace or read the /proc of another, even in another tenant's name. A freed uid goes
 * to the back of the line, so it is the last to be reused.
 */
export class UidPool {
  private readonly free: number[];
  private readonly inUse = new Set<number>();

  constructor({ first, count }: IsolationSettings['uids']) {
    this.free = Array.from({ length: count }, (_, index) => first + index);
  }

  take(): number | undefined {
    const uid = this.free.shift();
    if (uid !== undefined) this.inUse.add(uid);
    return uid;
  }

  give(uid: number): void {
    if (this.inUse.delete(uid)) this.free.push(uid);
  }

  get used(): number {
    return this.inUse.size;
  }
}
