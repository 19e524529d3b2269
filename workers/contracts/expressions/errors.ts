/**
 * What a failed expression throws, and the limits every expression shares. *
 * Deterministic: imported by the workflow bundle. No Node APIs, no clocks, no randomness of its own.
 */

export const MAX_EXPRESSION_LENGTH = 4096;

export class ExpressionError extends Error {
  override name = 'ExpressionError';
  /** `expression_budget_exceeded` when the evaluation ran out of budget; the workflow records it as the failure's code. */
  constructor(
    message: string,
    readonly code: 'expression_error' | 'expression_budget_exceeded' = 'expression_error',
  ) {
    super(message);
  }
}
