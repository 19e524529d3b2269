import { holdsNul, NUL_OUTPUT_MESSAGE } from '../contracts/stored-json.js';
import type { RunnerError, RunnerErrorCode } from './sandbox-protocol.js';

export type SandboxErrorCode = RunnerErrorCode | 'timeout' | 'cancelled' | 'memory_exceeded' | 'protocol_error' | 'sandbox_unavailable';

export interface SandboxError {
  message: string;
  retryable: boolean;
  code: SandboxErrorCode;
  /** The `code` a step gave its StepError, if any. */
  stepCode?: string;
}

export type SandboxOutcome = { ok: true; outputs: Record<string, unknown> } | { ok: false; error: SandboxError };

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/** Failures after which the child is still healthy and may serve the next task. */
const HEALTHY_FAILURES: ReadonlySet<SandboxErrorCode> = new Set<SandboxErrorCode>([
  'step_error',
  'invalid_input',
  'invalid_output',
  'output_too_large',
  'plugin_missing',
]);
const CRASH_OUTPUT_CHARS = 4 * 1024;

export function failure(code: SandboxErrorCode, message: string, retryable: boolean): SandboxOutcome {
  return { ok: false, error: { code, message, retryable } };
}

export function fromRunnerError(error: RunnerError): SandboxOutcome {
  return { ok: false, error: { ...error, message: error.message.replaceAll('\u0000', '\uFFFD') } };
}

/**
 * A step's outputs, unless they hold a NUL character anywhere (a key or a string): PostgreSQL stores
 * none, so the step's record would fail on every retry and its run would never end. A message with
 * one only loses the character.
 */
export function fromRunnerOutputs(outputs: Record<string, unknown>): SandboxOutcome {
  if (!holdsNul(outputs)) return { ok: true, outputs };
  return failure('invalid_output', NUL_OUTPUT_MESSAGE, false);
}

export function leavesProcessHealthy(outcome: SandboxOutcome): boolean {
  return outcome.ok || HEALTHY_FAILURES.has(outcome.error.code);
}

/** `unfinishedBytes`: a message the process was still sending to the worker, which says why it never answered. */
export function timedOut(timeoutMs: number, unfinishedBytes = 0): SandboxOutcome {
  const sending = unfinishedBytes ? `; it was still sending the worker a message (${unfinishedBytes} bytes so far)` : '';
  return failure('timeout', `step did not finish within ${timeoutMs} ms${sending}`, true);
}

export function cancelled(reason = 'step was cancelled'): SandboxOutcome {
  return failure('cancelled', reason, false);
}

/** The child wrote what is not a frame of the protocol (garbage, an oversized or endless message) and was killed for it. */
export function brokeProtocol(reason: string): SandboxOutcome {
  return failure('protocol_error', `the step process broke the worker's protocol and was stopped: ${reason}`, false);
}

export function fromUnexpectedExit(exit: ProcessExit, memoryMb: number): SandboxOutcome {
  if (diedOfHeapExhaustion(exit)) return failure('memory_exceeded', `step ran out of memory (limit ${memoryMb} MB)`, true);
  const status = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
  const output = (exit.stderr.trim() || exit.stdout.trim()).slice(-CRASH_OUTPUT_CHARS);
  return failure('crashed', `step process died (${status})${output ? `:\n${output}` : ''}`, true);
}

/** V8 prints this and aborts when the heap limit is hit; the message may lag the exit, the signal does not. */
function diedOfHeapExhaustion({ code, signal, stderr }: ProcessExit): boolean {
  return stderr.includes('heap out of memory') || signal === 'SIGABRT' || code === 134;
}
