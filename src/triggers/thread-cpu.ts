import { readFileSync, readlinkSync } from 'node:fs';

/**
 * A thread's own CPU time, read from Linux's /proc by any thread of the process: what a mapping's
 * budget counts, so that a thread starved by a busy machine is not mistaken for a greedy expression.
 * Elsewhere (no /proc) both answer undefined and the budget falls back to wall time.
 */

/** The calling thread's id, which it hands to whoever measures it. */
export function currentThreadId(): number | undefined {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}

/** Milliseconds of CPU the thread has run for (the scheduler's account, in nanoseconds); undefined once it is gone. */
export function threadCpuMs(threadId: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/self/task/${threadId}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}
