/** One field-level problem, as in RFC 9457 `errors: [{ path, message }]`. */
export interface FieldProblem {
  path: string;
  message: string;
  /** For a string holding an expression: the 1-based character of it the problem is about. */
  position?: number;
  /** Where `path` is in the body, 1-based, when it was sent as YAML. */
  line?: number;
  column?: number;
  /** A stable name for the kind of problem, where one is given. */
  code?: string;
}

/**
 * Base of every feature's error: a stable code, an HTTP status and optional field problems.
 * Feature errors (`AccountsError`, `PipelinesError`, ...) subclass it with their code tables;
 * the problem filter turns any of them into problem+json.
 */
export class BatonError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly errors?: FieldProblem[],
    readonly headers?: Record<string, string>,
    /** RFC 9457 extension members, e.g. which limit a quota error is about. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Bad request shape (unknown field, wrong type, malformed id). */
export class RequestValidationError extends BatonError {
  constructor(errors: FieldProblem[], message = 'The request is not valid') {
    super('invalid_request', 400, message, errors);
  }
}

export class NotFoundError extends BatonError {
  constructor(what: string) {
    super('not_found', 404, `${what} was not found`);
  }
}
