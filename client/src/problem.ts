/** A problem+json answer (RFC 9457) as an error: `status`, `code`, and the field problems in `errors`. */
export class BatonApiError extends Error {
  override readonly name = 'BatonApiError';
  readonly code: string | undefined;
  readonly errors: Array<{ path: string; message: string; line?: number; column?: number }>;

  constructor(
    readonly status: number,
    readonly problem: Record<string, unknown>,
  ) {
    super(typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : `HTTP ${status}`);
    this.code = typeof problem.code === 'string' ? problem.code : undefined;
    this.errors = Array.isArray(problem.errors) ? (problem.errors as BatonApiError['errors']) : [];
  }
}
