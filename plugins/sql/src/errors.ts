import { isStepError, StepError } from '../../sdk/src/index.js';

export const cancelledError = () => new StepError('The step was cancelled', { retryable: false, code: 'cancelled' });

/** DuckDB's messages start with the kind of error: `Binder Error: …`, `Out of Memory Error: …`. */
const KIND = /^([A-Za-z ]+?) Error: /;

/**
 * A DuckDB error as a StepError. None is worth another attempt: the step runs the same SQL over
 * the same bytes in a fresh in-memory database each time. `sql_denied` is the lockdown refusing a
 * file, a setting or an extension; `out_of_memory` and `scratch_full` say what to change; the rest, `sql_error`,
 * carries DuckDB's own message (its `LINE 1: … ^` pointer included).
 */
export function asStepError(error: unknown, context: { memoryLimitMb: number; aborted: boolean }): unknown {
  if (isStepError(error)) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const message = raw.replace(/^Failed to extract statements: /, '').trim();
  const kind = KIND.exec(message)?.[1];
  if (context.aborted || kind === 'INTERRUPT') return cancelledError();
  if (!kind) return error;
  if (kind === 'Out of Memory')
    return new StepError(
      `${firstLine(message)} — the query needs more than its memoryLimitMb (${context.memoryLimitMb} MB): raise it, or read fewer columns and filter earlier`,
      { retryable: false, code: 'out_of_memory' },
    );
  if (kind === 'IO' && /File too large|No space left on device/.test(message))
    return new StepError(
      `${firstLine(message)} — the step's scratch folder holds the tables, DuckDB's spill files and the result, each file capped by the worker (SANDBOX_SCRATCH_FILE_MB): read less, or raise memoryLimitMb so that less spills`,
      { retryable: false, code: 'scratch_full' },
    );
  if (kind === 'Permission' || /configuration has been locked/.test(message))
    return new StepError(`Refused by the SQL sandbox: ${firstLine(message)}`, { retryable: false, code: 'sql_denied' });
  return new StepError(message, { retryable: false, code: 'sql_error' });
}

const firstLine = (message: string) => message.split('\n')[0];
