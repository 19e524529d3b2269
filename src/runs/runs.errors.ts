import { BatonError, type FieldProblem } from '../common/errors/baton-error.js';

const STATUS = {
  run_not_found: 404,
  invalid_inputs: 422,
  run_finished: 409,
  run_not_finished: 409,
  nothing_to_retry: 409,
  step_not_found: 404,
  approval_forbidden: 403,
  step_not_waiting: 409,
  decision_already_made: 409,
  engine_unavailable: 503,
  too_many_streams: 429,
} as const;
export type RunsErrorCode = keyof typeof STATUS;

export class RunsError extends BatonError {
  constructor(
    code: RunsErrorCode,
    message: string,
    errors?: FieldProblem[],
    headers?: Record<string, string>,
    extensions?: Record<string, unknown>,
  ) {
    super(code, STATUS[code], message, errors, headers, extensions);
  }
}

/** `?step=` names no step of the run (nor a failure handler, `onFailure[0]`): a 404 naming the parameter, not an empty page. */
export const stepNotInRun = (runId: string, stepId: string) =>
  new RunsError('step_not_found', `Run ${runId} has no step ${stepId}`, [{ path: 'query.step', message: 'No step of this run' }]);
