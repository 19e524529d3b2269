import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandLine, findProcesses, isDevServerOn, isPostgresOn, isRunning, stopProcess } from './processes.js';

/** A mistake the operator fixes (another `baton up` holds the home, the home is not empty): one line, no stack. */
export class EmbeddedHomeError extends Error {}

export function runDir(home: string): string {
  return join(home, 'run');
}

export const upPidFile = (home: string) => join(runDir(home), 'baton-up.pid');
export const temporalPidFile = (home: string) => join(runDir(home), 'temporal.pid');

/** A pid file: the pid on the first line, the command line (NUL-free, space-joined) on the second. */
export function writePidFile(file: string, pid: number, args: string[], flag: 'w' | 'wx' = 'w'): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${pid}\n${args.join(' ')}\n`, { flag });
}

export function readPidFile(file: string): { pid: number; command: string } | undefined {
  try {
    const [pid, command = ''] = readFileSync(file, 'utf8').split('\n');
    return Number(pid) > 0 ? { pid: Number(pid), command } : undefined;
  } catch {
    return undefined;
  }
}

/** The pid file names a process that is still the one that wrote it (a reused pid runs another command line). */
function holderAlive(held: { pid: number; command: string }): boolean {
  return isRunning(held.pid) && commandLine(held.pid)?.join(' ') === held.command;
}

/**
 * One `baton up` per BATON_HOME: takes `run/baton-up.pid`, or refuses naming the live holder.
 * A file left by a `baton up` that died is taken over. Released when this process exits.
 */
export function lockHome(home: string): { previous?: number } {
  const file = upPidFile(home);
  const args = commandLine(process.pid) ?? process.argv;
  let previous: number | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      writePidFile(file, process.pid, args, 'wx');
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const held = readPidFile(file);
      if (held && holderAlive(held)) throw new EmbeddedHomeError(`another baton up (pid ${held.pid}) is running on BATON_HOME ${home}`);
      previous = held?.pid;
      rmSync(file, { force: true });
    }
  }
  process.once('exit', () => {
    if (readPidFile(file)?.pid === process.pid) rmSync(file, { force: true });
  });
  return { previous };
}

/**
 * Stops the Temporal dev server and the embedded PostgreSQL that a `baton up` which died (SIGKILL,
 * OOM killer) left running on this home: each is checked in /proc to be that program on that home
 * before it is signalled. Call with the home lock held. Returns what was stopped, for the log.
 */
export async function stopLeftovers(home: string, dbFile: string, dataDir: string): Promise<string[]> {
  const stopped: string[] = [];
  const recorded = readPidFile(temporalPidFile(home))?.pid;
  const servers = new Set(findProcesses((args) => isDevServerOn(args, dbFile)));
  if (recorded && isDevServerOn(commandLine(recorded) ?? [], dbFile)) servers.add(recorded);
  for (const pid of servers) {
    await stopProcess(pid, 'SIGTERM', 5_000);
    stopped.push(`Temporal dev server (pid ${pid})`);
  }
  rmSync(temporalPidFile(home), { force: true });

  const postmaster = readPidFile(join(dataDir, 'postmaster.pid'))?.pid;
  const databases = new Set(findProcesses((args) => isPostgresOn(args, dataDir)));
  if (postmaster && isPostgresOn(commandLine(postmaster) ?? [], dataDir)) databases.add(postmaster);
  for (const pid of databases) {
    // SIGINT is PostgreSQL's fast shutdown: sessions are ended, the data is checkpointed.
    await stopProcess(pid, 'SIGINT', 20_000);
    stopped.push(`embedded PostgreSQL (pid ${pid})`);
  }
  return stopped;
}
