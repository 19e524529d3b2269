import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as delay } from 'node:timers/promises';

export interface ScriptProcess {
  /** The program and its arguments, e.g. `['/bin/sh', '-c', script]`. */
  argv: readonly string[];
  /** The working directory, also its HOME. */
  cwd: string;
  /** The whole environment: nothing of the step process's own is passed. */
  env: Record<string, string>;
  /** Written to the script's stdin, which is then closed. */
  stdin: string;
  /** The script's own limit; past it, it is stopped as on a cancel. */
  timeoutMs?: number;
  /** Aborted on a cancel: SIGTERM to the script's process group, SIGKILL after `graceMs`. */
  signal: AbortSignal;
  graceMs: number;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
}

export interface ScriptExit {
  exitCode: number | null;
  /** The signal that ended the script, when one did. */
  signal: NodeJS.Signals | null;
  /** The last lines the script wrote to stderr, for the error of a failed step. */
  stderrTail: string[];
  durationMs: number;
  stoppedBy?: 'cancel' | 'timeout';
}

/** Longer lines are logged in pieces: one log message holds at most 8 KiB anyway. */
export const MAX_LINE_CHARS = 4 * 1024;
const STDERR_TAIL_LINES = 20;
/** After the script's exit, how long its output may take to drain (a background job can hold the pipe open). */
const DRAIN_MS = 1_000;

/**
 * Runs a tenant's script as a child of the step process, in a process group of its own (what a
 * cancel or timeout signals) and with only the given environment, streaming its output by line.
 * When it ends, whatever it left running goes too (`killLeftovers`).
 */
export async function runScript(options: ScriptProcess): Promise<ScriptExit> {
  const started = performance.now();
  const [command, ...args] = options.argv;
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  // Rejects on a spawn error (ENOENT), which comes as 'error' without 'exit'.
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const stderrTail: string[] = [];
  const drained = Promise.all([
    readLines(child.stdout, (line) => options.onLine('stdout', line)),
    readLines(child.stderr, (line) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      options.onLine('stderr', line);
    }),
  ]);
  // A script that never reads its stdin closes it early: EPIPE is no failure of the step.
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.stdin);

  let stoppedBy: ScriptExit['stoppedBy'];
  const stop = (reason: NonNullable<ScriptExit['stoppedBy']>) => {
    if (stoppedBy || child.exitCode !== null || child.signalCode !== null) return;
    stoppedBy = reason;
    signalGroup(child.pid, 'SIGTERM');
    void delay(options.graceMs, undefined, { ref: false }).then(() => signalGroup(child.pid, 'SIGKILL'));
  };
  const onAbort = () => stop('cancel');
  if (options.signal.aborted) onAbort();
  options.signal.addEventListener('abort', onAbort, { once: true });
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), options.timeoutMs);
  try {
    const [exitCode, signal] = await exited;
    killLeftovers(child.pid);
    await Promise.race([drained, delay(DRAIN_MS)]);
    const durationMs = Math.round(performance.now() - started);
    return { exitCode, signal, stderrTail, durationMs, ...(stoppedBy && { stoppedBy }) };
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
    killLeftovers(child.pid);
  }
}

/**
 * Ends what the script left running. In the sandbox the step process is its namespace's init
 * (pid 1): a signal to -1 then reaches every other process in the namespace, even one that left
 * the script's process group, and none outside it. Elsewhere (specs) the group is all it can name.
 */
export function killLeftovers(pid: number | undefined): void {
  if (process.pid === 1) {
    try {
      process.kill(-1, 'SIGKILL');
    } catch {
      // ESRCH: nothing is left.
    }
  }
  signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Calls `onLine` for each non-empty line of `stream` (UTF-8, without its newline, NUL as U+FFFD),
 * cutting lines longer than MAX_LINE_CHARS.
 */
export async function readLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const flush = (text: string) => {
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      emit(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
    while (pending.length >= MAX_LINE_CHARS) {
      onLine(pending.slice(0, MAX_LINE_CHARS));
      pending = pending.slice(MAX_LINE_CHARS);
    }
  };
  const emit = (line: string) => {
    // PostgreSQL stores no NUL in text: a log line holding one could not be recorded.
    const text = (line.endsWith('\r') ? line.slice(0, -1) : line).replaceAll('\0', '\uFFFD');
    for (let at = 0; at < text.length; at += MAX_LINE_CHARS) onLine(text.slice(at, at + MAX_LINE_CHARS));
  };
  for await (const chunk of stream) flush(decoder.write(chunk as Buffer));
  flush(decoder.end());
  if (pending) emit(pending);
}
