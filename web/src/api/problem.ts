/** An API answer that was not a success, as the problem+json body the API sends (docs/api.md#errors-problemjson). */
export interface FieldProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
  position?: number;
}

export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: FieldProblem[];
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    const detail =
      typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : `Request failed (${status})`;
    super(detail);
    this.status = status;
    this.code = typeof body.code === 'string' ? body.code : 'unknown';
    this.detail = detail;
    this.errors = Array.isArray(body.errors) ? (body.errors as FieldProblem[]) : [];
    this.body = body;
  }

  /** The problems about one field (and the fields under it), for showing next to the control the user acted on. */
  about(path: string): string | undefined {
    const found = this.errors.filter((e) => e.path === path || e.path.startsWith(`${path}.`));
    return found.length ? found.map((e) => e.message).join('; ') : undefined;
  }
}

/** What to show for any failure: the problem's detail, or the error's message. */
export function describeFailure(error: unknown): string {
  if (error instanceof ApiProblem) return error.detail;
  return error instanceof Error ? error.message : String(error);
}
