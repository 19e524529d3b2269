export interface StepErrorOptions {
  /** Whether retrying the same input can succeed. Defaults to true, like any other error. */
  retryable?: boolean;
  /** A short machine-readable reason chosen by the step, e.g. `http_404`. */
  code?: string;
  cause?: unknown;
}

/** The one error type a step throws to say how it failed and whether a retry can help. */
export class StepError extends Error {
  override readonly name = 'StepError';
  readonly retryable: boolean;
  readonly code?: string;

  constructor(message: string, options: StepErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? true;
    this.code = options.code;
  }
}

/**
 * Recognises a StepError by shape, not by class: a bundled plugin carries its own copy of the SDK,
 * so `instanceof` fails across that boundary.
 */
export function isStepError(error: unknown): error is StepError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'StepError' &&
    typeof (error as { retryable?: unknown }).retryable === 'boolean'
  );
}
