import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';

/** argv of a live process, or undefined when it is gone (or a zombie, whose cmdline is empty). */
export function commandLine(pid: number): string[] | undefined {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args.at(-1) === '') args.pop();
    return args.length ? args : undefined;
  } catch {
    return undefined;
  }
}

export function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return commandLine(pid) !== undefined;
}

/** Pids of every process whose argv matches, found in /proc: leftovers that no pid file names. */
export function findProcesses(matches: (args: string[]) => boolean): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => pid !== process.pid)
    .filter((pid) => {
      const args = commandLine(pid);
      return args !== undefined && matches(args);
    });
}

/** The value after `flag` in argv (`--db-filename x` or `--db-filename=x`). */
export function flagValue(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  if (index >= 0) return args[index + 1];
  return args.find((arg) => arg.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

export function samePath(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  };
  return real(a) === real(b);
}

/** Whether argv is a Temporal dev server (`temporal server start-dev`) on this SQLite file. */
export function isDevServerOn(args: string[], dbFile: string): boolean {
  const start = args.indexOf('server');
  return start >= 0 && args[start + 1] === 'start-dev' && samePath(flagValue(args, '--db-filename'), dbFile);
}

/** Whether argv is a PostgreSQL server (`postgres -D <dataDir>`) on this data folder. */
export function isPostgresOn(args: string[], dataDir: string): boolean {
  return basename(args[0] ?? '') === 'postgres' && samePath(flagValue(args, '-D'), dataDir);
}

/** Sends `signal`, waits up to `graceMs` for the process to go, then SIGKILLs it. Resolves once it is gone. */
export async function stopProcess(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  const gone = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (isRunning(pid)) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  };
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  if (await gone(graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await gone(10_000);
}
